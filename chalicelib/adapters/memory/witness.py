"""What this stage witnessed of its peers' logs, in memory (adapters/witness_repository.py)."""

from __future__ import annotations

from chalicelib.adapters.memory.store import MemoryStore
from chalicelib.domain.transparency import Checkpoint, Dispute, Witnessed
from chalicelib.services.ports import Owed, StaleWrite

HELD, KEPT, DISPUTES = "witness_held", "witness_kept", "dispute"


class MemoryWitnessStore:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def held(self, stage: str) -> Witnessed | None:
        held: Witnessed | None = self._store.records[HELD].get(stage)
        return held

    def accept(self, before: Witnessed | None, checkpoint: Checkpoint, at: str) -> None:
        """Hold `checkpoint` as the stage's last (and keep it); StaleWrite if another was taken
        since `before`."""
        held = self.held(checkpoint.stage)
        moved = (held is None) != (before is None) or (
            held and before and held.checkpoint.number != before.checkpoint.number
        )
        if moved or (checkpoint.stage, checkpoint.number) in self._store.records[KEPT]:
            raise StaleWrite(checkpoint.stage)
        self._store.records[HELD][checkpoint.stage] = Witnessed(checkpoint, at)
        self._store.records[KEPT][(checkpoint.stage, checkpoint.number)] = checkpoint

    def kept(self, stage: str, number: int) -> Checkpoint | None:
        kept: Checkpoint | None = self._store.records[KEPT].get((stage, number))
        return kept

    def dispute(self, dispute: Dispute, owed: Owed) -> None:
        """Keep the dispute with its alert and messages, once."""
        key = (dispute.stage, f"{dispute.found_at}#{dispute.checkpoint['number']:010d}#{dispute.found_by}")
        if key in self._store.records[DISPUTES]:
            return
        self._store.records[DISPUTES][key] = dispute
        self._store.commit(owed)

    def disputes(self, stage: str, since: str = "", limit: int = 50) -> list[Dispute]:
        """The disputes about `stage` found since `since`, newest first."""
        found = self._store.records[DISPUTES]
        keys = sorted((key for key in found if key[0] == stage and key[1] >= since), reverse=True)
        return [found[key] for key in keys][:limit]
