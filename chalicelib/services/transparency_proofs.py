"""The proofs of the stage's transparency log, for anyone: its signed checkpoints, that a later
tree extends an earlier one, and that a trail's events are in it (RFC 9162). Each reads the
O(log n) stored subtrees it needs in one batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.domain import merkle
from chalicelib.domain.errors import NotFound, RuleViolation
from chalicelib.domain.transparency import Checkpoint, hexes
from chalicelib.services.transparency import TransparencyLog, read_tree


class LogProofs:
    def __init__(self, log: TransparencyLog) -> None:
        self._log = log

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
        proof = read_tree(self._log, lambda node: merkle.consistency_proof(node, old_size, new_size))
        return {"from": old_size, "to": new_size, "proof": hexes(proof)}

    def inclusion(self, request_id: str, seqs: Sequence[int]) -> dict[str, Any]:
        """For the trail's events recorded here and in the latest checkpoint, the path from
        each event's leaf to that checkpoint's root (events recorded on a peer are in its log)."""
        tree = self._log.tree()
        if tree.checkpoint is None:
            return {"checkpoint": None, "inclusion": []}
        size, indexes = tree.checkpoint.tree_size, self._log.leaf_indexes(request_id)
        placed = [(seq, indexes[seq]) for seq in seqs if indexes.get(seq, size) < size]
        paths = read_tree(
            self._log, lambda node: [merkle.inclusion_proof(node, index, size) for _, index in placed]
        )
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


def _no_checkpoint(message: str, message_zh: str) -> NotFound:
    return NotFound("checkpoint_not_found", message, message_zh)
