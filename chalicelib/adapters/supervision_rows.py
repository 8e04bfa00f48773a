"""PynamoDB rows of supervision.

Keys (main table):
  complaint        pk CP#<id>          sk A
                   gsi1 CP#ALL / <filed_at>#<id>;  gsi2 CP#STATUS#<status> / <filed_at>#<id>
                   gsi3 CP#UNIT#<unit_id> / <filed_at>#<id>
  inspection       pk INS#<id>         sk A      gsi1 INS#UNIT#<unit_id> / <inspected_on>#<id>
  finding due      pk INS#DUE          sk <rectify_by>#<inspection_id>#<n:03>   (until rectified or alerted)
  a unit's record  (unit_records.py: the relay writes to it too)
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.adapters.row_mapping import record_of, row_values
from chalicelib.adapters.tables import BaseRow, Gsi1, Gsi2, Gsi3, IndexedRow
from chalicelib.domain.supervision import Complaint, Finding, Inspection

FINDINGS_DUE = "INS#DUE"


class ComplaintRow(IndexedRow):
    complaint_id = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    description = UnicodeAttribute()
    complainant_name = UnicodeAttribute()
    complainant_id_number = UnicodeAttribute()
    suspected_violation = BooleanAttribute()
    status = UnicodeAttribute()
    filed_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    proof_id = UnicodeAttribute(null=True)
    proof_name = UnicodeAttribute(null=True)
    matter_code = UnicodeAttribute(null=True)
    finding = UnicodeAttribute(null=True)
    action = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    version = NumberAttribute()
    all_complaints = Gsi1()
    by_status = Gsi2()
    by_unit = Gsi3()

    @classmethod
    def of(cls, c: Complaint) -> ComplaintRow:
        order = f"{c.filed_at}#{c.complaint_id}"
        return cls(
            f"CP#{c.complaint_id}",
            "A",
            **row_values(
                c,
                cls,
                gsi1pk="CP#ALL",
                gsi1sk=order,
                gsi2pk=f"CP#STATUS#{c.status.value}",
                gsi2sk=order,
                gsi3pk=f"CP#UNIT#{c.unit_id}",
                gsi3sk=order,
            ),
        )

    def to_domain(self) -> Complaint:
        return record_of(Complaint, self)


class InspectionRow(IndexedRow):
    inspection_id = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    inspected_on = UnicodeAttribute()
    items_checked = NumberAttribute()
    findings = JSONAttribute()
    recorded_at = UnicodeAttribute()
    recorded_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute()
    by_unit = Gsi1()

    @classmethod
    def of(cls, i: Inspection) -> InspectionRow:
        return cls(
            f"INS#{i.inspection_id}",
            "A",
            **row_values(
                i,
                cls,
                findings=[f.__dict__ for f in i.findings],
                gsi1pk=f"INS#UNIT#{i.unit_id}",
                gsi1sk=f"{i.inspected_on}#{i.inspection_id}",
            ),
        )

    def to_domain(self) -> Inspection:
        return record_of(Inspection, self, findings=tuple(Finding(**f) for f in self.findings))


class FindingDueRow(BaseRow):
    inspection_id = UnicodeAttribute()
    n = NumberAttribute()

    @classmethod
    def of(cls, inspection: Inspection, n: int) -> FindingDueRow:
        rectify_by = inspection.findings[n].rectify_by
        sk = f"{rectify_by}#{inspection.inspection_id}#{n:03d}"
        return cls(FINDINGS_DUE, sk, inspection_id=inspection.inspection_id, n=n)
