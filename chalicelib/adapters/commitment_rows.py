"""PynamoDB rows of written commitments.

Keys (main table):
  commitment     pk CM#<id>              sk A
                 gsi1 CM#UNIT#<issuing_unit> / <created_at>#<id>
                 gsi2 CM#UNIT#<issuing_unit>#<status> / <created_at>#<id>
                 gsi3 CM#OWNER#<HMAC of the applicant's ID> / <created_at>#<id>
  due marker     pk CM#DUE               sk <verify_by>#<id>   (while verification_due)
  credit entry   pk CREDIT#<HMAC of ID>  sk FALSE#<commitment_id>   (bars new commitments)
"""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.tables import BaseRow, Gsi1, Gsi2, Gsi3, IndexedRow
from chalicelib.domain.commitments import Applicant, Commitment, Status

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
    by_unit = Gsi1()
    by_unit_status = Gsi2()
    by_owner = Gsi3()

    @classmethod
    def of(cls, c: Commitment, pseudonym: Callable[[str], str]) -> CommitmentRow:
        order = f"{c.created_at}#{c.commitment_id}"
        return cls(
            commitment_pk(c.commitment_id),
            "A",
            commitment_id=c.commitment_id,
            proof_id=c.proof_id,
            matter_code=c.matter_code,
            issuing_unit=c.issuing_unit,
            applicant_name=c.applicant.name,
            applicant_id_number=c.applicant.id_number,
            notice_version=c.notice_version,
            notice_hash=c.notice_hash,
            status=c.status.value,
            created_at=c.created_at,
            verify_by=c.verify_by,
            updated_at=c.updated_at,
            version=c.version,
            verified_at=c.verified_at,
            outcome=c.outcome,
            note=c.note,
            withdrawn_at=c.withdrawn_at,
            gsi1pk=f"CM#UNIT#{c.issuing_unit}",
            gsi1sk=order,
            gsi2pk=f"CM#UNIT#{c.issuing_unit}#{c.status.value}",
            gsi2sk=order,
            gsi3pk=f"CM#OWNER#{pseudonym(c.applicant.id_number)}",
            gsi3sk=order,
        )

    def to_domain(self) -> Commitment:
        return Commitment(
            commitment_id=self.commitment_id,
            proof_id=self.proof_id,
            matter_code=self.matter_code,
            issuing_unit=self.issuing_unit,
            applicant=Applicant(self.applicant_name, self.applicant_id_number),
            notice_version=self.notice_version,
            notice_hash=self.notice_hash,
            status=Status(self.status),
            created_at=self.created_at,
            verify_by=self.verify_by,
            updated_at=self.updated_at,
            version=int(self.version),
            verified_at=self.verified_at,
            outcome=self.outcome,
            note=self.note,
            withdrawn_at=self.withdrawn_at,
        )


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
