"""The catalogue repository on DynamoDB: GetItem, Query and TransactWriteItems only."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError
from pynamodb.expressions.condition import Condition

from chalicelib.adapters.catalogue_rows import (
    CHANGELOG,
    HOME_UNITS,
    CatalogueCountRow,
    ChangeRow,
    HeadRow,
    MatterRow,
    ProofRow,
    UnitRow,
)
from chalicelib.adapters.outbox import add_owed, send_messages
from chalicelib.adapters.pages import page_of, searched_page
from chalicelib.adapters.tables import BaseRow, find
from chalicelib.adapters.transact import ConditionFailed, Tx, transact
from chalicelib.domain.catalogue import Disposition, ProofItem, refused_write
from chalicelib.domain.changelog import ChainHead, ChangeRecord
from chalicelib.domain.errors import Conflict, already_exists
from chalicelib.domain.federation import Message
from chalicelib.domain.matters import Matter
from chalicelib.domain.units import Unit
from chalicelib.services.ports import NOTHING_OWED, Contended, Owed, Page, PageKey, ProofFilter
from chalicelib.services.retry import CHAIN_HEAD

# Concurrent changes to different items race for the chain head; the loser re-reads it and
# links after the winner, under the retry policy of the chain head (services/retry.py).


class DynamoCatalogueRepository:
    def __init__(self, connection: Connection, here: str = "") -> None:
        """`connection` is used for transactions; models must be bound to the stage's table."""
        self._connection = connection
        self._here = here

    # Units

    def get_unit(self, unit_id: str, consistent: bool = True) -> Unit | None:
        row = find(UnitRow, *UnitRow.key(unit_id), consistent=consistent)
        if row is None:
            return None
        unit = row.to_domain()
        # A unit stored before stages federated has no home recorded: it is homed here.
        return unit if unit.stage else dataclasses.replace(unit, stage=self._here)

    def add_unit(self, unit: Unit, owed: Owed = NOTHING_OWED) -> None:
        exists = already_exists("unit", "单位", "unit_id", unit.unit_id)
        row = UnitRow.of(unit, home=unit.stage in ("", self._here))
        if not owed:  # a stage of its own, or a peer's unit: one conditional put
            _put_new(row, exists)
            return

        def build(tx: Tx) -> None:
            tx.save(row, condition=UnitRow.pk.does_not_exist())
            add_owed(tx, owed, CatalogueCountRow.KEY)

        try:
            transact(self._connection, BaseRow.Meta.table_name, build)
        except ConditionFailed:
            raise exists from None

    def home_units(self, limit: int, start: PageKey | None) -> Page[Unit]:
        results = UnitRow.homed_here.query(HOME_UNITS, limit=limit, page_size=limit, last_evaluated_key=start)
        return page_of(results, limit)

    def send(self, messages: Sequence[Message]) -> None:
        send_messages(self._connection, messages)

    # Proof items

    def get_proof(self, proof_id: str, consistent: bool = True) -> ProofItem | None:
        row = find(ProofRow, *ProofRow.key(proof_id), consistent=consistent)
        return None if row is None else row.to_domain()

    def get_proofs(self, proof_ids: list[str]) -> dict[str, ProofItem]:
        keys = [ProofRow.key(pid) for pid in dict.fromkeys(proof_ids)]
        return {row.proof_id: row.to_domain() for row in ProofRow.batch_get(keys)}

    def save_proof(
        self,
        before: ProofItem | None,
        after: ProofItem,
        make_record: Callable[[ChainHead | None], ChangeRecord],
        owed: Owed,
    ) -> ChangeRecord:
        for attempt in range(CHAIN_HEAD.attempts):
            if attempt:  # spread the contenders out, or they collide again on the same head
                time.sleep(CHAIN_HEAD.pause(attempt))
            head_row = find(HeadRow, *HeadRow.KEY)
            head = None if head_row is None else head_row.to_domain()
            record = make_record(head)
            try:
                transact(
                    self._connection,
                    BaseRow.Meta.table_name,
                    self._change(before, after, record, head, owed),
                )
                return record
            except Contended:
                continue  # another change held the head (or a counter) at that moment
            except ConditionFailed as failed:
                if ProofRow.key(after.proof_id) in failed.keys:
                    raise refused_write(before, after) from None
                # Only the chain head moved: another change got there first; link after it.
        raise Conflict(
            "catalogue_busy",
            "Too many simultaneous catalogue changes; try again.",
            "目录正在频繁变更，请稍后重试。",
        )

    @staticmethod
    def _change(
        before: ProofItem | None,
        after: ProofItem,
        record: ChangeRecord,
        head: ChainHead | None,
        owed: Owed,
    ) -> Callable[[Tx], None]:
        def build(tx: Tx) -> None:
            item_condition = (
                ProofRow.pk.does_not_exist() if before is None else ProofRow.version == before.version
            )
            head_condition = HeadRow.pk.does_not_exist() if head is None else HeadRow.seq == head.seq
            tx.save(ProofRow.of(after), condition=item_condition)
            tx.save(ChangeRow.of(record), condition=ChangeRow.pk.does_not_exist())
            tx.save(HeadRow.of(record), condition=head_condition)
            add_owed(tx, owed, CatalogueCountRow.KEY)  # the counts: items per disposition

        return build

    def list_proofs(self, where: ProofFilter, limit: int, start: PageKey | None) -> Page[ProofItem]:
        # Query the narrowest index the filters allow; the other filters refine it.
        conditions: list[Condition] = []
        if where.issuing_unit:
            index, key = ProofRow.by_issuing_unit, f"PROOFS#UNIT#{where.issuing_unit}"
            if where.disposition:
                conditions.append(ProofRow.disposition == where.disposition)
        elif where.disposition:
            index, key = ProofRow.by_disposition, f"PROOFS#DISP#{where.disposition}"
        else:
            index, key = ProofRow.all_items, "PROOFS"
        if where.text:
            conditions.append(ProofRow.search_text.contains(where.text.lower()))
        condition = None
        for part in conditions:
            condition = part if condition is None else condition & part
        if condition is None:
            return page_of(index.query(key, limit=limit, page_size=limit, last_evaluated_key=start), limit)
        results = index.query(key, filter_condition=condition, page_size=limit, last_evaluated_key=start)
        return searched_page(results, ProofRow, limit)

    def list_changes(self, since: str | None, limit: int, start: PageKey | None) -> Page[ChangeRecord]:
        results = ChangeRow.by_time.query(
            CHANGELOG,
            ChangeRow.lsi1sk >= (since or "0"),
            limit=limit,
            page_size=limit,
            last_evaluated_key=start,
            consistent_read=True,
        )
        return page_of(results, limit)

    # Matters

    def get_matter(self, matter_code: str, consistent: bool = True) -> Matter | None:
        row = find(MatterRow, *MatterRow.key(matter_code), consistent=consistent)
        return None if row is None else row.to_domain()

    def add_matter(self, matter: Matter) -> None:
        _put_new(MatterRow.of(matter), already_exists("matter", "事项", "matter_code", matter.matter_code))

    # Counters

    def catalogue_counts(self) -> dict[str, int]:
        row = find(CatalogueCountRow, *CatalogueCountRow.KEY)
        return {d.value: int(getattr(row, d.value) or 0) if row else 0 for d in Disposition}


def _put_new(row: BaseRow, exists: Conflict) -> None:
    try:
        row.save(condition=type(row).pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise exists from None
        raise
