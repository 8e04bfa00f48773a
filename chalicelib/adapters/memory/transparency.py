"""The transparency log in memory (adapters/transparency_repository.py on DynamoDB)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from chalicelib.adapters import jws
from chalicelib.adapters.memory.catalogue import CHANGES, chain_head
from chalicelib.adapters.memory.directory import KEPT as DIRECTORY
from chalicelib.adapters.memory.relay import EVENTS, LOG_QUEUE
from chalicelib.adapters.memory.store import MemoryStore
from chalicelib.domain.alerts import Alert
from chalicelib.domain.changelog import ChangeRecord
from chalicelib.domain.trail import TrailEvent
from chalicelib.domain.transparency import ChangelogHead, Checkpoint, Leaf, Tree
from chalicelib.services.ports import Owed, StaleWrite

TREE, NODES, LEAVES, CHECKPOINTS, ALARMS = (
    "tlog_tree",
    "tlog_node",
    "tlog_leaf",
    "tlog_checkpoint",
    "tlog_alarm",
)
Subtree = tuple[int, int, bytes]  # level, index, hash


class MemoryTransparencyLog:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def pending(self, limit: int) -> list[Leaf]:
        queued = self._store.records[LOG_QUEUE]
        return [_leaf(key, queued[key]) for key in sorted(queued)][:limit]

    def tree(self) -> Tree:
        tree: Tree = self._store.records[TREE].get("state", Tree())
        return tree

    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        stored = self._store.records[NODES]
        return {key: stored[key] for key in keys if key in stored}

    def append(self, size: int, leaves: Sequence[Leaf], completed: Sequence[Subtree]) -> None:
        """Give `leaves` the indexes from `size` on, with the subtrees they complete; StaleWrite
        if the tree is no longer `size` leaves long."""
        tree = self.tree()
        queued = self._store.records[LOG_QUEUE]
        if tree.size != size or any(_queue_key(leaf) not in queued for leaf in leaves):
            raise StaleWrite("transparency log")
        for offset, leaf in enumerate(leaves):
            del queued[_queue_key(leaf)]
            self._store.records[LEAVES][size + offset] = leaf
        for level, index, value in completed:
            self._store.records[NODES][(level, index)] = value
        self._store.records[TREE]["state"] = dataclasses.replace(tree, size=size + len(leaves))

    def issue(self, previous: Checkpoint | None, checkpoint: Checkpoint, owed: Owed) -> None:
        """Record a signed checkpoint as the latest; StaleWrite if another was issued meanwhile."""
        tree = self.tree()
        latest = tree.checkpoint.number if tree.checkpoint else None
        if (
            latest != (previous.number if previous else None)
            or checkpoint.number in self._store.records[CHECKPOINTS]
        ):
            raise StaleWrite("transparency checkpoint")
        self._store.records[CHECKPOINTS][checkpoint.number] = checkpoint
        self._store.records[TREE]["state"] = dataclasses.replace(tree, checkpoint=checkpoint)
        self._store.commit(owed)

    def checkpoint(self, number: int) -> Checkpoint | None:
        kept: Checkpoint | None = self._store.records[CHECKPOINTS].get(number)
        return kept

    def changelog_head(self) -> ChangelogHead:
        head = chain_head(self._store)
        return ChangelogHead(0, None) if head is None else ChangelogHead(head.seq, head.hash)

    def changes(self, first: int, last: int) -> list[dict[str, Any]]:
        """The change records `first`..`last` as the API shows them (stored hash included)."""
        records: dict[str, ChangeRecord] = self._store.records[CHANGES]
        return [records[key].to_view() for key in sorted(records) if first <= records[key].seq <= last]

    def leaf_indexes(self, request_id: str) -> dict[int, int]:
        leaves: dict[int, Leaf] = self._store.records[LEAVES]
        return {leaf.seq: index for index, leaf in leaves.items() if leaf.request_id == request_id}

    def leaves(self, start: int, end: int) -> list[tuple[int, Leaf, bytes]]:
        leaves: dict[int, Leaf] = self._store.records[LEAVES]
        nodes = self._store.records[NODES]
        return [(i, leaves[i], nodes[(0, i)]) for i in sorted(leaves) if start <= i < end]

    def events(self, leaves: Iterable[Leaf]) -> dict[tuple[str, int], TrailEvent]:
        """The trail events the leaves name, where they still exist."""
        trail = self._store.records[EVENTS]
        wanted = {(leaf.request_id, leaf.seq): f"{leaf.request_id}#{leaf.seq:06d}" for leaf in leaves}
        return {key: trail[stored] for key, stored in wanted.items() if stored in trail}

    def directory_versions(self, versions: Iterable[int]) -> dict[int, dict[str, Any]]:
        kept = self._store.records[DIRECTORY]
        return {version: jws.payload_of(kept[version]) for version in versions if version in kept}

    def raise_alarm(self, key: str, alert: Alert) -> None:
        if key not in self._store.records[ALARMS]:  # raised before for the same damage: quiet
            self._store.records[ALARMS][key] = alert.occurred_at
            self._store.commit(Owed([alert]))

    def audited(self, upto: int, at: str | None) -> None:
        tree = dataclasses.replace(self.tree(), audited_to=upto)
        self._store.records[TREE]["state"] = tree if at is None else dataclasses.replace(tree, audited_at=at)


def _queue_key(leaf: Leaf) -> str:
    return f"{leaf.request_id}#{leaf.seq:06d}"


def _leaf(key: str, event_hash: str) -> Leaf:
    request_id, _, seq = key.rpartition("#")
    return Leaf(request_id, int(seq), event_hash)
