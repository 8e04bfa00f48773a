"""What the federation keeps: answers given (a message is applied once), messages parked until
the ones before them arrive, peers' receipts, and the peers' catalogues as mirrored."""

from __future__ import annotations

from typing import Any

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
from chalicelib.adapters.tables import find
from chalicelib.domain.errors import Conflict
from chalicelib.domain.federation import Message


class DynamoFederationRepository:
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
        """Messages not yet handed to the delivery queue, in commit order."""
        return self._in_state(OutgoingRow.lsi1sk.startswith(NEW), limit)

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
