"""The relay repository in memory (adapters/relay_repository.py on DynamoDB)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from chalicelib.adapters.memory.store import MemoryStore, page_of
from chalicelib.adapters.memory.supervision import REFUSALS, unit_counters
from chalicelib.domain.federation import Message
from chalicelib.domain.relay import WATCHED_FOR_DUE, VerificationRequest
from chalicelib.domain.trail import TrailEvent
from chalicelib.services.ports import Owed, Page, PageKey

REQUESTS, EVENTS, DUE, LOG_QUEUE = "request", "trail_event", "request_due", "log_queue"
COUNTERS = "VERIFICATION"


class MemoryRelayRepository:
    def __init__(self, store: MemoryStore, here: str = "") -> None:
        self._store = store
        self._here = here

    def get(self, request_id: str) -> VerificationRequest | None:
        request: VerificationRequest | None = self._store.records[REQUESTS].get(request_id)
        return request

    def create(self, request: VerificationRequest, event: TrailEvent, owed: Owed) -> None:
        # Its id is new, unless a peer's message is applied twice at once: then the other won.
        self._store.add_new(REQUESTS, request.request_id, _stored(request))
        if request.written_here:  # the stage that writes the trail marks it overdue
            self._store.records[DUE][_due(request)] = request.request_id
        self._append(request, event, owed)

    def update(
        self, before: VerificationRequest, after: VerificationRequest, event: TrailEvent, owed: Owed
    ) -> None:
        # The trail position is the request's version: any change moves it.
        self._store.replace(REQUESTS, before.request_id, before, _stored(after), lambda r: r.trail_seq)
        if before.status in WATCHED_FOR_DUE and after.status not in WATCHED_FOR_DUE:
            self._store.records[DUE].pop(_due(before), None)
        self._append(after, event, owed)

    def _append(self, request: VerificationRequest, event: TrailEvent, owed: Owed) -> None:
        self._store.records[EVENTS][f"{request.request_id}#{event.seq:06d}"] = event
        if event.stage == self._here:  # a peer's event is in the peer's log
            self._store.records[LOG_QUEUE][f"{request.request_id}#{event.seq:06d}"] = event.hash
        self._store.commit(owed, COUNTERS)

    def mark_delivered(self, request_id: str, received_at: str) -> None:
        """Record on the requester's copy when the target's stage took it (not a trail event)."""
        request = self.get(request_id)
        if request is not None and request.delivered_at is None:
            self._store.records[REQUESTS][request_id] = dataclasses.replace(request, delivered_at=received_at)

    def send(self, messages: Sequence[Message]) -> None:
        self._store.commit(Owed(messages=messages))

    def record_refusal(self, requester_unit: str, target_unit: str, proof_id: str, at: str) -> None:
        refusal = {"at": at, "proof_id": proof_id, "target_unit": target_unit}
        self._store.records[REFUSALS].setdefault(requester_unit, []).append(refusal)
        self._store.counters[unit_counters(requester_unit)].update({"refused_requests": 1})

    def list_box(
        self, unit_id: str, box: str, status: str | None, limit: int, start: PageKey | None
    ) -> Page[VerificationRequest]:
        def boxed(r: VerificationRequest) -> bool:
            # A unit's boxes list the requests on its home stage's copy only.
            if box == "outbox":
                mine = r.requester_unit == unit_id and r.requester_stage in ("", self._here)
            else:
                mine = r.target_unit == unit_id and r.target_stage in ("", self._here)
            return mine and status in (None, r.status.value)

        found = [r for r in self._store.records[REQUESTS].values() if boxed(r)]
        return page_of(found, _created, limit, start, newest_first=True)

    def list_by_subject(self, id_number: str, limit: int, start: PageKey | None) -> Page[VerificationRequest]:
        def about(r: VerificationRequest) -> bool:
            return r.subject.id_type == "resident_id" and r.subject.id_number == id_number

        found = [r for r in self._store.records[REQUESTS].values() if about(r)]
        return page_of(found, _created, limit, start, newest_first=True)

    def events(self, request_id: str) -> list[TrailEvent]:
        trail = self._store.records[EVENTS]
        return [trail[key] for key in sorted(trail) if key.startswith(f"{request_id}#")]

    def due_by(self, now: str, limit: int) -> list[str]:
        return self._store.due_before(DUE, f"{now}#~", limit)  # "~" sorts after every id

    def verification_counts(self) -> dict[str, int]:
        return dict(self._store.counters[COUNTERS])


def _stored(request: VerificationRequest) -> VerificationRequest:
    """As DynamoDB keeps it: which stage's copy it is, the service says when it reads it."""
    return dataclasses.replace(request, recorded_on="")


def _due(request: VerificationRequest) -> str:
    return f"{request.due_at}#{request.request_id}"


def _created(request: VerificationRequest) -> str:
    return f"{request.created_at}#{request.request_id}"
