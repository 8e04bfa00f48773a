"""PynamoDB rows of written commitments.

Keys (main table):
  commitment     pk CM#<id>              sk A
                 gsi1 CM#UNIT#<issuing_unit> / <created_at>#<id>
                 gsi2 CM#UNIT#<issuing_unit>#<status> / <created_at>#<id>
                 gsi3 CM#OWNER#<HMAC of the applicant's ID> / <created_at>#<id>
                 gsi4 CM#HANDLER#<handling_unit> / <created_at>#<id>          (sparse: only
                 gsi5 CM#HANDLER#<handling_unit>#<status> / <created_at>#<id>  another unit's proof)
  due marker     pk CM#DUE               sk <verify_by>#<id>   (while verification_due)
  credit entry   pk CREDIT#<HMAC of ID>  sk FALSE#<commitment_id>   (bars new commitments)
"""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.row_mapping import record_of, row_values
from chalicelib.adapters.tables import BaseRow, Gsi1, Gsi2, Gsi3, Gsi4, Gsi5, IndexedRow
from chalicelib.domain.commitments import Applicant, Commitment

DUE = "CM#DUE"


def commitment_pk(commitment_id: str) -> str:
    return f"CM#{commitment_id}"


class CommitmentRow(IndexedRow):
    commitment_id = UnicodeAttribute()
    proof_id = UnicodeAttribute()
    matter_code = UnicodeAttribute()
    issuing_unit = UnicodeAttribute()
    applicant_name = UnicodeAttribute()
    applicant_id_number = UnicodeAttribute()
    notice_version = UnicodeAttribute()
    notice_hash = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    verify_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute()
    verified_at = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    withdrawn_at = UnicodeAttribute(null=True)
    handling_unit = UnicodeAttribute(null=True)
    check_request_id = UnicodeAttribute(null=True)
    check_outcome = UnicodeAttribute(null=True)
    check_method = UnicodeAttribute(null=True)
    decide_by = UnicodeAttribute(null=True)
    by_unit = Gsi1()
    by_unit_status = Gsi2()
    by_owner = Gsi3()
    by_handler = Gsi4()
    by_handler_status = Gsi5()

    @classmethod
    def of(cls, c: Commitment, pseudonym: Callable[[str], str]) -> CommitmentRow:
        order = f"{c.created_at}#{c.commitment_id}"
        checks_another = c.handled_by != c.issuing_unit
        return cls(
            commitment_pk(c.commitment_id),
            "A",
            **row_values(
                c,
                cls,
                applicant_name=c.applicant.name,
                applicant_id_number=c.applicant.id_number,
                handling_unit=c.handled_by,
                # Listed for the matter's unit only when another unit issues the proof: otherwise
                # the issuing unit's listing is the same, and two more index entries would cost
                # writes.
                gsi4pk=f"CM#HANDLER#{c.handled_by}" if checks_another else None,
                gsi4sk=order if checks_another else None,
                gsi5pk=f"CM#HANDLER#{c.handled_by}#{c.status.value}" if checks_another else None,
                gsi5sk=order if checks_another else None,
                gsi1pk=f"CM#UNIT#{c.issuing_unit}",
                gsi1sk=order,
                gsi2pk=f"CM#UNIT#{c.issuing_unit}#{c.status.value}",
                gsi2sk=order,
                gsi3pk=f"CM#OWNER#{pseudonym(c.applicant.id_number)}",
                gsi3sk=order,
            ),
        )

    def to_domain(self) -> Commitment:
        return record_of(Commitment, self, applicant=Applicant(self.applicant_name, self.applicant_id_number))


class CommitmentDueRow(BaseRow):
    commitment_id = UnicodeAttribute()

    @classmethod
    def of(cls, c: Commitment) -> CommitmentDueRow:
        return cls(DUE, f"{c.verify_by}#{c.commitment_id}", commitment_id=c.commitment_id)


class CreditRow(BaseRow):
    """A recorded false commitment. Keyed by a pseudonym of the ID number, not the number."""

    commitment_id = UnicodeAttribute()
    proof_id = UnicodeAttribute()
    issuing_unit = UnicodeAttribute()
    recorded_at = UnicodeAttribute()
