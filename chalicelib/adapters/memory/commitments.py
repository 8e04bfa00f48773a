"""The commitment repository in memory (adapters/commitment_repository.py on DynamoDB)."""

from __future__ import annotations

from chalicelib.adapters.memory.store import MemoryStore, page_of
from chalicelib.domain.commitments import Commitment, Status
from chalicelib.services.ports import Owed, Page, PageKey

COMMITMENTS, DUE, CREDIT = "commitment", "commitment_due", "credit"
COUNTERS = "COMMITMENTS"


class MemoryCommitmentRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def get(self, commitment_id: str) -> Commitment | None:
        commitment: Commitment | None = self._store.records[COMMITMENTS].get(commitment_id)
        return commitment

    def is_barred(self, id_number: str) -> bool:
        return bool(self._store.records[CREDIT].get(id_number))

    def create(self, commitment: Commitment, owed: Owed) -> None:
        self._store.add_new(COMMITMENTS, commitment.commitment_id, commitment)
        if commitment.status is Status.VERIFICATION_DUE:
            self._store.records[DUE][_due(commitment)] = commitment.commitment_id
        self._store.commit(owed, COUNTERS)

    def update(self, before: Commitment, after: Commitment, owed: Owed) -> None:
        self._store.replace(COMMITMENTS, before.commitment_id, before, after, lambda c: c.version)
        # The due marker moves with verify_by, and goes when the check is over.
        due_changed = after.status is not Status.VERIFICATION_DUE or after.verify_by != before.verify_by
        if before.status is Status.VERIFICATION_DUE and due_changed:
            self._store.records[DUE].pop(_due(before), None)
        if after.status is Status.VERIFICATION_DUE and due_changed:
            self._store.records[DUE][_due(after)] = after.commitment_id
        if after.status is Status.FALSE_COMMITMENT:
            self._store.records[CREDIT].setdefault(after.applicant.id_number, []).append(after.commitment_id)
        self._store.commit(owed, COUNTERS)

    def list_for_unit(
        self, unit_id: str, status: str | None, limit: int, start: PageKey | None, handling: bool = False
    ) -> Page[Commitment]:
        """The commitments whose proof the unit issues, or (`handling`) whose matter it handles
        for a proof another unit issues."""

        def listed(c: Commitment) -> bool:
            of_unit = c.handled_by == unit_id != c.issuing_unit if handling else c.issuing_unit == unit_id
            return of_unit and status in (None, c.status.value)

        found = [c for c in self._store.records[COMMITMENTS].values() if listed(c)]
        return page_of(found, _created, limit, start, newest_first=True)

    def list_for_owner(self, id_number: str, limit: int, start: PageKey | None) -> Page[Commitment]:
        found = [c for c in self._store.records[COMMITMENTS].values() if c.applicant.id_number == id_number]
        return page_of(found, _created, limit, start, newest_first=True)

    def verification_overdue(self, now: str, limit: int) -> list[str]:
        return self._store.due_before(DUE, f"{now}#~", limit)  # "~" sorts after every id

    def clear_overdue(self, commitment: Commitment, owed: Owed) -> None:
        self._store.clear_due(DUE, _due(commitment), commitment.commitment_id)
        self._store.commit(owed, COUNTERS)

    def commitment_counts(self) -> dict[str, int]:
        return dict(self._store.counters[COUNTERS])


def _due(commitment: Commitment) -> str:
    return f"{commitment.verify_by}#{commitment.commitment_id}"


def _created(commitment: Commitment) -> str:
    return f"{commitment.created_at}#{commitment.commitment_id}"
