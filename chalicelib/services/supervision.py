"""Use cases of supervision: complaints, inspections, rectification, a unit's record."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.domain import supervision as rules
from chalicelib.domain.alerts import Alert
from chalicelib.domain.clock import Clock, china_date, stamps
from chalicelib.domain.errors import not_found
from chalicelib.domain.identity import Identity
from chalicelib.domain.supervision import Complaint, ComplaintStatus, Inspection
from chalicelib.services.catalogue import existing_matter, existing_proof, existing_unit, require_known_proofs
from chalicelib.services.due import alert_each_due
from chalicelib.services.ports import CatalogueRepository, Owed, Page, PageKey, SupervisionRepository
from chalicelib.services.retry import committed, until_written

if TYPE_CHECKING:  # annotations only: the schema checked the body, mypy checks its use
    from chalicelib.domain.commands import NewComplaint, NewInspection, Resolution


class SupervisionService:
    def __init__(
        self,
        repo: SupervisionRepository,
        catalogue: CatalogueRepository,
        clock: Clock,
        new_id: Callable[[], str],
        county: str,
    ) -> None:
        self._repo = repo
        self._catalogue = catalogue
        self._now = stamps(clock)
        self._new_id = new_id
        self._county = county

    def file_complaint(self, caller: Identity, data: NewComplaint) -> Complaint:
        assert caller.name is not None and caller.id_number is not None
        existing_unit(self._catalogue, data["unit_id"])
        proof_id, matter_code = data.get("proof_id"), data.get("matter_code")
        proof = existing_proof(self._catalogue, proof_id) if proof_id else None
        if matter_code:
            existing_matter(self._catalogue, matter_code)
        now = self._now()
        complaint = Complaint(
            complaint_id=self._new_id(),
            unit_id=data["unit_id"],
            description=data["description"],
            complainant_name=caller.name,
            complainant_id_number=caller.id_number,
            suspected_violation=rules.suspected_violation(proof),
            status=ComplaintStatus.OPEN,
            filed_at=now,
            updated_at=now,
            proof_id=data.get("proof_id"),
            proof_name=data.get("proof_name") or (proof.name if proof else None),
            matter_code=data.get("matter_code"),
        )
        alert = self._alert("complaint.filed", complaint.unit_id, "complaint", complaint.complaint_id, now)
        committed(lambda: self._repo.add_complaint(complaint, Owed([alert], {"complaints": 1})))
        return complaint

    def complaint(self, complaint_id: str) -> Complaint:
        complaint = self._repo.get_complaint(complaint_id)
        if complaint is None:
            raise not_found("complaint", "投诉", complaint_id)
        return complaint

    def view_complaint(self, caller: Identity, complaint_id: str) -> dict[str, Any]:
        complaint = self.complaint(complaint_id)
        complaint.check_visible(caller)
        return complaint.to_view(complaint.audience_for(caller))

    def complaints(self, status: str | None, limit: int, start: PageKey | None) -> Page[Complaint]:
        return self._repo.list_complaints(status, limit, start)

    def resolve(self, complaint_id: str, data: Resolution) -> Complaint:
        def attempt() -> Complaint:
            before = self.complaint(complaint_id)
            after = before.resolve(data["finding"], data["action"], self._now())
            self._repo.update_complaint(before, after)
            return after

        return until_written(attempt)

    def record_inspection(self, caller: Identity, data: NewInspection) -> Inspection:
        existing_unit(self._catalogue, data["unit_id"])
        require_known_proofs(self._catalogue, [f["proof_id"] for f in data["findings"] if f.get("proof_id")])
        now = self._now()
        inspection = rules.new_inspection(self._new_id(), data, caller.sub, now, china_date(now))
        counts = {"inspections": 1, "findings": len(inspection.findings)}
        committed(lambda: self._repo.add_inspection(inspection, Owed(counts=counts)))
        return inspection

    def inspection(self, inspection_id: str) -> Inspection:
        inspection = self._repo.get_inspection(inspection_id)
        if inspection is None:
            raise not_found("inspection", "检查", inspection_id)
        return inspection

    def rectify(self, inspection_id: str, n: int, note: str) -> Inspection:
        def attempt() -> Inspection:
            before = self.inspection(inspection_id)
            after = before.rectify(n, note, self._now())
            self._repo.rectify(before, after, n, Owed(counts={"rectified": 1}))
            return after

        return until_written(attempt)

    def unit_record(self, unit_id: str) -> dict[str, Any]:
        existing_unit(self._catalogue, unit_id)
        record = self._repo.unit_record(unit_id)
        today = self.today()
        counts = record["counts"]
        findings = [f for i in record["inspections"] for f in i.findings]
        return {
            "unit_id": unit_id,
            "summary": {
                "complaints": counts.get("complaints", 0),
                "complaints_substantiated": counts.get("substantiated", 0),
                "refused_requests_for_cancelled_proofs": counts.get("refused_requests", 0),
                "inspections": counts.get("inspections", 0),
                "findings": counts.get("findings", 0),
                "findings_rectified": counts.get("rectified", 0),
                "findings_open": counts.get("findings", 0) - counts.get("rectified", 0),
                "findings_overdue": sum(f.overdue_on(today) for f in findings),
            },
            "complaints": [c.to_view() for c in record["complaints"]],
            "refused_requests": record["refused_requests"],
            "inspections": [i.to_view(today) for i in record["inspections"]],
        }

    def alert_overdue_rectifications(self, limit: int = 100) -> int:
        """Alert the unit once for each finding not rectified by its deadline."""
        now = self._now()

        def still_due(marker: tuple[str, int]) -> tuple[Inspection, int] | None:
            inspection_id, n = marker
            inspection = self.inspection(inspection_id)
            return None if inspection.findings[n].rectified_at is not None else (inspection, n)

        def alert_for(due: tuple[Inspection, int]) -> Alert:
            inspection = due[0]
            kind = "inspection.rectification_overdue"
            return self._alert(kind, inspection.unit_id, "inspection", inspection.inspection_id, now)

        def clear(due: tuple[Inspection, int], owed: Owed) -> None:
            self._repo.clear_overdue(due[0], due[1], owed)

        return alert_each_due(
            self._repo.rectifications_overdue(self.today(), limit), still_due, alert_for, clear
        )

    def _alert(self, event_type: str, unit_id: str, resource_type: str, resource_id: str, now: str) -> Alert:
        """An alert to the unit a complaint or an inspection is about."""
        return Alert(
            event_type=event_type,
            event_id=self._new_id(),
            occurred_at=now,
            county=self._county,
            target_unit=unit_id,
            resource_type=resource_type,
            resource_id=resource_id,
        )

    def today(self) -> str:
        """Today in China: the date a rectification deadline is counted by."""
        return china_date(self._now()).isoformat()
