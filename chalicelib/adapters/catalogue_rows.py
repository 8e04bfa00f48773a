"""PynamoDB rows of the catalogue, and their conversion to and from domain objects.

Keys (main table):
  unit          pk UNIT#<unit_id>        sk A     gsi1 UNITS#HOME / <unit_id>   (homed here only)
  proof item    pk PROOF#<proof_id>      sk A     gsi1 PROOFS / <proof_id>
                                                  gsi2 PROOFS#DISP#<disposition> / <proof_id>
                                                  gsi3 PROOFS#UNIT#<issuing_unit> / <proof_id>
  matter        pk MATTER#<matter_code>  sk A
  change record pk CHANGELOG             sk REC#<seq:010>   lsi1 <changed_at>#<seq:010>
  chain head    pk CHANGELOG             sk HEAD
  counters      pk STATS                 sk CATALOGUE
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from chalicelib.adapters.row_mapping import record_of, row_values
from chalicelib.adapters.tables import BaseRow, Gsi1, Gsi2, Gsi3, IndexedRow, Lsi1
from chalicelib.domain.catalogue import CommitmentTerms, ProofItem
from chalicelib.domain.changelog import ChainHead, ChangeRecord
from chalicelib.domain.matters import Matter
from chalicelib.domain.units import Unit

META = "A"
CHANGELOG = "CHANGELOG"


HOME_UNITS = "UNITS#HOME"


class UnitRow(IndexedRow):
    unit_id = UnicodeAttribute()
    name = UnicodeAttribute()
    name_en = UnicodeAttribute(null=True)
    level = UnicodeAttribute()
    county = UnicodeAttribute()
    parent_unit = UnicodeAttribute(null=True)
    stage = UnicodeAttribute(null=True)  # the unit's home stage
    # The units homed on this stage, which it introduces to a stage that joins the federation.
    homed_here = Gsi1()

    @staticmethod
    def key(unit_id: str) -> tuple[str, str]:
        return f"UNIT#{unit_id}", META

    @classmethod
    def of(cls, unit: Unit, home: bool = False) -> UnitRow:
        pk, sk = cls.key(unit.unit_id)
        index: dict[str, Any] = {"gsi1pk": HOME_UNITS, "gsi1sk": unit.unit_id} if home else {}
        return cls(pk, sk, **{**unit.to_view(), **index})

    def to_domain(self) -> Unit:
        return Unit.from_dict(self.attribute_values)


class ProofRow(IndexedRow):
    proof_id = UnicodeAttribute()
    name = UnicodeAttribute()
    name_en = UnicodeAttribute(null=True)
    issuing_unit = UnicodeAttribute()
    legal_basis = UnicodeAttribute()
    disposition = UnicodeAttribute()
    rule = UnicodeAttribute(null=True)
    guidance = UnicodeAttribute(null=True)
    commitment = JSONAttribute(null=True)
    version = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Lower-cased names, for ?q= (DynamoDB's contains() is case-sensitive).
    search_text = UnicodeAttribute()
    all_items = Gsi1()
    by_disposition = Gsi2()
    by_issuing_unit = Gsi3()

    @staticmethod
    def key(proof_id: str) -> tuple[str, str]:
        return f"PROOF#{proof_id}", META

    @classmethod
    def of(cls, item: ProofItem) -> ProofRow:
        pk, sk = cls.key(item.proof_id)
        return cls(
            pk,
            sk,
            **row_values(
                item,
                cls,
                commitment=None if item.commitment is None else item.commitment.to_view(),
                search_text=f"{item.name}\n{item.name_en or ''}".lower(),
                gsi1pk="PROOFS",
                gsi1sk=item.proof_id,
                gsi2pk=f"PROOFS#DISP#{item.disposition.value}",
                gsi2sk=item.proof_id,
                gsi3pk=f"PROOFS#UNIT#{item.issuing_unit}",
                gsi3sk=item.proof_id,
            ),
        )

    def to_domain(self) -> ProofItem:
        return record_of(ProofItem, self, commitment=CommitmentTerms.from_dict(self.commitment))


class MatterRow(BaseRow):
    matter_code = UnicodeAttribute()
    name = UnicodeAttribute()
    name_en = UnicodeAttribute(null=True)
    unit_id = UnicodeAttribute()
    proofs = ListAttribute(of=UnicodeAttribute)

    @staticmethod
    def key(matter_code: str) -> tuple[str, str]:
        return f"MATTER#{matter_code}", META

    @classmethod
    def of(cls, matter: Matter) -> MatterRow:
        pk, sk = cls.key(matter.matter_code)
        return cls(pk, sk, **{**matter.to_view(), "proofs": list(matter.proofs)})

    def to_domain(self) -> Matter:
        return Matter.from_dict(self.attribute_values)


class ChangeRow(BaseRow):
    seq = NumberAttribute()
    proof_id = UnicodeAttribute()
    version = NumberAttribute()
    from_disposition = UnicodeAttribute(null=True)
    to_disposition = UnicodeAttribute()
    rule = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()
    decision_ref = UnicodeAttribute(null=True)
    changed_at = UnicodeAttribute()
    prev_hash = UnicodeAttribute(null=True)
    hash = UnicodeAttribute()
    lsi1sk = UnicodeAttribute()
    by_time = Lsi1()

    @classmethod
    def of(cls, record: ChangeRecord) -> ChangeRow:
        return cls(
            CHANGELOG,
            f"REC#{record.seq:010d}",
            **row_values(record, cls, lsi1sk=f"{record.changed_at}#{record.seq:010d}"),
        )

    def to_domain(self) -> ChangeRecord:
        return record_of(ChangeRecord, self)


class HeadRow(BaseRow):
    seq = NumberAttribute()
    hash = UnicodeAttribute()
    changed_at = UnicodeAttribute()

    KEY = (CHANGELOG, "HEAD")

    @classmethod
    def of(cls, record: ChangeRecord) -> HeadRow:
        return cls(*cls.KEY, seq=record.seq, hash=record.hash, changed_at=record.changed_at)

    def to_domain(self) -> ChainHead:
        return record_of(ChainHead, self)


class CatalogueCountRow(BaseRow):
    """One counter per disposition, moved in the same transaction as the item."""

    cancelled = NumberAttribute(default=0)
    existing_credential = NumberAttribute(default=0)
    data_sharing = NumberAttribute(default=0)
    remote_verification = NumberAttribute(default=0)
    commitment = NumberAttribute(default=0)
    retained = NumberAttribute(default=0)

    KEY = ("STATS", "CATALOGUE")
