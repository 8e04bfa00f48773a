"""Supervision (督查): complaints against units that still demand proofs, inspections, findings
and their rectification, and each unit's record."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from chalicelib.domain.catalogue import Disposition, ProofItem
from chalicelib.domain.errors import Conflict, NotFound, not_found, validation_error
from chalicelib.domain.identity import Audience, Identity, Role
from chalicelib.domain.personal_ids import mask_name

if TYPE_CHECKING:  # annotations only: the schema checked the body, mypy checks its use
    from chalicelib.domain.commands import NewInspection


class ComplaintStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Complaint:
    complaint_id: str
    unit_id: str
    description: str
    complainant_name: str
    complainant_id_number: str
    suspected_violation: bool
    status: ComplaintStatus
    filed_at: str
    updated_at: str
    proof_id: str | None = None
    proof_name: str | None = None
    matter_code: str | None = None
    finding: str | None = None
    action: str | None = None
    resolved_at: str | None = None
    version: int = 1

    def resolve(self, finding: str, action: str, now: str) -> Complaint:
        if self.status is not ComplaintStatus.OPEN:
            raise Conflict(
                "invalid_state",
                "The complaint is already resolved.",
                "该投诉已办结。",
                {"status": self.status.value},
            )
        return dataclasses.replace(
            self,
            status=ComplaintStatus.RESOLVED,
            finding=finding,
            action=action,
            resolved_at=now,
            updated_at=now,
            version=self.version + 1,
        )

    def is_complainant(self, caller: Identity) -> bool:
        return caller.role is Role.CITIZEN and caller.id_number == self.complainant_id_number

    def check_visible(self, caller: Identity) -> None:
        """Supervisors and the complainant; anyone else must not learn that it exists."""
        if caller.role is not Role.SUPERVISOR and not self.is_complainant(caller):
            raise not_found("complaint", "投诉", self.complaint_id)

    def audience_for(self, caller: Identity) -> Audience:
        return Audience.ENTITLED if self.is_complainant(caller) else Audience.PUBLIC

    def to_view(self, audience: Audience = Audience.PUBLIC) -> dict[str, Any]:
        """The complainant reads their own name; supervisors, and the 201 receipt, masked."""
        own = audience is Audience.ENTITLED
        return {
            "complaint_id": self.complaint_id,
            "status": self.status.value,
            "unit_id": self.unit_id,
            "proof_id": self.proof_id,
            "proof_name": self.proof_name,
            "matter_code": self.matter_code,
            "description": self.description,
            "suspected_violation": self.suspected_violation,
            "complainant": self.complainant_name if own else mask_name(self.complainant_name),
            "filed_at": self.filed_at,
            "finding": self.finding,
            "action": self.action,
            "resolved_at": self.resolved_at,
        }


def suspected_violation(proof: ProofItem | None) -> bool:
    """A unit that demands a proof no longer retained is suspected of breaking the reform."""
    return proof is not None and proof.disposition is not Disposition.RETAINED


@dataclass(frozen=True)
class Finding:
    problem: str
    rectify_by: str
    proof_id: str | None = None
    rectified_at: str | None = None
    rectification_note: str | None = None

    def overdue_on(self, today: str) -> bool:
        return self.rectified_at is None and self.rectify_by < today

    def to_view(self) -> dict[str, Any]:
        return {
            "proof_id": self.proof_id,
            "problem": self.problem,
            "rectify_by": self.rectify_by,
            "rectified": self.rectified_at is not None,
            "rectified_at": self.rectified_at,
            "rectification_note": self.rectification_note,
        }


@dataclass(frozen=True)
class Inspection:
    inspection_id: str
    unit_id: str
    inspected_on: str
    items_checked: int
    findings: tuple[Finding, ...]
    recorded_at: str
    recorded_by: str
    updated_at: str
    version: int = 1

    def rectify(self, index: int, note: str, now: str) -> Inspection:
        if not 0 <= index < len(self.findings):
            raise NotFound(
                "finding_not_found",
                f"Inspection {self.inspection_id} has no finding {index} (it has {len(self.findings)}).",
                f"该检查没有第 {index} 项问题。",
                {"findings": len(self.findings)},
            )
        finding = self.findings[index]
        if finding.rectified_at is not None:
            raise Conflict(
                "invalid_state", "The finding is already rectified.", "该问题已整改。", {"finding": index}
            )
        fixed = dataclasses.replace(finding, rectified_at=now, rectification_note=note)
        findings = (*self.findings[:index], fixed, *self.findings[index + 1 :])
        return dataclasses.replace(self, findings=findings, updated_at=now, version=self.version + 1)

    def to_view(self, today: str) -> dict[str, Any]:
        return {
            "inspection_id": self.inspection_id,
            "unit_id": self.unit_id,
            "inspected_on": self.inspected_on,
            "items_checked": self.items_checked,
            "findings": [
                {"n": n, **f.to_view(), "overdue": f.overdue_on(today)} for n, f in enumerate(self.findings)
            ],
            "recorded_at": self.recorded_at,
            "updated_at": self.updated_at,
        }


def new_inspection(
    inspection_id: str, data: NewInspection, recorded_by: str, now: str, today: date
) -> Inspection:
    inspected_on = _date(data["inspected_on"], "/inspected_on")
    if inspected_on > today:
        raise validation_error(
            "inspected_on cannot be in the future.", "检查日期不能晚于今天。", {"field": "/inspected_on"}
        )
    findings = []
    for n, raw in enumerate(data["findings"]):
        rectify_by = _date(raw["rectify_by"], f"/findings/{n}/rectify_by")
        if rectify_by < inspected_on:
            raise validation_error(
                "rectify_by cannot be before inspected_on.",
                "整改期限不能早于检查日期。",
                {"field": f"/findings/{n}/rectify_by"},
            )
        findings.append(
            Finding(problem=raw["problem"], rectify_by=raw["rectify_by"], proof_id=raw.get("proof_id"))
        )
    if len(findings) > data["items_checked"]:
        raise validation_error(
            "There cannot be more findings than items checked.",
            "问题数不能多于检查事项数。",
            {"field": "/items_checked"},
        )
    return Inspection(
        inspection_id=inspection_id,
        unit_id=data["unit_id"],
        inspected_on=data["inspected_on"],
        items_checked=data["items_checked"],
        findings=tuple(findings),
        recorded_at=now,
        recorded_by=recorded_by,
        updated_at=now,
    )


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise validation_error(
            "Not a real date (YYYY-MM-DD).", "日期无效（YYYY-MM-DD）。", {"field": field}
        ) from None
