"""A written commitment checked through the relay (告知承诺 核查).

The handling unit (the matter's unit) asks the proof's issuing unit, on whatever stage it is
homed, with one call: a verification request linked to the commitment. The commitment then
follows the request: `confirmed` verifies it; `not_confirmed` leaves the decision to a person
at the handling unit (a false commitment needs a note) by `decide_by`; a withdrawn commitment
cancels the request, or finds its answer moot.

Following is driven by the alerts the relay and the commitments already commit with each
change: once the dispatcher has published one, `follow` brings the other side along. An alert
is published at least once, so nothing is missed, and each step is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib.domain.alerts import Alert
from chalicelib.domain.clock import Clock, format_time, stamps
from chalicelib.domain.commitments import Commitment
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.domain.relay import OPEN, Status, VerificationRequest
from chalicelib.services.commitments import alert, existing_commitment
from chalicelib.services.ports import (
    NOTHING_OWED,
    Calendar,
    CommitmentRepository,
    Owed,
    RelayRepository,
    StaleWrite,
)
from chalicelib.services.relay import RESOURCE as REQUEST
from chalicelib.services.relay import RelayService
from chalicelib.services.retry import settled_or, until_written

if TYPE_CHECKING:
    from chalicelib.domain.commands import CheckStart, NewRequest
    from chalicelib.domain.identity import Identity

PURPOSE = "告知承诺事后核查 / checking a written commitment made instead of this proof"
ANSWERS = frozenset({"verification.completed", "verification.rejected", "verification.cancelled"})
WITHDRAWN = "commitment.withdrawn"


class CommitmentChecks:
    def __init__(
        self,
        commitments: CommitmentRepository,
        requests: RelayRepository,
        relay: RelayService,
        clock: Clock,
        new_id: Callable[[], str],
        calendar: Calendar,
        decide_within_working_days: int,
        county: str,
    ) -> None:
        self._commitments = commitments
        self._requests = requests
        self._relay = relay
        self._clock = clock
        self._now = stamps(clock)
        self._new_id = new_id
        self._calendar = calendar
        self._decide_within = decide_within_working_days
        self._county = county

    def start(self, caller: Identity, commitment_id: str, data: CheckStart) -> Commitment:
        """Link a new request to the commitment, then create it under that id: a crash between
        the two leaves a link to no request, which the next call fills in."""

        def link() -> tuple[Commitment, str]:
            before = self._load(commitment_id)
            linked = self._request(before.check_request_id)
            request_id = (
                before.check_request_id if before.check_request_id and linked is None else self._new_id()
            )
            after = before.start_check(
                caller, request_id, linked is not None and linked.status in OPEN, self._now()
            )
            self._commitments.update(before, after, NOTHING_OWED)
            return after, request_id

        commitment, request_id = until_written(link)
        try:
            self._relay.create(caller, self._request_for(commitment, data), request_id, commitment_id)
        except (Conflict, StaleWrite) as clash:  # another call created it first: that check is under way
            raise Conflict(
                "check_in_progress",
                "A check of this commitment is already waiting for the issuing unit's answer.",
                "该承诺的核查请求尚在等待出具单位答复。",
                {"request_id": request_id},
            ) from clash
        except DomainError:
            self._unlink(commitment_id, request_id)  # the relay refused it: no check was started
            raise
        return commitment

    def follow(self, alert: Alert) -> None:
        """After an alert went out: bring a commitment along with its check, or the check along
        with its withdrawn commitment."""
        if alert.resource_type == REQUEST and alert.event_type in ANSWERS:
            self._answered(alert.resource_id)
        elif alert.event_type == WITHDRAWN:
            self._withdrawn(alert.resource_id)

    def _answered(self, request_id: str) -> None:
        request = self._requests.get(request_id)
        if request is None or request.commitment_id is None or request.status in OPEN:
            return
        answer = request.outcome if request.status is Status.COMPLETED else request.status.value
        assert answer is not None

        def follow() -> None:
            before = self._commitments.get(request.commitment_id or "")
            if before is None:
                return  # the commitment lives on the requester's stage, not this one
            now = self._clock()
            decide_by = format_time(self._calendar.deadline(now, self._decide_within))
            after = before.follow_check(request_id, answer, format_time(now), decide_by)
            if after is None:
                return
            alerts = (
                [self._alert(after, "commitment.check_not_confirmed")] if answer == "not_confirmed" else []
            )
            counts = {"verified": 1} if after.status is not before.status else {}
            self._commitments.update(before, after, Owed(alerts, counts))

        settled_or(follow, None)  # retried as any change; still contended: the next alert brings it

    def _withdrawn(self, commitment_id: str) -> None:
        commitment = self._commitments.get(commitment_id)
        if commitment is not None and commitment.check_request_id and commitment.check_waiting:
            self._relay.cancel(commitment.check_request_id, "commitment_withdrawn")

    def _unlink(self, commitment_id: str, request_id: str) -> None:
        def unlink() -> None:
            before = self._load(commitment_id)
            after = before.unlink(request_id)
            if after is not None:
                self._commitments.update(before, after, NOTHING_OWED)

        until_written(unlink)

    @staticmethod
    def _request_for(commitment: Commitment, data: CheckStart) -> NewRequest:
        applicant = commitment.applicant
        return {
            "target_unit": commitment.issuing_unit,
            "proof_id": commitment.proof_id,
            "subject": {"name": applicant.name, "id_type": "resident_id", "id_number": applicant.id_number},
            "case_ref": data.get("case_ref", commitment.commitment_id),
            "purpose": data.get("purpose", PURPOSE),
        }

    def _request(self, request_id: str | None) -> VerificationRequest | None:
        return self._requests.get(request_id) if request_id else None

    def _alert(self, commitment: Commitment, event_type: str) -> Alert:
        return alert(commitment, event_type, self._new_id(), self._now(), self._county, commitment.handled_by)

    def _load(self, commitment_id: str) -> Commitment:
        return existing_commitment(self._commitments, commitment_id)
