"""What the federation keeps: answers given (a message is applied once), messages parked until
the ones before them arrive, peers' receipts, and the peers' catalogues as mirrored."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.adapters.federation_rows import (
    NEW,
    OUT,
    QUEUED,
    REFUSED,
    InboxRow,
    OutgoingRow,
    ParkedRow,
    PeerProofRow,
    ReceiptRow,
)
from chalicelib.adapters.tables import BaseRow, find
from chalicelib.adapters.transact import ConditionFailed, Tx, transact
from chalicelib.domain.errors import Conflict
from chalicelib.domain.federation import Message
from chalicelib.services.ports import Contended

if TYPE_CHECKING:
    from pynamodb.connection import Connection

ROWS_PER_EXPANSION = 99  # and the fan-out row's own update: a transaction's 100 items


class DynamoFederationRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def answer(self, from_stage: str, message_id: str) -> dict[str, Any] | None:
        row = find(InboxRow, *InboxRow.key(from_stage, message_id))
        return None if row is None else dict(row.answer)

    def claim(self, from_stage: str, message_id: str, now: str, stale_before: str) -> dict[str, Any] | None:
        """Take the message id for this delivery (None), unless it was answered (that answer)
        or another delivery holds it (409 `message_in_progress`, retried). A claim left since
        before `stale_before` by a delivery that died is taken over."""
        pk, sk = InboxRow.key(from_stage, message_id)
        try:
            InboxRow(pk, sk, from_stage=from_stage, answer={}, pending_since=now).save(
                condition=InboxRow.pk.does_not_exist() | (InboxRow.pending_since < stale_before)
            )
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            row = find(InboxRow, pk, sk)
            if row is None or row.pending_since is not None:
                raise Conflict(
                    "message_in_progress",
                    "This message is being taken by another delivery; retry.",
                    "该消息正由另一次投递处理，请稍后重试。",
                ) from None
            return dict(row.answer)
        return None

    def settle(self, from_stage: str, message_id: str, answer: dict[str, Any]) -> dict[str, Any]:
        """Keep the answer (a receipt or a final refusal) under the id this delivery claimed."""
        pk, sk = InboxRow.key(from_stage, message_id)
        InboxRow(pk, sk, from_stage=from_stage, answer=answer, pending_since=None).save()
        return answer

    def release(self, from_stage: str, message_id: str) -> None:
        """Give the id back unanswered (the message was not taken now: it comes again)."""
        pk, sk = InboxRow.key(from_stage, message_id)
        try:
            InboxRow(pk, sk).delete(condition=InboxRow.pending_since.exists())
        except DeleteError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    def park(self, request_id: str, seq: int, message: Message) -> None:
        ParkedRow.of(request_id, seq, message).save()

    def parked(self, request_id: str) -> list[Message]:
        rows = ParkedRow.query(ParkedRow.partition(request_id), consistent_read=True)
        return [Message.parse(row.message) for row in rows]

    def unpark(self, request_id: str, seq: int, message: Message) -> None:
        ParkedRow.of(request_id, seq, message).delete()

    def keep_receipt(self, message_id: str, to_stage: str, received_at: str, receipt: str) -> None:
        pk, sk = ReceiptRow.key(message_id)
        ReceiptRow(pk, sk, to_stage=to_stage, received_at=received_at, receipt=receipt).save()

    def mirror_proof(self, stage: str, proof: dict[str, Any]) -> None:
        """Keep a peer's proof item unless a later version is kept already."""
        row = PeerProofRow.of(stage, proof)
        try:
            row.save(condition=PeerProofRow.pk.does_not_exist() | (PeerProofRow.version < proof["version"]))
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise  # else: an older or the same version, arriving late: nothing to do

    def peer_proof(self, stage: str, proof_id: str) -> dict[str, Any] | None:
        row = find(PeerProofRow, *PeerProofRow.key(stage, proof_id), consistent=False)
        return None if row is None else dict(row.proof)

    # The outbox of messages to peers: a row stays until the peer's receipt or a final refusal

    def unqueued(self, limit: int) -> list[Message]:
        """Messages not yet handed to the delivery queue, in commit order (`limit` rows: a
        fan-out among them gives each of its peers a row of its own first, and counts as one)."""
        rows = OutgoingRow.by_state.query(
            OUT, OutgoingRow.lsi1sk.startswith(NEW), limit=limit, consistent_read=True
        )
        found: list[Message] = []
        for row in rows:
            found.extend([row.to_domain()] if row.recipients is None else self._expand(row))
        return found

    def _expand(self, fan_out: OutgoingRow) -> list[Message]:
        """Give each message of a fan-out its own row, ROWS_PER_EXPANSION a transaction that also
        counts them on the fan-out row (or deletes it, with the last), so that a run cut short
        resumes where it stopped. The messages this run gave a row; a run that expands the same
        fan-out meanwhile makes this one stop (those rows are that run's to forward)."""
        messages, done = fan_out.fanned_out(), int(fan_out.expanded or 0)
        given: list[Message] = []
        while done < len(messages):
            batch = messages[done : done + ROWS_PER_EXPANSION]
            try:
                transact(self._connection, BaseRow.Meta.table_name, _expansion(fan_out, done, batch))
            except (ConditionFailed, Contended):
                break
            given.extend(batch)
            done += len(batch)
        return given

    def queued_before(self, moment: str, limit: int) -> list[Message]:
        """Messages last handed to the queue before `moment`, oldest first."""
        return self._in_state(OutgoingRow.lsi1sk.between(QUEUED, f"{QUEUED}{moment}"), limit)

    def refused(self, limit: int) -> list[tuple[Message, dict[str, Any]]]:
        rows = OutgoingRow.by_state.query(
            OUT, OutgoingRow.lsi1sk.startswith(REFUSED), limit=limit, consistent_read=True
        )
        return [(row.to_domain(), dict(row.refusal or {})) for row in rows]

    def _in_state(self, condition: Condition, limit: int) -> list[Message]:
        rows = OutgoingRow.by_state.query(OUT, condition, limit=limit, consistent_read=True)
        return [row.to_domain() for row in rows]

    def mark_queued(self, message: Message, at: str) -> None:
        """Record that the message was handed to the queue at `at` (unless it was delivered or
        refused in the meantime: then there is nothing left to mark)."""
        self._move(message, OutgoingRow.state(QUEUED, at, message.message_id))

    def mark_refused(self, message: Message, at: str, refusal: dict[str, Any]) -> None:
        self._move(message, OutgoingRow.state(REFUSED, at, message.message_id), refusal)

    def _move(self, message: Message, state: str, refusal: dict[str, Any] | None = None) -> None:
        row = OutgoingRow(OUT, message.message_id)
        actions: list[Action] = [OutgoingRow.lsi1sk.set(state)]
        if refusal is not None:
            actions.append(OutgoingRow.refusal.set(refusal))
        try:
            row.update(
                actions=actions,
                condition=OutgoingRow.pk.exists() & ~OutgoingRow.lsi1sk.startswith(REFUSED),
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    def delivered(self, message: Message) -> None:
        """The peer's receipt is kept (keep_receipt, first): the message is done."""
        OutgoingRow(OUT, message.message_id).delete()


def _expansion(fan_out: OutgoingRow, done: int, batch: list[Message]) -> Callable[[Tx], None]:
    """Rows for `batch`, if `done` of the fan-out's messages have theirs still; the fan-out row
    then counts them, or goes once every message has its row."""
    unchanged = OutgoingRow.expanded == done
    total = len(fan_out.recipients or [])

    def build(tx: Tx) -> None:
        for message in batch:
            tx.save(OutgoingRow.of(message))
        if done + len(batch) < total:
            tx.update(fan_out, actions=[OutgoingRow.expanded.set(done + len(batch))], condition=unchanged)
        else:
            tx.delete(fan_out, condition=unchanged)

    return build
