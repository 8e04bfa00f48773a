"""The catalogue repository in memory (adapters/catalogue_repository.py on DynamoDB)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from chalicelib.adapters.memory.store import MemoryStore, page_of
from chalicelib.domain.catalogue import Disposition, ProofItem, refused_write
from chalicelib.domain.changelog import ChainHead, ChangeRecord
from chalicelib.domain.errors import already_exists
from chalicelib.domain.federation import Message
from chalicelib.domain.matters import Matter
from chalicelib.domain.units import Unit
from chalicelib.services.ports import NOTHING_OWED, Owed, Page, PageKey, ProofFilter

UNITS, PROOFS, MATTERS, CHANGES = "unit", "proof", "matter", "change"
COUNTERS = "CATALOGUE"


class MemoryCatalogueRepository:
    def __init__(self, store: MemoryStore, here: str = "") -> None:
        self._store = store
        self._here = here

    # Units

    def get_unit(self, unit_id: str, consistent: bool = True) -> Unit | None:
        unit: Unit | None = self._store.records[UNITS].get(unit_id)
        # A unit stored before stages federated has no home recorded: it is homed here.
        return unit if unit is None or unit.stage else dataclasses.replace(unit, stage=self._here)

    def add_unit(self, unit: Unit, owed: Owed = NOTHING_OWED) -> None:
        if unit.unit_id in self._store.records[UNITS]:
            raise already_exists("unit", "单位", "unit_id", unit.unit_id)
        self._store.records[UNITS][unit.unit_id] = unit
        self._store.commit(owed)

    def home_units(self, limit: int, start: PageKey | None) -> Page[Unit]:
        homed = [unit for unit in self._store.records[UNITS].values() if unit.stage in ("", self._here)]
        return page_of(homed, lambda unit: unit.unit_id, limit, start)

    def send(self, messages: Sequence[Message]) -> None:
        self._store.commit(Owed(messages=messages))

    # Proof items

    def get_proof(self, proof_id: str, consistent: bool = True) -> ProofItem | None:
        proof: ProofItem | None = self._store.records[PROOFS].get(proof_id)
        return proof

    def get_proofs(self, proof_ids: list[str]) -> dict[str, ProofItem]:
        proofs = self._store.records[PROOFS]
        return {pid: proofs[pid] for pid in dict.fromkeys(proof_ids) if pid in proofs}

    def save_proof(
        self,
        before: ProofItem | None,
        after: ProofItem,
        make_record: Callable[[ChainHead | None], ChangeRecord],
        owed: Owed,
    ) -> ChangeRecord:
        stored = self.get_proof(after.proof_id)
        if (stored is None) != (before is None) or (stored and before and stored.version != before.version):
            raise refused_write(before, after)
        record = make_record(chain_head(self._store))
        self._store.records[PROOFS][after.proof_id] = after
        self._store.records[CHANGES][f"{record.seq:010d}"] = record
        self._store.commit(owed, COUNTERS)
        return record

    def list_proofs(self, where: ProofFilter, limit: int, start: PageKey | None) -> Page[ProofItem]:
        def matches(item: ProofItem) -> bool:
            text = f"{item.name}\n{item.name_en or ''}".lower()
            return (
                (where.issuing_unit is None or item.issuing_unit == where.issuing_unit)
                and (where.disposition is None or item.disposition.value == where.disposition)
                and (where.text is None or where.text.lower() in text)
            )

        found = [item for item in self._store.records[PROOFS].values() if matches(item)]
        return page_of(found, lambda item: item.proof_id, limit, start)

    def list_changes(self, since: str | None, limit: int, start: PageKey | None) -> Page[ChangeRecord]:
        def at(record: ChangeRecord) -> str:
            return f"{record.changed_at}#{record.seq:010d}"

        since_key = since or "0"
        found = [r for r in self._store.records[CHANGES].values() if at(r) >= since_key]
        return page_of(found, at, limit, start)

    # Matters

    def get_matter(self, matter_code: str, consistent: bool = True) -> Matter | None:
        matter: Matter | None = self._store.records[MATTERS].get(matter_code)
        return matter

    def add_matter(self, matter: Matter) -> None:
        if matter.matter_code in self._store.records[MATTERS]:
            raise already_exists("matter", "事项", "matter_code", matter.matter_code)
        self._store.records[MATTERS][matter.matter_code] = matter

    # Counters

    def catalogue_counts(self) -> dict[str, int]:
        counted = self._store.counters[COUNTERS]
        return {d.value: counted.get(d.value, 0) for d in Disposition}


def chain_head(store: MemoryStore) -> ChainHead | None:
    """The last change record appended: where the next one links to."""
    changes = store.records[CHANGES]
    if not changes:
        return None
    last: ChangeRecord = changes[max(changes)]
    return ChainHead(last.seq, last.hash, last.changed_at)
