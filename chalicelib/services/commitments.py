"""Use cases of written commitments: the notice, committing, withdrawing, checking afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.domain import commitments as rules
from chalicelib.domain.alerts import Alert
from chalicelib.domain.catalogue import ProofItem
from chalicelib.domain.clock import Clock, format_time, parse_time, stamps
from chalicelib.domain.commitments import Applicant, Commitment, Status
from chalicelib.domain.errors import not_found
from chalicelib.domain.identity import Identity
from chalicelib.services.catalogue import existing_matter, existing_proof
from chalicelib.services.due import alert_each_due
from chalicelib.services.ports import (
    NOTHING_OWED,
    Calendar,
    CatalogueRepository,
    CommitmentRepository,
    Owed,
    Page,
    PageKey,
    ProofSource,
)
from chalicelib.services.retry import committed, until_written

if TYPE_CHECKING:  # annotations only: the schema checked the body, mypy checks its use
    from chalicelib.domain.commands import NewCommitment, Verification

RESOURCE = "commitment"


class CommitmentService:
    def __init__(
        self,
        repo: CommitmentRepository,
        catalogue: CatalogueRepository,
        clock: Clock,
        new_id: Callable[[], str],
        draw: Callable[[], float],
        county: str,
        calendar: Calendar,
        proofs: ProofSource | None = None,
    ) -> None:
        self._repo = repo
        self._catalogue = catalogue
        self._proofs = proofs or catalogue  # the items it may replace: a peer's among them
        self._now = stamps(clock)
        self._new_id = new_id
        self._draw = draw  # uniform in [0, 1): picks the sample, unpredictably
        self._county = county
        self._calendar = calendar

    def notice(self, proof_id: str) -> dict[str, Any]:
        # A public page: eventually consistent reads, as the catalogue's own views.
        proof = existing_proof(self._proofs, proof_id, consistent=False)
        return rules.notice(proof, self._catalogue.get_unit(proof.issuing_unit, consistent=False))

    def submit(self, caller: Identity, data: NewCommitment) -> Commitment:
        assert caller.name is not None and caller.id_number is not None
        proof = existing_proof(self._proofs, data["proof_id"])
        matter = existing_matter(self._catalogue, data["matter_code"])
        rules.check_eligible(proof, matter.proofs)
        notice = rules.notice(proof, self._catalogue.get_unit(proof.issuing_unit))
        rules.check_notice_read(data["notice_version"], notice)
        if self._repo.is_barred(caller.id_number):
            raise rules.barred()
        now = self._now()
        picked = rules.picked_for_check(proof, self._draw())
        commitment = Commitment(
            commitment_id=self._new_id(),
            proof_id=proof.proof_id,
            matter_code=matter.matter_code,
            issuing_unit=proof.issuing_unit,
            applicant=Applicant(caller.name, caller.id_number),
            notice_version=notice["notice_version"],
            notice_hash=notice["notice_hash"],
            status=Status.VERIFICATION_DUE if picked else Status.ACCEPTED,
            created_at=now,
            verify_by=self._verify_by(proof, now),
            updated_at=now,
            handling_unit=matter.unit_id,
        )
        alerts = self._alerts(commitment, "commitment.verification_due", now) if picked else []
        committed(lambda: self._repo.create(commitment, Owed(alerts, {"accepted": 1})))
        return commitment

    def _verify_by(self, proof: ProofItem, now: str) -> str:
        terms = proof.commitment
        assert terms is not None  # check_eligible saw to it
        return format_time(
            self._calendar.deadline(parse_time(now), terms.verify_within_days, terms.day_count)
        )

    def view(self, caller: Identity, commitment_id: str) -> dict[str, Any]:
        commitment = self._load(commitment_id)
        commitment.check_visible(caller)
        return commitment.to_view(commitment.audience_for(caller))

    def for_unit(
        self, caller: Identity, status: str | None, limit: int, start: PageKey | None, handling: bool = False
    ) -> Page[Commitment]:
        assert caller.unit_id is not None
        return self._repo.list_for_unit(caller.unit_id, status, limit, start, handling)

    def mine(self, caller: Identity, limit: int, start: PageKey | None) -> Page[Commitment]:
        assert caller.id_number is not None
        return self._repo.list_for_owner(caller.id_number, limit, start)

    def withdraw(self, caller: Identity, commitment_id: str) -> Commitment:
        def step(c: Commitment, now: str) -> tuple[Commitment, Owed]:
            after = c.withdraw(caller, now)
            # A check under way is cancelled when this alert goes out (services/commitment_checks.py).
            if not after.check_waiting:
                return after, NOTHING_OWED
            return after, Owed([self._alert(after, "commitment.withdrawn", now, after.handled_by)])

        return self._change(commitment_id, step)

    def verify(self, caller: Identity, commitment_id: str, data: Verification) -> Commitment:
        def step(c: Commitment, now: str) -> tuple[Commitment, Owed]:
            after = c.verify(caller, data["outcome"], data.get("note"), now, data.get("method"))
            if after.status is Status.FALSE_COMMITMENT:
                return after, Owed(self._alerts(after, "commitment.false", now), {"false_commitment": 1})
            return after, Owed(counts={"verified": 1})

        return self._change(commitment_id, step)

    def alert_overdue_checks(self, limit: int = 100) -> int:
        """Alert the handling unit, once, for each picked commitment not checked in time."""
        now = self._now()

        def still_due(commitment_id: str) -> Commitment | None:
            commitment = self._load(commitment_id)
            return commitment if commitment.status is Status.VERIFICATION_DUE else None

        return alert_each_due(
            self._repo.verification_overdue(now, limit),
            still_due,
            lambda commitment: self._alert(commitment, "commitment.verification_overdue", now),
            self._repo.clear_overdue,
        )

    def _change(
        self,
        commitment_id: str,
        step: Callable[[Commitment, str], tuple[Commitment, Owed]],
    ) -> Commitment:
        def attempt() -> Commitment:
            before = self._load(commitment_id)
            after, owed = step(before, self._now())
            self._repo.update(before, after, owed)
            return after

        return until_written(attempt)

    def _alerts(self, commitment: Commitment, event_type: str, now: str) -> list[Alert]:
        """To the proof's issuing unit (API.md), and to the matter's unit when it is another."""
        units = dict.fromkeys([commitment.issuing_unit, commitment.handled_by])
        return [self._alert(commitment, event_type, now, unit) for unit in units]

    def _alert(self, commitment: Commitment, event_type: str, now: str, unit: str | None = None) -> Alert:
        return alert(
            commitment, event_type, self._new_id(), now, self._county, unit or commitment.issuing_unit
        )

    def _load(self, commitment_id: str) -> Commitment:
        return existing_commitment(self._repo, commitment_id)


def existing_commitment(repo: CommitmentRepository, commitment_id: str) -> Commitment:
    commitment = repo.get(commitment_id)
    if commitment is None:
        raise not_found("commitment", "承诺", commitment_id)
    return commitment


def alert(commitment: Commitment, event_type: str, event_id: str, now: str, county: str, unit: str) -> Alert:
    """An alert about a commitment to one of its units (nothing personal: ids and times)."""
    return Alert(
        event_type=event_type,
        event_id=event_id,
        occurred_at=now,
        county=county,
        target_unit=unit,
        resource_type=RESOURCE,
        resource_id=commitment.commitment_id,
    )
