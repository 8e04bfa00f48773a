"""The transparency log on DynamoDB: leaves queued with their trail events, given their index
in batches (one transaction each, with the subtrees they complete), and signed checkpoints."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

from pynamodb.connection import Connection
from pynamodb.expressions.update import Action

from chalicelib.adapters import jws
from chalicelib.adapters.catalogue_rows import CHANGELOG, ChangeRow, HeadRow
from chalicelib.adapters.directory_repository import kept_versions
from chalicelib.adapters.log_queue import PENDING, PendingRow
from chalicelib.adapters.outbox import add_owed
from chalicelib.adapters.relay_rows import EventRow
from chalicelib.adapters.tables import BaseRow, find
from chalicelib.adapters.transact import ConditionFailed, Tx, transact
from chalicelib.adapters.transparency_rows import (
    BUCKET_BITS,
    AlarmRow,
    CheckpointRow,
    NodeRow,
    TreeRow,
    event_key,
)
from chalicelib.domain.alerts import Alert
from chalicelib.domain.trail import TrailEvent
from chalicelib.domain.transparency import ChangelogHead, Checkpoint, Leaf, Tree
from chalicelib.services.ports import Owed, StaleWrite

Subtree = tuple[int, int, bytes]  # level, index, hash


class DynamoTransparencyLog:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def pending(self, limit: int) -> list[Leaf]:
        rows = PendingRow.query(PENDING, limit=limit, consistent_read=True)
        return [Leaf(row.request_id, int(row.seq), row.event_hash) for row in rows]

    def tree(self) -> Tree:
        row = find(TreeRow, *TreeRow.KEY)
        if row is None:
            return Tree()
        checkpoint = Checkpoint.from_view(row.checkpoint) if row.checkpoint else None
        return Tree(int(row.size or 0), checkpoint, row.audited_at, int(row.audited_to or 0))

    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored subtrees asked for (one batch per hundred); a missing one is left out."""
        wanted = {NodeRow.key(level, index): (level, index) for level, index in keys}
        return {wanted[(row.pk, row.sk)]: bytes.fromhex(row.hash) for row in NodeRow.batch_get(list(wanted))}

    def append(self, size: int, leaves: Sequence[Leaf], completed: Sequence[Subtree]) -> None:
        """Give `leaves` the indexes from `size` on, with the subtrees they complete; StaleWrite
        if the tree is no longer `size` leaves long (another run got there first)."""
        by_index = {size + offset: leaf for offset, leaf in enumerate(leaves)}

        def build(tx: Tx) -> None:
            current = TreeRow.size == size if size else TreeRow.size.does_not_exist() | (TreeRow.size == 0)
            tx.update(
                TreeRow(*TreeRow.KEY), actions=[TreeRow.size.set(size + len(leaves))], condition=current
            )
            for leaf in leaves:
                queued = PendingRow.of(leaf.request_id, leaf.seq, leaf.event_hash)
                tx.delete(queued, condition=PendingRow.pk.exists())
            for level, index, value in completed:
                tx.save(NodeRow.of(level, index, value, by_index.get(index) if level == 0 else None))

        try:
            transact(self._connection, BaseRow.Meta.table_name, build)
        except ConditionFailed:
            raise StaleWrite("transparency log") from None

    def issue(self, previous: Checkpoint | None, checkpoint: Checkpoint, owed: Owed) -> None:
        """Record a signed checkpoint as the latest; StaleWrite if another was issued meanwhile."""

        def build(tx: Tx) -> None:
            latest = (
                TreeRow.checkpoint_number.does_not_exist()
                if previous is None
                else TreeRow.checkpoint_number == previous.number
            )
            actions: list[Action] = [
                TreeRow.checkpoint_number.set(checkpoint.number),
                TreeRow.checkpoint.set(checkpoint.to_view()),
            ]
            tx.update(TreeRow(*TreeRow.KEY), actions=actions, condition=latest)
            tx.save(CheckpointRow.of(checkpoint), condition=CheckpointRow.pk.does_not_exist())
            add_owed(tx, owed)

        try:
            transact(self._connection, BaseRow.Meta.table_name, build)
        except ConditionFailed:
            raise StaleWrite("transparency checkpoint") from None

    def checkpoint(self, number: int) -> Checkpoint | None:
        row = find(CheckpointRow, *CheckpointRow.key(number), consistent=False)
        return None if row is None else Checkpoint.from_view(row.checkpoint)

    def changelog_head(self) -> ChangelogHead:
        row = find(HeadRow, *HeadRow.KEY)
        return ChangelogHead(0, None) if row is None else ChangelogHead(int(row.seq), row.hash)

    def changes(self, first: int, last: int) -> list[dict[str, Any]]:
        """The change records `first`..`last` as the API shows them (stored hash included)."""
        if last < first:
            return []
        rows = ChangeRow.query(
            CHANGELOG, ChangeRow.sk.between(f"REC#{first:010d}", f"REC#{last:010d}"), consistent_read=True
        )
        return [row.to_domain().to_view() for row in rows]

    def leaf_indexes(self, request_id: str) -> dict[int, int]:
        """Each event of the request that has its index: seq -> leaf index."""
        rows = NodeRow.by_event.query(event_key(request_id))
        return {int(row.seq or 0): row.index for row in rows}

    def leaves(self, start: int, end: int) -> list[tuple[int, Leaf, bytes]]:
        """The stored leaves with an index in [start, end), in order: (index, the event it
        names, its hash)."""
        found: list[tuple[int, Leaf, bytes]] = []
        index = start
        while index < end:
            pk, low = NodeRow.key(0, index)
            last = min(end, ((index >> BUCKET_BITS) + 1) << BUCKET_BITS) - 1
            rows = NodeRow.query(pk, NodeRow.sk.between(low, NodeRow.key(0, last)[1]), consistent_read=True)
            found += [(row.index, row.leaf(), bytes.fromhex(row.hash)) for row in rows]
            index = last + 1
        return found

    def events(self, leaves: Iterable[Leaf]) -> dict[tuple[str, int], TrailEvent]:
        """The trail events the leaves name, where they still exist."""
        keys = [EventRow.key(leaf.request_id, leaf.seq) for leaf in leaves]
        rows = EventRow.batch_get(list(dict.fromkeys(keys)))
        return {(row.pk.removeprefix("VR#"), int(row.seq)): row.to_domain() for row in rows}

    def directory_versions(self, versions: Iterable[int]) -> dict[int, dict[str, Any]]:
        return {version: jws.payload_of(signed) for version, signed in kept_versions(versions).items()}

    def raise_alarm(self, key: str, alert: Alert) -> None:
        def build(tx: Tx) -> None:
            alarm = AlarmRow("TLOG#ALARM", key, raised_at=alert.occurred_at)
            tx.save(alarm, condition=AlarmRow.pk.does_not_exist())
            add_owed(tx, Owed([alert]))

        with contextlib.suppress(ConditionFailed):  # raised before for the same damage
            transact(self._connection, BaseRow.Meta.table_name, build)

    def audited(self, upto: int, at: str | None) -> None:
        actions: list[Action] = [TreeRow.audited_to.set(upto)]
        if at is not None:
            actions.append(TreeRow.audited_at.set(at))
        TreeRow(*TreeRow.KEY).update(actions=actions)
