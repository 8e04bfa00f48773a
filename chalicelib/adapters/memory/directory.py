"""The federation's signed directory as a stage holds it, in memory (services' unit tests)."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.adapters.memory.relay import LOG_QUEUE
from chalicelib.adapters.memory.store import MemoryStore
from chalicelib.domain.transparency import DIRECTORY_LEAVES
from chalicelib.services.ports import StaleWrite

KEPT, TAKEN, INTRODUCTIONS = "directory", "directory_taken", "directory_introductions"


class MemoryDirectoryStore:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def newest(self) -> str | None:
        kept = self._store.records[KEPT]
        return kept[max(kept)] if kept else None

    def keep(
        self,
        version: int,
        signed: str,
        logged_as: str | None = None,
        introduce: Sequence[str] = (),
        at: str = "",
    ) -> None:
        kept = self._store.records[KEPT]
        if kept and max(kept) >= version:
            raise StaleWrite(str(version))
        kept[version] = signed
        if logged_as is not None:
            self._store.records[LOG_QUEUE][f"{DIRECTORY_LEAVES}#{version:06d}"] = logged_as
        if introduce:
            self._store.records[INTRODUCTIONS][version] = (list(introduce), at)

    def introductions(self) -> list[tuple[int, list[str], str]]:
        owed = self._store.records[INTRODUCTIONS]
        return [(version, list(owed[version][0]), owed[version][1]) for version in sorted(owed)]

    def introduced(self, version: int, left: Sequence[str]) -> None:
        owed = self._store.records[INTRODUCTIONS]
        if left:
            owed[version] = (list(left), owed[version][1])
        else:
            owed.pop(version, None)

    def acknowledged(self) -> dict[str, int]:
        return dict(self._store.records[TAKEN])

    def acknowledge(self, stage: str, version: int) -> None:
        self._store.records[TAKEN][stage] = version
