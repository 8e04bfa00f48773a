"""The stage's transparency log (domain/transparency): trail events get their place in the
Merkle tree in batches, the stage signs a checkpoint of the tree and of its change log when
either moved, and serves the proofs that let anyone check both without trusting the stage.

Before it signs, the stage checks that what it signs extends its last checkpoint: a table
edited behind the service's back (a subtree, the tree's size, a change record rebuilt) is
refused and raises the alarm instead of being signed into history."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from chalicelib.domain import merkle
from chalicelib.domain.alerts import Alert
from chalicelib.domain.clock import Clock, format_time, parse_time
from chalicelib.domain.errors import NotFound, RuleViolation
from chalicelib.domain.federation import Message
from chalicelib.domain.hashchain import record_hash
from chalicelib.domain.trail import TrailEvent
from chalicelib.domain.transparency import ChangelogHead, Checkpoint, Leaf, Tree, changes_extend, hexes
from chalicelib.services.ports import Notary, StaleWrite

SEQUENCE_BATCH = 24  # leaves per transaction: with the subtrees they complete, under 100 items
AUDIT_CHUNK = 500
AUDIT_EVERY = timedelta(days=1)
SUPERVISORS = "supervision"  # target_unit of the alerts that supervisors subscribe to
T = TypeVar("T")
Subtree = tuple[int, int, bytes]


class TransparencyLog(Protocol):
    def pending(self, limit: int) -> list[Leaf]: ...
    def tree(self) -> Tree: ...
    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]: ...
    def append(self, size: int, leaves: Sequence[Leaf], completed: Sequence[Subtree]) -> None:
        """StaleWrite if the tree is no longer `size` leaves long."""

    def issue(self, previous: Checkpoint | None, checkpoint: Checkpoint, messages: Sequence[Message]) -> None:
        """StaleWrite if another checkpoint was issued after `previous`."""

    def checkpoint(self, number: int) -> Checkpoint | None: ...
    def changelog_head(self) -> ChangelogHead: ...
    def changes(self, first: int, last: int) -> list[dict[str, Any]]: ...
    def leaf_indexes(self, request_id: str) -> dict[int, int]: ...
    def leaves(self, start: int, end: int) -> list[tuple[int, Leaf, bytes]]: ...
    def events(self, leaves: Iterable[Leaf]) -> dict[tuple[str, int], TrailEvent]: ...
    def raise_alarm(self, key: str, alert: Alert) -> None:
        """Queue `alert` once for `key` (a run that finds the same damage again stays quiet)."""

    def audited(self, at: str) -> None: ...


@dataclass(frozen=True)
class CheckpointRun:
    sequenced: int
    checkpoint: Checkpoint | None  # None: nothing changed, or refused
    problems: tuple[str, ...] = ()


class TransparencyService:
    def __init__(
        self,
        log: TransparencyLog,
        notary: Callable[[], Notary],
        clock: Clock,
        new_id: Callable[[], str],
        stage: str,
        county: str,
    ) -> None:
        self._log = log
        self._notary = notary  # built when first signing: a public read loads no key
        self._here = stage
        self._clock = clock
        self._new_id = new_id
        self._county = county

    # Building the log

    def sequence(self) -> int:
        """Give every queued leaf its index, a batch per transaction; returns how many."""
        done = 0
        while batch := self._log.pending(SEQUENCE_BATCH):
            size = self._log.tree().size
            frontier = self._frontier(size)
            completed = [subtree for leaf in batch for subtree in frontier.append(leaf.hash)]
            try:
                self._log.append(size, batch, completed)
            except StaleWrite:
                continue  # another run gave them (or others) their place: read again
            done += len(batch)
        return done

    def _frontier(self, size: int) -> merkle.Frontier:
        return self._read(lambda node: merkle.Frontier.of(size, node))

    def issue_checkpoint(self) -> CheckpointRun:
        """Sequence what waits, then sign a checkpoint if the tree or the change log moved
        since the last one, once both are checked to extend it."""
        sequenced = self.sequence()
        tree, head = self._log.tree(), self._log.changelog_head()
        latest = tree.checkpoint
        if latest is not None and (latest.tree_size, latest.changelog) == (tree.size, head):
            return CheckpointRun(sequenced, None)
        problems = self._breaks(latest, tree.size, head)
        if problems:
            self._alarm(latest, problems)
            return CheckpointRun(sequenced, None, problems)
        checkpoint = Checkpoint(
            stage=self._here,
            number=1 if latest is None else latest.number + 1,
            tree_size=tree.size,
            root_hash=self._read(lambda node: merkle.root(node, tree.size)).hex(),
            changelog=head,
            issued_at=self._now(),
        )
        notary = self._notary()
        signed = checkpoint.signed(notary.kid, notary.sign(checkpoint.signed_bytes))
        try:
            self._log.issue(latest, signed, [])
        except StaleWrite:
            return CheckpointRun(sequenced, None)  # another run issued one meanwhile
        return CheckpointRun(sequenced, signed)

    def _breaks(self, latest: Checkpoint | None, size: int, head: ChangelogHead) -> tuple[str, ...]:
        """What in the stored log does not extend the last checkpoint signed."""
        if latest is None:
            return ()
        problems = []
        if size < latest.tree_size:
            problems.append("tree_shrunk")
        elif latest.tree_size and self._root_or_none(latest.tree_size) != latest.root:
            problems.append("tree_rewritten")
        if not self._changes_extend(latest.changelog, head):
            problems.append("changelog_rewritten")
        return tuple(problems)

    def _root_or_none(self, size: int) -> bytes | None:
        try:
            return self._read(lambda node: merkle.root(node, size))
        except KeyError:  # a stored subtree is gone
            return None

    def _changes_extend(self, held: ChangelogHead, head: ChangelogHead) -> bool:
        records = self._log.changes(held.seq, head.seq) if held.seq else self._log.changes(1, head.seq)
        if held.seq:
            if not records or records[0].get("hash") != held.hash or record_hash(records[0]) != held.hash:
                return False
            records = records[1:]
        return changes_extend(held, head, records)

    # Auditing the whole log

    def audit(self) -> tuple[str, ...]:
        """Walk every leaf and every change record: each leaf's event is still there as it was
        logged, and the change log recomputes up to its head. Costs a read of the whole log:
        run daily, not on a request path."""
        tree, head = self._log.tree(), self._log.changelog_head()
        problems = list(self._breaks(tree.checkpoint, tree.size, head))
        for start in range(0, tree.size, AUDIT_CHUNK):
            problems += self._audit_leaves(start, min(tree.size, start + AUDIT_CHUNK))
        if not self._changes_extend(ChangelogHead(0, None), head):
            problems.append("changelog_broken")
        found = tuple(dict.fromkeys(problems))
        if found:
            self._alarm(tree.checkpoint, found)
        return found

    def _audit_leaves(self, start: int, end: int) -> list[str]:
        leaves = self._log.leaves(start, end)
        events = self._log.events(leaf for _, leaf, _ in leaves)
        problems = [] if [index for index, _, _ in leaves] == list(range(start, end)) else ["leaf_missing"]
        for _, leaf, stored in leaves:
            event = events.get((leaf.request_id, leaf.seq))
            if event is None:
                problems.append("event_missing")
            elif (
                stored != leaf.hash
                or event.hash != leaf.event_hash
                or record_hash(event.to_view()) != event.hash
            ):
                problems.append("event_changed")
        return problems

    def _alarm(self, latest: Checkpoint | None, problems: tuple[str, ...]) -> None:
        number = 0 if latest is None else latest.number
        alert = Alert(
            event_type="transparency.inconsistent",
            event_id=self._new_id(),
            occurred_at=self._now(),
            county=self._county,
            target_unit=SUPERVISORS,
            resource_type="checkpoint",
            resource_id=f"{self._here}/{number}",
        )
        self._log.raise_alarm(f"{number}:{','.join(problems)}", alert)

    def audit_if_due(self) -> tuple[str, ...] | None:
        """The audit, if the last one is a day old (None: not due yet)."""
        last = self._log.tree().audited_at
        if last is not None and parse_time(last) > self._clock() - AUDIT_EVERY:
            return None
        problems = self.audit()
        self._log.audited(self._now())
        return problems

    def _now(self) -> str:
        return format_time(self._clock())

    # Reading it

    def latest(self) -> dict[str, Any]:
        return self._latest().to_view()

    def checkpoint(self, number: int) -> dict[str, Any]:
        found = self._log.checkpoint(number)
        if found is None:
            raise _no_checkpoint(
                f"Checkpoint {number} was not issued here.", f"本平台未签发第 {number} 号检查点。"
            )
        return found.to_view()

    def consistency(self, old_size: int, new_size: int) -> dict[str, Any]:
        """The proof that the tree of `new_size` leaves extends that of `old_size`."""
        latest = self._latest()
        if not 0 < old_size <= new_size <= latest.tree_size:
            raise RuleViolation(
                "tree_size_unknown",
                f"Tree sizes must be 1 <= from <= to <= {latest.tree_size} (the latest checkpoint's).",
                f"树大小须满足 1 <= from <= to <= {latest.tree_size}（最新检查点的树大小）。",
                {"tree_size": latest.tree_size},
            )
        proof = self._read(lambda node: merkle.consistency_proof(node, old_size, new_size))
        return {"from": old_size, "to": new_size, "proof": hexes(proof)}

    def inclusion(self, request_id: str, seqs: Sequence[int]) -> dict[str, Any]:
        """For the trail's events recorded here and in the latest checkpoint, the path from
        each event's leaf to that checkpoint's root (events recorded on a peer are in its log)."""
        tree = self._log.tree()
        if tree.checkpoint is None:
            return {"checkpoint": None, "inclusion": []}
        size, indexes = tree.checkpoint.tree_size, self._log.leaf_indexes(request_id)
        placed = [(seq, indexes[seq]) for seq in seqs if indexes.get(seq, size) < size]
        paths = self._read(lambda node: [merkle.inclusion_proof(node, index, size) for _, index in placed])
        return {
            "checkpoint": tree.checkpoint.to_view(),
            "inclusion": [
                {"seq": seq, "leaf_index": index, "tree_size": size, "audit_path": hexes(path)}
                for (seq, index), path in zip(placed, paths, strict=True)
            ],
        }

    def _latest(self) -> Checkpoint:
        latest = self._log.tree().checkpoint
        if latest is None:
            raise _no_checkpoint("This stage has not issued a checkpoint yet.", "本平台尚未签发检查点。")
        return latest

    def _read(self, compute: Callable[[merkle.Node], T]) -> T:
        """Run a tree computation on the stored subtrees, fetched in one batch beforehand."""
        stored = self._log.nodes(merkle.reads(compute))
        return compute(lambda level, index: stored[(level, index)])


def _logged_as(event: TrailEvent, leaf: Leaf, stored: bytes) -> bool:
    """The event recomputes to the hash the leaf names, and the leaf to the hash stored."""
    return record_hash(event.to_view()) == event.hash == leaf.event_hash and stored == leaf.hash


def _no_checkpoint(message: str, message_zh: str) -> NotFound:
    return NotFound("checkpoint_not_found", message, message_zh)
