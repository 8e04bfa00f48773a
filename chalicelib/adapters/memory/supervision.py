"""The supervision repository in memory (adapters/supervision_repository.py on DynamoDB)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.memory.store import MemoryStore, page_of
from chalicelib.domain.supervision import Complaint, Inspection
from chalicelib.services.ports import Owed, Page, PageKey

COMPLAINTS, INSPECTIONS, FINDINGS_DUE, REFUSALS = "complaint", "inspection", "finding_due", "refusal"
COUNTERS = "SUPERVISION"
RECORD_ITEMS = 50  # newest entries of each kind shown on a unit's record


def unit_counters(unit_id: str) -> str:
    """The counters of a unit's record (the relay's refusals move them too)."""
    return f"SUPV#{unit_id}"


class MemorySupervisionRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    # Complaints

    def add_complaint(self, complaint: Complaint, owed: Owed) -> None:
        self._store.add_new(COMPLAINTS, complaint.complaint_id, complaint)
        self._store.counters[unit_counters(complaint.unit_id)].update({"complaints": 1})
        self._store.commit(owed, COUNTERS)

    def get_complaint(self, complaint_id: str) -> Complaint | None:
        complaint: Complaint | None = self._store.records[COMPLAINTS].get(complaint_id)
        return complaint

    def update_complaint(self, before: Complaint, after: Complaint) -> None:
        self._store.replace(COMPLAINTS, before.complaint_id, before, after, lambda c: c.version)
        if after.finding == "substantiated":
            self._store.counters[unit_counters(after.unit_id)].update({"substantiated": 1})

    def list_complaints(self, status: str | None, limit: int, start: PageKey | None) -> Page[Complaint]:
        found = [c for c in self._store.records[COMPLAINTS].values() if status in (None, c.status.value)]
        return page_of(found, _filed, limit, start, newest_first=True)

    # Inspections

    def add_inspection(self, inspection: Inspection, owed: Owed) -> None:
        self._store.add_new(INSPECTIONS, inspection.inspection_id, inspection)
        for n in range(len(inspection.findings)):
            self._store.records[FINDINGS_DUE][_due_key(inspection, n)] = (inspection.inspection_id, n)
        counts = {"inspections": 1, "findings": len(inspection.findings)}
        self._store.counters[unit_counters(inspection.unit_id)].update(counts)
        self._store.commit(owed, COUNTERS)

    def get_inspection(self, inspection_id: str) -> Inspection | None:
        inspection: Inspection | None = self._store.records[INSPECTIONS].get(inspection_id)
        return inspection

    def rectify(self, before: Inspection, after: Inspection, n: int, owed: Owed) -> None:
        self._store.replace(INSPECTIONS, before.inspection_id, before, after, lambda i: i.version)
        self._store.records[FINDINGS_DUE].pop(_due_key(before, n), None)
        self._store.counters[unit_counters(after.unit_id)].update({"rectified": 1})
        self._store.commit(owed, COUNTERS)

    def rectifications_overdue(self, today: str, limit: int) -> list[tuple[str, int]]:
        return self._store.due_before(FINDINGS_DUE, today, limit)

    def clear_overdue(self, inspection: Inspection, n: int, owed: Owed) -> None:
        self._store.clear_due(FINDINGS_DUE, _due_key(inspection, n), inspection.inspection_id)
        self._store.commit(owed, COUNTERS)

    # Records and figures

    def unit_record(self, unit_id: str) -> dict[str, Any]:
        refusals = self._store.records[REFUSALS].get(unit_id, [])
        complaints = [c for c in self._store.records[COMPLAINTS].values() if c.unit_id == unit_id]
        inspections = [i for i in self._store.records[INSPECTIONS].values() if i.unit_id == unit_id]
        return {
            "counts": dict(self._store.counters[unit_counters(unit_id)]),
            "refused_requests": sorted(refusals, key=lambda r: r["at"], reverse=True)[:RECORD_ITEMS],
            "complaints": sorted(complaints, key=_filed, reverse=True)[:RECORD_ITEMS],
            "inspections": sorted(
                inspections, key=lambda i: f"{i.inspected_on}#{i.inspection_id}", reverse=True
            )[:RECORD_ITEMS],
        }

    def supervision_counts(self) -> dict[str, int]:
        return dict(self._store.counters[COUNTERS])


def _filed(complaint: Complaint) -> str:
    return f"{complaint.filed_at}#{complaint.complaint_id}"


def _due_key(inspection: Inspection, n: int) -> str:
    return f"{inspection.findings[n].rectify_by}#{inspection.inspection_id}#{n:03d}"
