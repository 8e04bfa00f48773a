"""The transparency log of a stage: every trail event recorded here is a leaf of one Merkle tree
(domain/merkle), and the stage regularly signs a checkpoint of that tree and of its catalogue
change log. Peers keep the checkpoints they are sent and check that each extends the last, so
an operator who rewrites history from some point on is caught by anyone holding an older one.

A checkpoint is a hashed and signed record like a trail event: `hash` is the SHA-256 of its
RFC 8785 canonical JSON without `hash` and `signature`, and `signature` is the stage's ES256
signature over the ASCII bytes of that hash (API.md, Federation between stages)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import rfc8785

from chalicelib.domain import merkle
from chalicelib.domain.hashchain import chain_is_valid, record_hash, signature_of

# The anchor logs each directory version it publishes as a leaf under this name in place of a
# request id (request ids are ULIDs): `seq` is the version, `hash` the SHA-256 of the RFC 8785
# JSON of what the anchor signed ({anchor, version, issued_at, stages, anchor_jwks}).
DIRECTORY_LEAVES = "federation-directory"


@dataclass(frozen=True)
class Leaf:
    """A trail event as the log holds it: which request, which event, and the event's hash (or
    a directory version: DIRECTORY_LEAVES, the version, the hash of what was signed)."""

    request_id: str
    seq: int
    event_hash: str

    @property
    def is_directory(self) -> bool:
        return self.request_id == DIRECTORY_LEAVES

    @property
    def data(self) -> bytes:
        """What the leaf hash covers; an outsider rebuilds it from the trail alone."""
        return rfc8785.dumps({"request_id": self.request_id, "seq": self.seq, "hash": self.event_hash})

    @property
    def hash(self) -> bytes:
        return merkle.leaf_hash(self.data)


@dataclass(frozen=True)
class ChangelogHead:
    seq: int  # 0: no change recorded yet
    hash: str | None

    def to_view(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


@dataclass(frozen=True)
class Checkpoint:
    stage: str
    number: int  # 1, 2, 3, ... in the order the stage issued them
    tree_size: int
    root_hash: str  # lowercase hex
    changelog: ChangelogHead
    issued_at: str
    signature: dict[str, str] | None = None

    def content(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "number": self.number,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "changelog": self.changelog.to_view(),
            "issued_at": self.issued_at,
        }

    @property
    def hash(self) -> str:
        return record_hash(self.content())

    def to_view(self) -> dict[str, Any]:
        return {**self.content(), "hash": self.hash, "signature": self.signature}

    @classmethod
    def from_view(cls, view: Mapping[str, Any]) -> Checkpoint:
        """A checkpoint as shown (KeyError, TypeError, ValueError when it is not one)."""
        changelog = view["changelog"]
        checkpoint = cls(
            stage=str(view["stage"]),
            number=_count(view["number"]),
            tree_size=_count(view["tree_size"]),
            root_hash=_hex(view["root_hash"]),
            changelog=ChangelogHead(
                _count(changelog["seq"]), None if changelog["hash"] is None else _hex(changelog["hash"])
            ),
            issued_at=str(view["issued_at"]),
            signature=dict(view["signature"]) if view.get("signature") else None,
        )
        if view.get("hash") not in (None, checkpoint.hash):
            raise ValueError("the checkpoint's hash does not recompute")
        return checkpoint

    @property
    def signed_bytes(self) -> bytes:
        return self.hash.encode("ascii")

    def signed(self, kid: str, raw_signature: bytes) -> Checkpoint:
        return dataclasses.replace(self, signature=signature_of(kid, raw_signature))

    @property
    def root(self) -> bytes:
        return bytes.fromhex(self.root_hash)


@dataclass(frozen=True)
class Tree:
    """The log as stored: how many leaves have their index, and the last checkpoint signed."""

    size: int = 0
    checkpoint: Checkpoint | None = None
    audited_at: str | None = None  # when the change log was last read through (daily)
    audited_to: int = 0  # the leaves before it were read in the audit's current pass


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("not a count")
    return value


def _hex(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 64 or bytes.fromhex(value).hex() != value:
        raise ValueError("not a lowercase hex SHA-256")
    return value


def hexes(hashes: Sequence[bytes]) -> list[str]:
    return [value.hex() for value in hashes]


def changes_extend(held: ChangelogHead, new: ChangelogHead, records: Sequence[Mapping[str, Any]]) -> bool:
    """Whether `records` (the change records after `held`, as the API shows them) link the
    chain from the head held to the new head: each recomputes, the first links to `held`, and
    the last is the new head. An edited, removed or rebuilt record breaks one of these."""
    if new.seq <= held.seq:  # a change log never shrinks
        return new == held and not records
    return (
        [record.get("seq") for record in records] == list(range(held.seq + 1, new.seq + 1))
        and chain_is_valid(records, after=held.hash)
        and records[-1].get("hash") == new.hash
    )


# Witnessing: a peer keeps the checkpoints a stage sends it and checks each against the last


@dataclass(frozen=True)
class Witnessed:
    """The last checkpoint of a stage that this stage holds, and when it took it."""

    checkpoint: Checkpoint
    witnessed_at: str


@dataclass(frozen=True)
class Dispute:
    """A checkpoint of `stage` that does not extend the one `found_by` held: evidence, kept."""

    stage: str
    found_by: str
    found_at: str
    reason: str
    checkpoint: dict[str, Any]
    held: dict[str, Any] | None

    def to_view(self) -> dict[str, Any]:
        return {
            "found_by": self.found_by,
            "found_at": self.found_at,
            "reason": self.reason,
            "checkpoint": self.checkpoint,
            "held": self.held,
        }


class Verdict(Enum):
    ACCEPTED = "accepted"  # extends the checkpoint held (or is the first one held)
    INCONSISTENT = "inconsistent"  # does not: the stage rewrote its history, or forked it
    EARLY = "early"  # the checkpoint before it has not come yet: kept until it has
    HELD = "held"  # this one, or a later one, is already held


def judge(
    held: Checkpoint | None,
    incoming: Checkpoint,
    consistency: Sequence[bytes],
    changes: Sequence[Mapping[str, Any]],
    same_number: Checkpoint | None = None,
) -> tuple[Verdict, str]:
    """What a witness makes of a stage's new checkpoint, given the proof that the stage's tree
    extends its previous checkpoint's and the change records since that one, and the
    checkpoint of the same number it kept, if any; and why."""
    if held is None:
        return Verdict.ACCEPTED, "the first checkpoint held"
    if incoming.number <= held.number:
        if same_number is not None and same_number.hash != incoming.hash:
            return Verdict.INCONSISTENT, f"two different checkpoints numbered {incoming.number}"
        return Verdict.HELD, "already held"
    if incoming.number > held.number + 1:
        return Verdict.EARLY, f"checkpoint {held.number + 1} has not come yet"
    if incoming.tree_size < held.tree_size or not _extends(held, incoming, consistency):
        return Verdict.INCONSISTENT, f"the tree does not extend checkpoint {held.number}'s"
    if not changes_extend(held.changelog, incoming.changelog, changes):
        return Verdict.INCONSISTENT, f"the change log does not extend checkpoint {held.number}'s"
    return Verdict.ACCEPTED, f"extends checkpoint {held.number}"


def _extends(held: Checkpoint, incoming: Checkpoint, consistency: Sequence[bytes]) -> bool:
    if held.tree_size == 0:
        return not consistency
    sizes = (held.tree_size, incoming.tree_size)
    return merkle.verify_consistency(*sizes, held.root, incoming.root, consistency)
