"""The stage's transparency log (domain/transparency): trail events get their place in the
Merkle tree in batches, and the stage signs a checkpoint of the tree and of its change log when
either moved (the proofs that let anyone check both: transparency_proofs.py).

Before it signs, the stage checks that what it signs extends its last checkpoint: a table
edited behind the service's back (a subtree, the tree's size, a change record rebuilt) is
refused and raises the alarm instead of being signed into history."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from chalicelib.domain import merkle
from chalicelib.domain.alerts import Alert
from chalicelib.domain.clock import Clock, parse_time, stamps
from chalicelib.domain.errors import Conflict
from chalicelib.domain.federation import CHECKPOINT_ISSUED, Message
from chalicelib.domain.hashchain import record_hash
from chalicelib.domain.trail import TrailEvent
from chalicelib.domain.transparency import ChangelogHead, Checkpoint, Leaf, Tree, changes_extend, hexes
from chalicelib.services.ports import Notary, Owed, StaleWrite
from chalicelib.services.retry import committed

SEQUENCE_BATCH = 24  # leaves per transaction: with the subtrees they complete, under 100 items
SEQUENCE_BATCHES_PER_RUN = 400  # about 10,000 events, well within a run of the job
AUDIT_CHUNK = 500  # leaves read per batch, and at least per run of the job
AUDIT_EVERY = timedelta(days=1)
AUDIT_RUNS_PER_DAY = 288  # the job runs every 5 minutes
SUPERVISORS = "supervision"  # target_unit of the alerts that supervisors subscribe to
INCONSISTENT = "transparency.inconsistent"
CHANGES_PER_CHECKPOINT = 200  # change records a checkpoint message carries at most
Subtree = tuple[int, int, bytes]


class TransparencyLog(Protocol):
    def pending(self, limit: int) -> list[Leaf]: ...
    def tree(self) -> Tree: ...
    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]: ...
    def append(self, size: int, leaves: Sequence[Leaf], completed: Sequence[Subtree]) -> None:
        """StaleWrite if the tree is no longer `size` leaves long."""

    def issue(self, previous: Checkpoint | None, checkpoint: Checkpoint, owed: Owed) -> None:
        """StaleWrite if another checkpoint was issued after `previous`."""

    def checkpoint(self, number: int) -> Checkpoint | None: ...
    def changelog_head(self) -> ChangelogHead: ...
    def changes(self, first: int, last: int) -> list[dict[str, Any]]: ...
    def leaf_indexes(self, request_id: str) -> dict[int, int]: ...
    def leaves(self, start: int, end: int) -> list[tuple[int, Leaf, bytes]]: ...
    def events(self, leaves: Iterable[Leaf]) -> dict[tuple[str, int], TrailEvent]: ...
    def directory_versions(self, versions: Iterable[int]) -> dict[int, dict[str, Any]]:
        """What the anchor signed of each directory version it kept, by version."""

    def raise_alarm(self, key: str, alert: Alert) -> None:
        """Queue `alert` once for `key` (a run that finds the same damage again stays quiet)."""

    def audited(self, upto: int, at: str | None) -> None:
        """Record how far the leaves were read (and, with `at`, the day's full reading)."""


@dataclass(frozen=True)
class AuditStep:
    problems: tuple[str, ...]
    daily: bool  # the change log was read through too (once a day)


@dataclass(frozen=True)
class CheckpointRun:
    sequenced: int
    checkpoint: Checkpoint | None  # None: nothing changed, or refused
    problems: tuple[str, ...] = ()
    behind: bool = False  # more change records wait for the next checkpoint


class TransparencyService:
    def __init__(
        self,
        log: TransparencyLog,
        notary: Callable[[], Notary],
        clock: Clock,
        new_id: Callable[[], str],
        stage: str,
        county: str,
        peers: Callable[[], list[str]],
    ) -> None:
        self._log = log
        self._notary = notary  # built when first signing: a public read loads no key
        self._here = stage
        self._clock = clock
        self._now = stamps(clock)
        self._new_id = new_id
        self._peers = peers
        self._county = county

    # Building the log

    def sequence(self, batches: int = SEQUENCE_BATCHES_PER_RUN) -> int:
        """Give the queued leaves their index, a batch per transaction, `batches` at most (a
        backlog beyond that waits for the next run: a run stays short); returns how many."""
        done = 0
        for _ in range(batches):
            batch = self._log.pending(SEQUENCE_BATCH)
            if not batch:
                break
            size = self._log.tree().size
            frontier = self._frontier(size)
            completed = [subtree for leaf in batch for subtree in frontier.append(leaf.hash)]
            try:
                committed(lambda: self._log.append(size, batch, completed))  # noqa: B023 - called here
            except (StaleWrite, Conflict):
                continue  # another run gave them (or others) their place: read again
            done += len(batch)
        return done

    def _frontier(self, size: int) -> merkle.Frontier:
        return self._read(lambda node: merkle.Frontier.of(size, node))

    def issue_checkpoints(self, at_most: int) -> list[CheckpointRun]:
        """Issue checkpoints until the change log is covered (or `at_most` were issued)."""
        runs = [self.issue_checkpoint()]
        while runs[-1].behind and len(runs) < at_most:
            runs.append(self.issue_checkpoint())
        return runs

    def issue_checkpoint(self) -> CheckpointRun:
        """Sequence what waits; check that the stored log still extends the last checkpoint;
        then sign a new one if the tree or the change log moved, and send it to every peer with
        the proofs that it extends the last (the change log moves by at most
        CHANGES_PER_CHECKPOINT records a checkpoint: `behind` says when more are waiting)."""
        sequenced = self.sequence()
        tree, head = self._log.tree(), self._log.changelog_head()
        latest = tree.checkpoint
        held = latest.changelog if latest is not None else ChangelogHead(0, None)
        changes = self._log.changes(held.seq + 1, min(head.seq, held.seq + CHANGES_PER_CHECKPOINT))
        covered = ChangelogHead(changes[-1]["seq"], changes[-1]["hash"]) if changes else held
        problems = self._breaks(latest, tree.size, covered, changes)
        if problems:
            self._alarm(latest, problems)
            return CheckpointRun(sequenced, None, problems)
        if latest is not None and (latest.tree_size, latest.changelog) == (tree.size, covered):
            return CheckpointRun(sequenced, None)
        checkpoint = Checkpoint(
            stage=self._here,
            number=1 if latest is None else latest.number + 1,
            tree_size=tree.size,
            root_hash=self._read(lambda node: merkle.root(node, tree.size)).hex(),
            changelog=covered,
            issued_at=self._now(),
        )
        notary = self._notary()
        signed = checkpoint.signed(notary.kid, notary.sign(checkpoint.signed_bytes))
        owed = Owed(messages=self._tell_witnesses(latest, signed, changes))
        try:
            committed(lambda: self._log.issue(latest, signed, owed))
        except (StaleWrite, Conflict):
            return CheckpointRun(sequenced, None)  # another run issued one meanwhile, or still busy
        return CheckpointRun(sequenced, signed, behind=covered.seq < head.seq)

    def _tell_witnesses(
        self, latest: Checkpoint | None, new: Checkpoint, changes: list[dict[str, Any]]
    ) -> list[Message]:
        """The new checkpoint for each peer, with what it needs to check it extends the last."""
        since = 0 if latest is None else latest.tree_size
        proof = self._read(lambda node: merkle.consistency_proof(node, since, new.tree_size)) if since else []
        body = {"checkpoint": new.to_view(), "consistency": hexes(proof), "changes": changes}
        return [Message(self._new_id(), self._here, to, CHECKPOINT_ISSUED, "", body) for to in self._peers()]

    def _breaks(
        self,
        latest: Checkpoint | None,
        size: int,
        covered: ChangelogHead,
        changes: Sequence[Mapping[str, Any]],
    ) -> tuple[str, ...]:
        """What in the stored log does not extend the last checkpoint signed."""
        if latest is None:
            return ()
        problems = []
        if size < latest.tree_size:
            problems.append("tree_shrunk")
        elif latest.tree_size and self._root_or_none(latest.tree_size) != latest.root:
            problems.append("tree_rewritten")
        extended = changes_extend(latest.changelog, covered, changes)
        if not (extended and self._record_unchanged(latest.changelog)):
            problems.append("changelog_rewritten")
        return tuple(problems)

    def _record_unchanged(self, held: ChangelogHead) -> bool:
        """The record a checkpoint named is still there, recomputing to the hash it named."""
        if held.seq == 0:
            return True
        record = self._log.changes(held.seq, held.seq)
        return bool(record) and record[0].get("hash") == held.hash == record_hash(record[0])

    def _root_or_none(self, size: int) -> bytes | None:
        try:
            return self._read(lambda node: merkle.root(node, size))
        except KeyError:  # a stored subtree is gone
            return None

    # Auditing the log

    def audit(self) -> tuple[str, ...]:
        """Walk every leaf and every change record: each leaf's event is still there as it was
        logged, and the change log recomputes up to its head. Reads the whole log: the job
        spreads the same reading over a day (audit_step)."""
        tree = self._log.tree()
        return self._found(self._audit_leaves(0, tree.size) + self._audit_changelog(), tree)

    def audit_step(self) -> AuditStep:
        """The next slice of the leaves, so that each is read once a day by the 5-minute job
        whatever the size of the log (a run stays short), and the whole change log once a day."""
        tree = self._log.tree()
        start = tree.audited_to if tree.audited_to < tree.size else 0
        end = min(tree.size, start + max(AUDIT_CHUNK, math.ceil(tree.size / AUDIT_RUNS_PER_DAY)))
        last = tree.audited_at
        daily = last is None or parse_time(last) <= self._clock() - AUDIT_EVERY
        problems = self._audit_leaves(start, end) + (self._audit_changelog() if daily else [])
        self._log.audited(end, self._now() if daily else None)
        return AuditStep(self._found(problems, tree), daily)

    def _audit_leaves(self, start: int, end: int) -> list[str]:
        problems = []
        for first in range(start, end, AUDIT_CHUNK):
            last = min(end, first + AUDIT_CHUNK)
            leaves = self._log.leaves(first, last)
            if [index for index, _, _ in leaves] != list(range(first, last)):
                problems.append("leaf_missing")
            problems += self._audit_events(
                [(leaf, stored) for _, leaf, stored in leaves if not leaf.is_directory]
            )
            problems += self._audit_directory(
                [(leaf, stored) for _, leaf, stored in leaves if leaf.is_directory]
            )
        return problems

    def _audit_events(self, leaves: list[tuple[Leaf, bytes]]) -> list[str]:
        events = self._log.events(leaf for leaf, _ in leaves)
        problems = []
        for leaf, stored in leaves:
            event = events.get((leaf.request_id, leaf.seq))
            if event is None:
                problems.append("event_missing")
            elif not _logged_as(record_hash(event.to_view()), event.hash, leaf, stored):
                problems.append("event_changed")
        return problems

    def _audit_directory(self, leaves: list[tuple[Leaf, bytes]]) -> list[str]:
        """Each directory version the anchor logged is still kept, as it signed it."""
        if not leaves:
            return []
        kept = self._log.directory_versions(leaf.seq for leaf, _ in leaves)
        problems = []
        for leaf, stored in leaves:
            signed = kept.get(leaf.seq)
            if signed is None:
                problems.append("directory_version_missing")
            elif not _logged_as(record_hash(signed), leaf.event_hash, leaf, stored):
                problems.append("directory_version_changed")
        return problems

    def _audit_changelog(self) -> list[str]:
        head = self._log.changelog_head()
        intact = changes_extend(ChangelogHead(0, None), head, self._log.changes(1, head.seq))
        return [] if intact else ["changelog_broken"]

    def _found(self, problems: list[str], tree: Tree) -> tuple[str, ...]:
        """The problems, each named once, with the alarm raised if there are any."""
        found = tuple(dict.fromkeys(problems))
        if found:
            self._alarm(tree.checkpoint, found)
        return found

    def _alarm(self, latest: Checkpoint | None, problems: tuple[str, ...]) -> None:
        """Alert supervisors, once for the same damage found since the same checkpoint."""
        number = 0 if latest is None else latest.number
        alert = inconsistency_alert(self._new_id(), self._now(), self._county, self._here, number)
        key = f"{alert.resource_id}:{','.join(problems)}"
        committed(lambda: self._log.raise_alarm(key, alert))

    def _read[T](self, compute: Callable[[merkle.Node], T]) -> T:
        return read_tree(self._log, compute)


def inconsistency_alert(event_id: str, now: str, county: str, stage: str, number: int) -> Alert:
    """The alert to supervisors that a log (this stage's, or a peer's) is not what it signed,
    about that stage's checkpoint `number` (0: before its first)."""
    return Alert(
        event_type=INCONSISTENT,
        event_id=event_id,
        occurred_at=now,
        county=county,
        target_unit=SUPERVISORS,
        resource_type="checkpoint",
        resource_id=f"{stage}/{number}",
    )


def _logged_as(recomputed: str, recorded: str, leaf: Leaf, stored: bytes) -> bool:
    """The record recomputes to the hash it carries and the leaf names, and the leaf to the
    hash stored."""
    return recomputed == recorded == leaf.event_hash and stored == leaf.hash


def read_tree[T](log: TransparencyLog, compute: Callable[[merkle.Node], T]) -> T:
    """Run a tree computation on the stored subtrees, fetched in one batch beforehand."""
    stored = log.nodes(merkle.reads(compute))
    return compute(lambda level, index: stored[(level, index)])
