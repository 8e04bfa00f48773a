"""The federation's signed directory as a stage holds it, in memory (services' unit tests)."""

from __future__ import annotations

from chalicelib.adapters.memory.relay import LOG_QUEUE
from chalicelib.adapters.memory.store import MemoryStore
from chalicelib.domain.transparency import DIRECTORY_LEAVES
from chalicelib.services.ports import StaleWrite

KEPT, TAKEN = "directory", "directory_taken"


class MemoryDirectoryStore:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def newest(self) -> str | None:
        kept = self._store.records[KEPT]
        return kept[max(kept)] if kept else None

    def keep(self, version: int, signed: str, logged_as: str | None = None) -> None:
        kept = self._store.records[KEPT]
        if kept and max(kept) >= version:
            raise StaleWrite(str(version))
        kept[version] = signed
        if logged_as is not None:
            self._store.records[LOG_QUEUE][f"{DIRECTORY_LEAVES}#{version:06d}"] = logged_as

    def acknowledged(self) -> dict[str, int]:
        return dict(self._store.records[TAKEN])

    def acknowledge(self, stage: str, version: int) -> None:
        self._store.records[TAKEN][stage] = version
