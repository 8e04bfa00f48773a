"""The commitments repository on DynamoDB: each change is one transaction with its due marker,
its credit entry, its alerts (outbox) and its counters."""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.connection import Connection

from chalicelib.adapters import counters
from chalicelib.adapters.commitment_rows import (
    DUE,
    CommitmentDueRow,
    CommitmentRow,
    CreditRow,
    commitment_pk,
)
from chalicelib.adapters.outbox import add_owed
from chalicelib.adapters.pages import page_of
from chalicelib.adapters.tables import BaseRow, find
from chalicelib.adapters.transact import Tx, transact_current
from chalicelib.domain.commitments import Commitment, Status
from chalicelib.services.ports import Owed, Page, PageKey

COUNTERS = "COMMITMENTS"


class DynamoCommitmentRepository:
    def __init__(self, connection: Connection, pseudonym: Callable[[str], str]) -> None:
        self._connection = connection
        self._pseudonym = pseudonym

    def get(self, commitment_id: str) -> Commitment | None:
        row = find(CommitmentRow, commitment_pk(commitment_id))
        return None if row is None else row.to_domain()

    def is_barred(self, id_number: str) -> bool:
        rows = CreditRow.query(self._credit_pk(id_number), limit=1, consistent_read=True)
        return next(iter(rows), None) is not None

    def create(self, commitment: Commitment, owed: Owed) -> None:
        def build(tx: Tx) -> None:
            tx.save(
                CommitmentRow.of(commitment, self._pseudonym), condition=CommitmentRow.pk.does_not_exist()
            )
            if commitment.status is Status.VERIFICATION_DUE:
                tx.save(CommitmentDueRow.of(commitment))
            add_owed(tx, owed, counters.shard(COUNTERS))

        transact_current(self._connection, BaseRow.Meta.table_name, build, commitment.commitment_id)

    def update(self, before: Commitment, after: Commitment, owed: Owed) -> None:
        def build(tx: Tx) -> None:
            row = CommitmentRow.of(after, self._pseudonym)
            tx.save(row, condition=CommitmentRow.version == before.version)
            # The due marker moves with verify_by, and goes when the check is over.
            due_changed = after.status is not Status.VERIFICATION_DUE or after.verify_by != before.verify_by
            if before.status is Status.VERIFICATION_DUE and due_changed:
                tx.delete(CommitmentDueRow.of(before))
            if after.status is Status.VERIFICATION_DUE and due_changed:
                tx.save(CommitmentDueRow.of(after))
            if after.status is Status.FALSE_COMMITMENT:
                tx.save(
                    CreditRow(
                        self._credit_pk(after.applicant.id_number),
                        f"FALSE#{after.commitment_id}",
                        commitment_id=after.commitment_id,
                        proof_id=after.proof_id,
                        issuing_unit=after.issuing_unit,
                        recorded_at=after.updated_at,
                    )
                )
            add_owed(tx, owed, counters.shard(COUNTERS))

        transact_current(self._connection, BaseRow.Meta.table_name, build, before.commitment_id)

    def list_for_unit(
        self, unit_id: str, status: str | None, limit: int, start: PageKey | None, handling: bool = False
    ) -> Page[Commitment]:
        """The commitments whose proof the unit issues, or (`handling`) whose matter it handles
        for a proof another unit issues."""
        prefix = f"CM#HANDLER#{unit_id}" if handling else f"CM#UNIT#{unit_id}"
        whole, by_status = (
            (CommitmentRow.by_handler, CommitmentRow.by_handler_status)
            if handling
            else (CommitmentRow.by_unit, CommitmentRow.by_unit_status)
        )
        index, key = (by_status, f"{prefix}#{status}") if status else (whole, prefix)
        results = index.query(key, scan_index_forward=False, limit=limit, last_evaluated_key=start)
        return page_of(results, limit)

    def list_for_owner(self, id_number: str, limit: int, start: PageKey | None) -> Page[Commitment]:
        results = CommitmentRow.by_owner.query(
            f"CM#OWNER#{self._pseudonym(id_number)}",
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )
        return page_of(results, limit)

    def verification_overdue(self, now: str, limit: int) -> list[str]:
        rows = CommitmentDueRow.query(
            DUE, CommitmentDueRow.sk <= f"{now}#~", limit=limit, consistent_read=True
        )
        return [row.commitment_id for row in rows]

    def clear_overdue(self, commitment: Commitment, owed: Owed) -> None:
        """Alert once that a check is late: the marker goes with the alert it triggered."""

        def build(tx: Tx) -> None:
            tx.delete(CommitmentDueRow.of(commitment), condition=CommitmentDueRow.pk.exists())
            add_owed(tx, owed, counters.shard(COUNTERS))

        transact_current(self._connection, BaseRow.Meta.table_name, build, commitment.commitment_id)

    def commitment_counts(self) -> dict[str, int]:
        return counters.read(self._connection, BaseRow.Meta.table_name, COUNTERS)

    def _credit_pk(self, id_number: str) -> str:
        return f"CREDIT#{self._pseudonym(id_number)}"
