"""Use cases of the verification relay: requests between units, their trail, their alerts."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain.alerts import Alert
from chalicelib.domain.catalogue import Disposition
from chalicelib.domain.clock import Clock, format_time, stamps
from chalicelib.domain.errors import RuleViolation, forbidden, not_found
from chalicelib.domain.federation import REQUEST_CANCEL, REQUEST_CREATED, REQUEST_EVENT, Message
from chalicelib.domain.identity import Audience, Identity
from chalicelib.domain.relay import (
    OPEN,
    Status,
    Subject,
    VerificationRequest,
    turnaround_minutes,
)
from chalicelib.domain.trail import TrailEvent
from chalicelib.services.catalogue import existing_proof, existing_unit
from chalicelib.services.ports import (
    NOTHING_OWED,
    Calendar,
    CatalogueRepository,
    Notary,
    Owed,
    Page,
    PageKey,
    PeerCatalogue,
    RelayRepository,
)
from chalicelib.services.retry import committed, settled_or, until_written
from chalicelib.services.signed_trail import SignedTrail

if TYPE_CHECKING:  # annotations only: the schema checked the body, mypy checks its use
    from chalicelib.domain.commands import Answer, NewRequest, Rejection

RESOURCE = "verification_request"
TRAIL_READS = 3
# Dispositions under which no unit may still ask for the proof: asking is itself a violation.
REFUSED_DISPOSITIONS = frozenset({Disposition.CANCELLED, Disposition.EXISTING_CREDENTIAL})

Step = Callable[[VerificationRequest, str], tuple[VerificationRequest, TrailEvent]]


@dataclass(frozen=True)
class RelayConfig:
    county: str
    due_working_days: int
    stage: str = ""  # this stage: it records and signs the events of its copies


def counts_of(before: VerificationRequest, after: VerificationRequest, now: str) -> dict[str, int]:
    """The counters a change of state moves (GET /stats)."""
    counts: dict[str, int] = {}
    if before.status is Status.OVERDUE and after.status is not Status.OVERDUE:
        counts["overdue"] = -1
    if after.status is Status.OVERDUE and before.status is not Status.OVERDUE:
        counts["overdue"] = 1
    if after.status is Status.REJECTED:
        counts["rejected"] = 1
    if after.status is Status.COMPLETED:
        counts["completed"] = 1
        counts[f"tat_{turnaround_minutes(before, now)}"] = 1
    return counts


class RelayService:
    def __init__(
        self,
        repo: RelayRepository,
        catalogue: CatalogueRepository,
        clock: Clock,
        new_id: Callable[[], str],
        config: RelayConfig,
        calendar: Calendar,
        notary: Notary,
        peers: PeerCatalogue,
    ) -> None:
        self._repo = repo
        self._trail = SignedTrail(notary)
        self._peers = peers
        self._here = config.stage
        self._catalogue = catalogue
        self._clock = clock  # as datetime too: due dates count working days
        self._now = stamps(clock)
        self._new_id = new_id
        self._config = config
        self._calendar = calendar

    def create(
        self,
        caller: Identity,
        data: NewRequest,
        request_id: str | None = None,
        commitment_id: str | None = None,
    ) -> VerificationRequest:
        """A new request; one that checks a written commitment names it, under the id the
        commitment already holds (services/commitment_checks.py)."""
        subject = Subject.parse(data["subject"])
        assert caller.unit_id is not None  # registered and homed here: api/inputs.caller checked
        target = existing_unit(self._catalogue, data["target_unit"])
        target_stage = target.stage or self._here
        # A peer's proof is judged by its catalogue as mirrored here, without asking the peer.
        disposition = self._disposition(target_stage, data["proof_id"])
        moment = self._clock()
        now = format_time(moment)
        if disposition in REFUSED_DISPOSITIONS:
            unit_id = caller.unit_id
            committed(lambda: self._repo.record_refusal(unit_id, data["target_unit"], data["proof_id"], now))
            raise RuleViolation(
                "proof_cancelled",
                f"Proof item '{data['proof_id']}' has been cancelled ({disposition.value}): "
                "it may not be asked for, not even between units. The attempt has been recorded.",
                "该证明事项已取消，不得再向群众或其他单位索要，本次请求已记录备查。",
                {"proof_id": data["proof_id"], "disposition": disposition.value},
            )
        due = self._calendar.deadline(moment, self._config.due_working_days)
        draft = VerificationRequest(
            request_id=request_id or self._new_id(),
            requester_unit=caller.unit_id,
            target_unit=data["target_unit"],
            proof_id=data["proof_id"],
            subject=subject,
            case_ref=data["case_ref"],
            purpose=data["purpose"],
            status=Status.PENDING,
            created_at=now,
            due_at=format_time(due),
            updated_at=now,
            requester_stage=self._here,
            target_stage=target_stage,
            recorded_on=self._here,
            commitment_id=commitment_id,
        )
        linked = {"commitment_id": commitment_id} if commitment_id else None
        request, event = draft.record("created", caller.unit_id, now, linked)
        event = self._trail.sign(event)
        if not request.crosses_stages:
            alerts = self.alerts_for(request, "verification.requested", [request.target_unit], now)
            committed(lambda: self._repo.create(request, event, Owed(alerts, {"requests": 1})))
            return request
        # The target's stage takes it from here: it alerts the target unit on its own topic.
        body = {"request": request.to_view(Audience.ENTITLED), "event": event.to_view()}
        message = self._message(target_stage, REQUEST_CREATED, body)
        committed(lambda: self._repo.create(request, event, Owed(counts={"requests": 1}, messages=[message])))
        return request

    def view(self, caller: Identity, request_id: str) -> dict[str, Any]:
        """The request as the caller may see it; the first look of each party is recorded."""

        def look() -> dict[str, Any]:
            request = self._load(request_id)
            party = request.visible_to(caller)
            viewed = (
                request.view_by(party, caller.unit_id or "", self._now()) if request.written_here else None
            )
            if viewed is None:
                return request.to_view(party.audience)
            self._write(request, viewed[0], viewed[1], NOTHING_OWED)
            return viewed[0].to_view(party.audience)

        def unrecorded() -> dict[str, Any]:  # still contended after every retry: show, record later
            request = self._load(request_id)
            return request.to_view(request.visible_to(caller).audience)

        shown = settled_or(look, None)
        return shown if shown is not None else unrecorded()

    def accept(self, caller: Identity, request_id: str) -> VerificationRequest:
        return self._change(caller, request_id, lambda r, now: r.accept(now), "verification.accepted")

    def respond(self, caller: Identity, request_id: str, data: Answer) -> VerificationRequest:
        outcome, attestation, note = data["outcome"], data["attestation"], data.get("note")
        return self._change(
            caller,
            request_id,
            lambda r, now: r.respond(outcome, attestation, note, now),
            "verification.completed",
        )

    def reject(self, caller: Identity, request_id: str, data: Rejection) -> VerificationRequest:
        reason, note = data["reason"], data.get("note")
        return self._change(
            caller, request_id, lambda r, now: r.reject(reason, note, now), "verification.rejected"
        )

    def cancel(self, request_id: str, reason: str) -> VerificationRequest | None:
        """Cancel an open request for its requester (its commitment was withdrawn); None if it
        was answered meanwhile. A cross-stage request is cancelled by the target's stage, which
        writes its trail: this stage asks it to, and its copy follows the event back."""

        def attempt() -> VerificationRequest | None:
            request = self._load(request_id)
            if request.status not in OPEN:
                return None
            if not request.written_here:
                body = {"request_id": request_id, "requester_unit": request.requester_unit, "reason": reason}
                self._repo.send([self._message(request.target_stage, REQUEST_CANCEL, body)])
                return request
            return self._cancel_here(request, reason)

        return until_written(attempt)

    def _cancel_here(self, request: VerificationRequest, reason: str) -> VerificationRequest:
        now = self._now()
        after, event = request.cancel(reason, now)
        alerts = self.alerts_for(
            after, "verification.cancelled", self._local([request.target_unit], request), now
        )
        self._write(request, after, event, Owed(alerts, counts_of(request, after, now)))
        return after

    def trail(self, caller: Identity, request_id: str) -> dict[str, Any]:
        self._load(request_id).visible_to(caller)
        for _ in range(TRAIL_READS):
            # The request and its events are two reads: a change committed between them shows
            # as a chain that does not end where the request says. Read again; only a mismatch
            # that stays (an event removed or added by hand) makes the chain invalid.
            request = self._load(request_id)
            events = self._repo.events(request_id)
            if len(events) == request.trail_seq:
                break
        intact = self._trail.is_intact(events, request.trail_seq, request.trail_hash)
        return {"request_id": request_id, "events": [e.to_view() for e in events], "chain_valid": intact}

    def inbox_or_outbox(
        self, caller: Identity, box: str, status: str | None, limit: int, start: PageKey | None
    ) -> Page[VerificationRequest]:
        assert caller.unit_id is not None
        return self._repo.list_box(caller.unit_id, box, status, limit, start)

    def about_me(self, caller: Identity, limit: int, start: PageKey | None) -> Page[VerificationRequest]:
        assert caller.id_number is not None
        return self._repo.list_by_subject(caller.id_number, limit, start)

    # Jobs

    def mark_overdue(self, limit: int = 100) -> int:
        """Mark pending and accepted requests past their due time as overdue; alert both units."""
        now = self._now()

        def mark(request_id: str) -> bool:
            request = self._load(request_id)
            if request.status not in (Status.PENDING, Status.ACCEPTED) or request.due_at > now:
                return False  # answered, or moved meanwhile
            after, event = request.mark_overdue(now)
            alerts = self.alerts_for(after, "verification.overdue", self._local_parties(request), now)
            self._write(request, after, event, Owed(alerts, {"overdue": 1}))
            return True

        due = self._repo.due_by(now, limit)
        return sum(settled_or(functools.partial(mark, request_id), False) for request_id in due)

    def overdue_now(self) -> int:
        """How many requests are overdue now (the counter /stats shows)."""
        return self._repo.verification_counts().get("overdue", 0)

    def record_alerted(self, alert: Alert) -> None:
        """Append to the trail that an alert about the request went out."""
        if alert.resource_type != RESOURCE:
            return
        detail = {
            "event_type": alert.event_type,
            "event_id": alert.event_id,
            "target_unit": alert.target_unit,
        }
        if any(event.detail == detail for event in self._repo.events(alert.resource_id)):
            return  # published again after a crash: the trail has it already

        def record() -> None:
            request = self._load(alert.resource_id)
            if not request.written_here:
                return  # the requester's copy of a cross-stage request follows the target's trail
            after, event = request.record("alerted", "dispatcher", self._now(), detail)
            self._write(request, after, event, NOTHING_OWED)

        settled_or(record, None)

    # Helpers

    def _change(self, caller: Identity, request_id: str, step: Step, event_type: str) -> VerificationRequest:
        def attempt() -> VerificationRequest:
            request = self._load(request_id)
            request.require_target(caller)
            if not request.written_here:
                raise forbidden()  # the target unit acts on its home stage
            now = self._now()
            after, event = step(request, now)
            alerts = self.alerts_for(after, event_type, self._local([request.requester_unit], request), now)
            self._write(request, after, event, Owed(alerts, counts_of(request, after, now)))
            return after

        return until_written(attempt)

    def _write(
        self, before: VerificationRequest, after: VerificationRequest, event: TrailEvent, owed: Owed
    ) -> None:
        """Sign and store an event of this stage's trail; a cross-stage request's event also goes
        to the requester's stage, in the same transaction."""
        event = self._trail.sign(event)
        if after.crosses_stages:
            body = {"request_id": after.request_id, "event": event.to_view(), "state": after.state()}
            told = self._message(after.requester_stage, REQUEST_EVENT, body)
            owed = dataclasses.replace(owed, messages=[*owed.messages, told])
        self._repo.update(before, after, event, owed)

    def _local_parties(self, request: VerificationRequest) -> list[str]:
        return self._local(list(dict.fromkeys([request.requester_unit, request.target_unit])), request)

    def _local(self, units: list[str], request: VerificationRequest) -> list[str]:
        """The units among `units` homed here: a peer's unit is alerted by its own stage."""
        homes = {request.requester_unit: request.requester_stage, request.target_unit: request.target_stage}
        return [unit for unit in units if homes.get(unit) in ("", self._here)]

    def _disposition(self, stage: str, proof_id: str) -> Disposition:
        if stage == self._here:
            return existing_proof(self._catalogue, proof_id).disposition
        mirrored = self._peers.peer_proof(stage, proof_id)
        if mirrored is None:
            raise not_found("proof", "证明事项", proof_id)
        return Disposition(mirrored["disposition"])

    def _message(self, to_stage: str, type_: str, body: dict[str, Any]) -> Message:
        return Message(self._new_id(), self._here, to_stage, type_, "", body)

    def alerts_for(
        self, request: VerificationRequest, event_type: str, units: list[str], now: str
    ) -> list[Alert]:
        return [
            Alert(
                event_type=event_type,
                event_id=self._new_id(),
                occurred_at=now,
                county=self._config.county,
                target_unit=unit,
                resource_type=RESOURCE,
                resource_id=request.request_id,
            )
            for unit in units
        ]

    def _load(self, request_id: str) -> VerificationRequest:
        request = self._repo.get(request_id)
        if request is None:
            raise not_found("verification request", "协查请求", request_id)
        return dataclasses.replace(request, recorded_on=self._config.stage)  # this stage's copy
