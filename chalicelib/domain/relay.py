"""Verification requests between units (远程协查): states, who may do what, what each party sees."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from chalicelib.domain.clock import format_time, parse_time
from chalicelib.domain.errors import Conflict, forbidden, not_found, validation_error
from chalicelib.domain.identity import Audience, Identity, Role
from chalicelib.domain.personal_ids import mask_name, mask_number, normalise_resident_id, normalise_uscc
from chalicelib.domain.trail import TrailEvent, next_event

if TYPE_CHECKING:  # annotations only: the schema checked the body, mypy checks its use
    from chalicelib.domain.commands import SubjectData


class Status(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    REJECTED = "rejected"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"  # the requester's case no longer needs it (a withdrawn commitment)


# Still waiting for the target unit's answer (an overdue request may still be answered).
OPEN = frozenset({Status.PENDING, Status.ACCEPTED, Status.OVERDUE})
# These carry a due-date marker for the overdue job.
WATCHED_FOR_DUE = frozenset({Status.PENDING, Status.ACCEPTED})
# Trail events that record something seen or sent, not a change of the request.
NOT_A_CHANGE = frozenset({"viewed", "alerted"})


class Party(StrEnum):
    REQUESTER = "requester"
    TARGET = "target"
    SUPERVISOR = "supervisor"

    @property
    def audience(self) -> Audience:
        """The two units of a request read its subject whole; a supervisor reads it masked."""
        return Audience.PUBLIC if self is Party.SUPERVISOR else Audience.ENTITLED


@dataclass(frozen=True)
class Subject:
    name: str
    id_type: str  # resident_id | uscc
    id_number: str

    @classmethod
    def parse(cls, data: SubjectData) -> Subject:
        check = normalise_resident_id if data["id_type"] == "resident_id" else normalise_uscc
        number = check(data["id_number"])
        if number is None:
            standard = "GB 11643" if data["id_type"] == "resident_id" else "GB 32100"
            raise validation_error(
                f"subject.id_number is not a valid {data['id_type']} ({standard}: format, date, checksum).",
                "被核查对象的证件号码格式、日期或校验码不正确。",
                {"field": "/subject/id_number"},
            )
        return cls(name=data["name"], id_type=data["id_type"], id_number=number)

    def whole(self) -> dict[str, str]:
        return {"name": self.name, "id_type": self.id_type, "id_number": self.id_number}

    def masked(self) -> dict[str, str]:
        name = mask_name(self.name) if self.id_type == "resident_id" else self.name
        return {"name": name, "id_type": self.id_type, "id_number": mask_number(self.id_number)}


# What the target's stage sends, with each event, to the requester's copy (besides status).
STATE_FIELDS = (
    "updated_at",
    "accepted_at",
    "completed_at",
    "rejected_at",
    "outcome",
    "attestation",
    "note",
    "reject_reason",
    "cancelled_at",
)


@dataclass(frozen=True)
class VerificationRequest:
    request_id: str
    requester_unit: str
    target_unit: str
    proof_id: str
    subject: Subject
    case_ref: str
    purpose: str
    status: Status
    created_at: str
    due_at: str
    updated_at: str
    trail_seq: int = 0
    trail_hash: str | None = None
    accepted_at: str | None = None
    completed_at: str | None = None
    rejected_at: str | None = None
    outcome: str | None = None
    attestation: dict[str, Any] | None = None
    note: str | None = None
    reject_reason: str | None = None
    # Trail position of the last change of state, and of each party's last recorded view:
    # a view is recorded once per party per state, however often the party looks.
    state_seq: int = 0
    seen: dict[str, int] = dataclasses.field(default_factory=dict)
    # The home stages of the two units. A cross-stage request exists on both, under one id:
    # the requester's stage records its creation, the target's stage every event after.
    requester_stage: str = ""
    target_stage: str = ""
    delivered_at: str | None = None  # when the target's stage signed its receipt (cross-stage)
    commitment_id: str | None = None  # the written commitment this request checks, if any
    cancelled_at: str | None = None
    # The stage holding this copy, which records (and signs) the events it appends. Not
    # stored: each stage's copy is its own (set when created or loaded).
    recorded_on: str = ""

    @property
    def crosses_stages(self) -> bool:
        return bool(self.requester_stage and self.target_stage and self.requester_stage != self.target_stage)

    @property
    def written_here(self) -> bool:
        """Whether this copy appends to the trail: every copy of a one-stage request, and the
        target's copy of a cross-stage one (the requester's copy follows it)."""
        return not self.crosses_stages or self.recorded_on == self.target_stage

    # Who is asking

    def party(self, caller: Identity) -> Party | None:
        if caller.role is Role.SUPERVISOR:
            return Party.SUPERVISOR
        if caller.role is Role.AGENCY:
            if caller.unit_id == self.target_unit:
                return Party.TARGET
            if caller.unit_id == self.requester_unit:
                return Party.REQUESTER
        return None

    def visible_to(self, caller: Identity) -> Party:
        """The caller's party; anyone else must not learn that the request exists."""
        party = self.party(caller)
        if party is None:
            raise not_found("verification request", "协查请求", self.request_id)
        return party

    def require_target(self, caller: Identity) -> None:
        if self.visible_to(caller) is not Party.TARGET:
            raise forbidden()

    # Changes of state: each returns the new request and the trail event recording it

    def record(
        self, type_: str, actor: str, now: str, detail: dict[str, Any] | None = None, **changes: Any
    ) -> tuple[VerificationRequest, TrailEvent]:
        event = next_event(self.trail_seq, self.trail_hash, type_, now, actor, detail, self.recorded_on)
        is_view = type_ in NOT_A_CHANGE
        updated = dataclasses.replace(
            self,
            **changes,
            trail_seq=event.seq,
            trail_hash=event.hash,
            updated_at=self.updated_at if is_view else now,
            state_seq=self.state_seq if is_view else event.seq,
        )
        return updated, event

    def accept(self, now: str) -> tuple[VerificationRequest, TrailEvent]:
        if self.status not in (Status.PENDING, Status.OVERDUE) or self.accepted_at is not None:
            raise invalid_state(self, "accept")
        return self.record("accepted", self.target_unit, now, status=Status.ACCEPTED, accepted_at=now)

    def respond(
        self, outcome: str, attestation: dict[str, Any], note: str | None, now: str
    ) -> tuple[VerificationRequest, TrailEvent]:
        if self.status not in OPEN or self.accepted_at is None:
            raise invalid_state(self, "respond to")
        return self.record(
            "completed",
            self.target_unit,
            now,
            {"outcome": outcome},
            status=Status.COMPLETED,
            completed_at=now,
            outcome=outcome,
            attestation=attestation,
            note=note,
        )

    def reject(self, reason: str, note: str | None, now: str) -> tuple[VerificationRequest, TrailEvent]:
        if self.status not in OPEN:
            raise invalid_state(self, "reject")
        return self.record(
            "rejected",
            self.target_unit,
            now,
            {"reason": reason},
            status=Status.REJECTED,
            rejected_at=now,
            reject_reason=reason,
            note=note,
        )

    def cancel(self, reason: str, now: str) -> tuple[VerificationRequest, TrailEvent]:
        """The requester no longer needs the answer: recorded as its act, with the reason."""
        if self.status not in OPEN:
            raise invalid_state(self, "cancel")
        detail = {"reason": reason, "commitment_id": self.commitment_id}
        return self.record(
            "cancelled", self.requester_unit, now, detail, status=Status.CANCELLED, cancelled_at=now
        )

    def mark_overdue(self, now: str) -> tuple[VerificationRequest, TrailEvent]:
        if self.status not in WATCHED_FOR_DUE or self.due_at > now:
            raise invalid_state(self, "mark overdue")
        return self.record("overdue", "system", now, status=Status.OVERDUE)

    def view_by(self, party: Party, actor: str, now: str) -> tuple[VerificationRequest, TrailEvent] | None:
        """The `viewed` event owed when a party looks for the first time since the last change."""
        if party is Party.SUPERVISOR or self.seen.get(party.value, 0) >= self.state_seq:
            return None
        after, event = self.record("viewed", actor, now)
        return dataclasses.replace(after, seen={**self.seen, party.value: event.seq}), event

    def state(self) -> dict[str, Any]:
        """What changes as a request moves: sent with each event to the other stage's copy."""
        return {name: getattr(self, name) for name in STATE_FIELDS} | {"status": self.status.value}

    def following(self, state: dict[str, Any], event: TrailEvent) -> VerificationRequest:
        """This copy after the other stage's `event`, which left the request in `state`. The
        copy replays the event by the public API's own transition (accept, respond, reject,
        mark overdue, cancel, or a view that changes nothing), and the state and the event must
        be what that transition gives: else a ValueError (an answer to a closed request, a
        completion without an acceptance, a view that changes the outcome, another actor)."""
        try:
            expected, recorded = self._replay(state, event)
        except (Conflict, KeyError, ValueError) as error:
            raise ValueError(f"a {event.type} event the request cannot take: {error}") from None
        if expected.state() != state or (recorded.type, recorded.actor, recorded.detail) != (
            event.type,
            event.actor,
            event.detail,
        ):
            raise ValueError(f"the state or the event is not what a {event.type} leaves")
        return dataclasses.replace(expected, trail_seq=event.seq, trail_hash=event.hash)

    def _replay(self, state: dict[str, Any], event: TrailEvent) -> tuple[VerificationRequest, TrailEvent]:
        at = format_time(parse_time(event.at))  # RFC 3339 from 1970 to 9998, as stamped
        if event.type in NOT_A_CHANGE:
            return self.record(event.type, event.actor, at, event.detail)
        transitions: dict[str, Callable[[], tuple[VerificationRequest, TrailEvent]]] = {
            "accepted": lambda: self.accept(at),
            "completed": lambda: self.respond(state["outcome"], state["attestation"], state["note"], at),
            "rejected": lambda: self.reject(state["reject_reason"], state["note"], at),
            "overdue": lambda: self.mark_overdue(at),
            "cancelled": lambda: self.cancel((event.detail or {})["reason"], at),
        }
        return transitions[event.type]()

    # What each party sees

    def to_view(self, audience: Audience) -> dict[str, Any]:
        if audience is Audience.SUBJECT:
            return self._subject_view()
        entitled = audience is Audience.ENTITLED  # a receipt is masked: the requester GETs it whole
        return {
            "request_id": self.request_id,
            "status": self.status.value,
            "requester_unit": self.requester_unit,
            "target_unit": self.target_unit,
            "proof_id": self.proof_id,
            "subject": self.subject.whole() if entitled else self.subject.masked(),
            "case_ref": self.case_ref,
            "purpose": self.purpose,
            "created_at": self.created_at,
            "due_at": self.due_at,
            "updated_at": self.updated_at,
            "accepted_at": self.accepted_at,
            "completed_at": self.completed_at,
            "rejected_at": self.rejected_at,
            "outcome": self.outcome,
            # An attestation may quote personal data: only the two parties read it.
            "attestation": self.attestation if entitled else None,
            "note": self.note if entitled else None,
            "reject_reason": self.reject_reason,
            "requester_stage": self.requester_stage,
            "target_stage": self.target_stage,
            "delivered_at": self.delivered_at,
            "commitment_id": self.commitment_id,
            "cancelled_at": self.cancelled_at,
        }

    def _subject_view(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "status": self.status.value,
            "requester_unit": self.requester_unit,
            "target_unit": self.target_unit,
            "proof_id": self.proof_id,
            "purpose": self.purpose,
            "created_at": self.created_at,
            "due_at": self.due_at,
            "completed_at": self.completed_at,
        }


def invalid_state(request: VerificationRequest, action: str) -> Conflict:
    return Conflict(
        "invalid_state",
        f"Cannot {action} a request that is {request.status.value}.",
        f"协查请求当前状态为“{request.status.value}”，不能执行该操作。",
        {"status": request.status.value},
    )


def turnaround_minutes(request: VerificationRequest, completed_at: str) -> int:
    elapsed = parse_time(completed_at) - parse_time(request.created_at)
    return int(elapsed.total_seconds() // 60)
