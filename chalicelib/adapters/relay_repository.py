"""The relay repository on DynamoDB: each change of a request is one transaction with its trail
event, its due marker, its alerts (outbox) and its counters."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Sequence

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.adapters import counters
from chalicelib.adapters.log_queue import add_leaf
from chalicelib.adapters.outbox import add_owed, send_messages
from chalicelib.adapters.pages import page_of
from chalicelib.adapters.relay_rows import DUE, DueRow, EventRow, RequestRow, request_pk
from chalicelib.adapters.tables import BaseRow, find
from chalicelib.adapters.transact import Tx, transact, transact_current
from chalicelib.adapters.unit_records import RefusalRow, unit_record_key
from chalicelib.domain.federation import Message
from chalicelib.domain.relay import WATCHED_FOR_DUE, VerificationRequest
from chalicelib.domain.trail import TrailEvent
from chalicelib.services.ports import Owed, Page, PageKey

COUNTERS = "VERIFICATION"


class DynamoRelayRepository:
    def __init__(self, connection: Connection, pseudonym: Callable[[str], str], here: str = "") -> None:
        self._connection = connection
        self._pseudonym = pseudonym
        self._here = here

    def get(self, request_id: str) -> VerificationRequest | None:
        row = find(RequestRow, request_pk(request_id))
        return None if row is None else row.to_domain()

    def create(self, request: VerificationRequest, event: TrailEvent, owed: Owed) -> None:
        def build(tx: Tx) -> None:
            row = RequestRow.of(request, self._pseudonym, self._here)
            tx.save(row, condition=RequestRow.pk.does_not_exist())
            if request.written_here:  # the stage that writes the trail marks it overdue
                tx.save(DueRow.of(request))
            self._add_common(tx, request, event, owed)

        # Its id is new, unless a peer's message is applied twice at once: then the other won.
        transact_current(self._connection, BaseRow.Meta.table_name, build, request.request_id)

    def update(
        self, before: VerificationRequest, after: VerificationRequest, event: TrailEvent, owed: Owed
    ) -> None:
        def build(tx: Tx) -> None:
            # The trail position is the request's version: any change moves it.
            row = RequestRow.of(after, self._pseudonym, self._here)
            tx.save(row, condition=RequestRow.trail_seq == before.trail_seq)
            if before.status in WATCHED_FOR_DUE and after.status not in WATCHED_FOR_DUE:
                tx.delete(DueRow.of(before))
            self._add_common(tx, after, event, owed)

        transact_current(self._connection, BaseRow.Meta.table_name, build, before.request_id)

    def _add_common(self, tx: Tx, request: VerificationRequest, event: TrailEvent, owed: Owed) -> None:
        tx.save(EventRow.of(request.request_id, event), condition=EventRow.pk.does_not_exist())
        if event.stage == self._here:  # a peer's event is in the peer's log
            add_leaf(tx, request.request_id, event)
        add_owed(tx, owed, counters.shard(COUNTERS))

    def mark_delivered(self, request_id: str, received_at: str) -> None:
        """Record on the requester's copy when the target's stage took it (not a trail event)."""
        pk = request_pk(request_id)
        with contextlib.suppress(PutError, UpdateError):
            RequestRow(pk, "A").update(
                actions=[RequestRow.delivered_at.set(received_at)],
                condition=RequestRow.pk.exists() & RequestRow.delivered_at.does_not_exist(),
            )

    def send(self, messages: Sequence[Message]) -> None:
        send_messages(self._connection, messages)

    def record_refusal(self, requester_unit: str, target_unit: str, proof_id: str, at: str) -> None:
        row = RefusalRow.of(requester_unit, target_unit, proof_id, at, secrets.token_hex(4))

        def build(tx: Tx) -> None:
            tx.save(row)
            tx.add(unit_record_key(requester_unit), {"refused_requests": 1})

        transact(self._connection, BaseRow.Meta.table_name, build)

    def list_box(
        self, unit_id: str, box: str, status: str | None, limit: int, start: PageKey | None
    ) -> Page[VerificationRequest]:
        direction = "OUT" if box == "outbox" else "IN"
        if status:
            index = RequestRow.outbox_by_status if box == "outbox" else RequestRow.inbox_by_status
            key = f"VR#{direction}#{unit_id}#{status}"
        else:
            index = RequestRow.outbox if box == "outbox" else RequestRow.inbox
            key = f"VR#{direction}#{unit_id}"
        return page_of(
            index.query(key, scan_index_forward=False, limit=limit, last_evaluated_key=start), limit
        )

    def list_by_subject(self, id_number: str, limit: int, start: PageKey | None) -> Page[VerificationRequest]:
        key = f"VR#SUBJ#{self._pseudonym(id_number)}"
        results = RequestRow.by_subject.query(
            key, scan_index_forward=False, limit=limit, last_evaluated_key=start
        )
        return page_of(results, limit)

    def events(self, request_id: str) -> list[TrailEvent]:
        rows = EventRow.query(request_pk(request_id), EventRow.sk.startswith("EV#"), consistent_read=True)
        return [row.to_domain() for row in rows]

    def due_by(self, now: str, limit: int) -> list[str]:
        # "~" sorts after every id character: every marker due at or before `now`.
        rows = DueRow.query(DUE, DueRow.sk <= f"{now}#~", limit=limit, consistent_read=True)
        return [row.request_id for row in rows]

    def verification_counts(self) -> dict[str, int]:
        return counters.read(self._connection, BaseRow.Meta.table_name, COUNTERS)
