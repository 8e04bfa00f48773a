"""The supervision repository on DynamoDB: complaints, inspections, each unit's record."""

from __future__ import annotations

from typing import Any

from pynamodb.connection import Connection

from chalicelib.adapters import counters
from chalicelib.adapters.outbox import add_owed
from chalicelib.adapters.pages import page_of
from chalicelib.adapters.supervision_rows import (
    FINDINGS_DUE,
    ComplaintRow,
    FindingDueRow,
    InspectionRow,
)
from chalicelib.adapters.tables import BaseRow, find
from chalicelib.adapters.transact import Tx, transact_current
from chalicelib.adapters.unit_records import RefusalRow, unit_record_key
from chalicelib.domain.supervision import Complaint, Inspection
from chalicelib.services.ports import Owed, Page, PageKey

COUNTERS = "SUPERVISION"
RECORD_ITEMS = 50  # newest entries of each kind shown on a unit's record


class DynamoSupervisionRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # Complaints

    def add_complaint(self, complaint: Complaint, owed: Owed) -> None:
        def build(tx: Tx) -> None:
            tx.save(ComplaintRow.of(complaint), condition=ComplaintRow.pk.does_not_exist())
            tx.add(unit_record_key(complaint.unit_id), {"complaints": 1})
            add_owed(tx, owed, counters.shard(COUNTERS))

        transact_current(self._connection, BaseRow.Meta.table_name, build, complaint.complaint_id)

    def get_complaint(self, complaint_id: str) -> Complaint | None:
        row = find(ComplaintRow, f"CP#{complaint_id}")
        return None if row is None else row.to_domain()

    def update_complaint(self, before: Complaint, after: Complaint) -> None:
        def build(tx: Tx) -> None:
            tx.save(ComplaintRow.of(after), condition=ComplaintRow.version == before.version)
            if after.finding == "substantiated":
                tx.add(unit_record_key(after.unit_id), {"substantiated": 1})

        transact_current(self._connection, BaseRow.Meta.table_name, build, before.complaint_id)

    def list_complaints(self, status: str | None, limit: int, start: PageKey | None) -> Page[Complaint]:
        index, key = (
            (ComplaintRow.by_status, f"CP#STATUS#{status}")
            if status
            else (ComplaintRow.all_complaints, "CP#ALL")
        )
        return page_of(
            index.query(key, scan_index_forward=False, limit=limit, last_evaluated_key=start), limit
        )

    # Inspections

    def add_inspection(self, inspection: Inspection, owed: Owed) -> None:
        findings = len(inspection.findings)

        def build(tx: Tx) -> None:
            tx.save(InspectionRow.of(inspection), condition=InspectionRow.pk.does_not_exist())
            for n in range(findings):
                tx.save(FindingDueRow.of(inspection, n))
            tx.add(unit_record_key(inspection.unit_id), {"inspections": 1, "findings": findings})
            add_owed(tx, owed, counters.shard(COUNTERS))

        transact_current(self._connection, BaseRow.Meta.table_name, build, inspection.inspection_id)

    def get_inspection(self, inspection_id: str) -> Inspection | None:
        row = find(InspectionRow, f"INS#{inspection_id}")
        return None if row is None else row.to_domain()

    def rectify(self, before: Inspection, after: Inspection, n: int, owed: Owed) -> None:
        def build(tx: Tx) -> None:
            tx.save(InspectionRow.of(after), condition=InspectionRow.version == before.version)
            tx.delete(FindingDueRow.of(before, n))
            tx.add(unit_record_key(after.unit_id), {"rectified": 1})
            add_owed(tx, owed, counters.shard(COUNTERS))

        transact_current(self._connection, BaseRow.Meta.table_name, build, before.inspection_id)

    def rectifications_overdue(self, today: str, limit: int) -> list[tuple[str, int]]:
        """(inspection id, finding n) of findings whose rectify_by is before `today`."""
        rows = FindingDueRow.query(FINDINGS_DUE, FindingDueRow.sk < today, limit=limit, consistent_read=True)
        return [(row.inspection_id, int(row.n)) for row in rows]

    def clear_overdue(self, inspection: Inspection, n: int, owed: Owed) -> None:
        def build(tx: Tx) -> None:
            tx.delete(FindingDueRow.of(inspection, n), condition=FindingDueRow.pk.exists())
            add_owed(tx, owed, counters.shard(COUNTERS))

        transact_current(self._connection, BaseRow.Meta.table_name, build, inspection.inspection_id)

    # Records and figures

    def unit_record(self, unit_id: str) -> dict[str, Any]:
        pk, sk = unit_record_key(unit_id)
        counts = counters.read_item(self._connection, BaseRow.Meta.table_name, pk, sk)
        refusals = RefusalRow.query(
            pk,
            RefusalRow.sk.startswith("REFUSED#"),
            scan_index_forward=False,
            limit=RECORD_ITEMS,
            consistent_read=True,
        )
        complaints = ComplaintRow.by_unit.query(
            f"CP#UNIT#{unit_id}", scan_index_forward=False, limit=RECORD_ITEMS
        )
        inspections = InspectionRow.by_unit.query(
            f"INS#UNIT#{unit_id}", scan_index_forward=False, limit=RECORD_ITEMS
        )
        return {
            "counts": counts,
            "refused_requests": [
                {"at": r.at, "proof_id": r.proof_id, "target_unit": r.target_unit} for r in refusals
            ],
            "complaints": [row.to_domain() for row in complaints],
            "inspections": [row.to_domain() for row in inspections],
        }

    def supervision_counts(self) -> dict[str, int]:
        return counters.read(self._connection, BaseRow.Meta.table_name, COUNTERS)
