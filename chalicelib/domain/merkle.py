"""A Merkle tree over a log, as Certificate Transparency keeps one (RFC 9162, section 2.1).

Leaves and nodes are hashed apart (SHA-256 over 0x00 || leaf, 0x01 || left || right), so no
leaf can pass for a node. The tree is never held whole: a stage keeps the hash of each
complete (perfect) subtree as the log grows, `node(level, index)` being the subtree over
leaves [index * 2^level, (index + 1) * 2^level). Every root and proof below reads O(log n) of
them, so a proof stays a few hundred bytes for a million events, and anyone can check it with
the two `verify_` functions alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Node = Callable[[int, int], bytes]  # (level, index) -> hash of that perfect subtree


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_root(node: Node, start: int, end: int) -> bytes:
    """MTH of leaves [start, end), from the stored perfect subtrees."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return node(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(subtree_root(node, start, start + k), subtree_root(node, start + k, end))


def root(node: Node, size: int) -> bytes:
    return subtree_root(node, 0, size)


def inclusion_proof(node: Node, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]): the hashes that lead from leaf `index` to the root."""
    if not 0 <= index < size:
        raise ValueError("the leaf is not in the tree")
    proof: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            proof.append(subtree_root(node, start + k, end))
            end = start + k
        else:
            proof.append(subtree_root(node, start, start + k))
            start, m = start + k, m - k
    return proof[::-1]


def consistency_proof(node: Node, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]): that the tree of `old_size` leaves is a prefix."""
    if not 0 < old_size <= new_size:
        raise ValueError("a consistency proof needs 0 < old size <= new size")
    proof: list[bytes] = []
    start, end, m, whole = 0, new_size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(subtree_root(node, start + k, end))
            end = start + k
        else:
            proof.append(subtree_root(node, start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        proof.append(subtree_root(node, start, end))
    return proof[::-1]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162, 2.1.3.2: whether `leaf` (a leaf hash) is leaf `index` of the tree."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162, 2.1.4.2: whether the tree of `new_size` leaves extends that of `old_size`."""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


@dataclass
class Frontier:
    """The right edge of a growing tree: appending a leaf completes at most log n perfect
    subtrees, which are all a stage must store to answer every root and proof later."""

    size: int = 0
    peaks: list[bytes] = field(default_factory=list)  # the perfect subtrees, largest first

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the (level, index, hash) of each subtree it completed."""
        completed = [(0, self.size, leaf)]
        current, level, index = leaf, 0, self.size
        self.size += 1
        while (self.size >> level) & 1 == 0:  # the subtree at this level just became whole
            current = node_hash(self.peaks.pop(), current)
            level, index = level + 1, index >> 1
            completed.append((level, index, current))
        self.peaks.append(current)
        return completed

    def root(self) -> bytes:
        if not self.peaks:
            return EMPTY_ROOT
        value = self.peaks[-1]
        for peak in reversed(self.peaks[:-1]):
            value = node_hash(peak, value)
        return value

    @classmethod
    def of(cls, size: int, node: Node) -> Frontier:
        """The frontier of a stored tree of `size` leaves, to append to it."""
        return cls(size, [node(level, index) for level, index in peaks(size)])


def peaks(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees a tree of `size` leaves is made of, largest (leftmost) first."""
    found, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            found.append((level, start >> level))
            start += 1 << level
    return found


def reads(compute: Callable[[Node], object]) -> set[tuple[int, int]]:
    """The stored subtrees a computation reads, found by running it once on placeholders, so a
    store can fetch them all in one batch before running it for real."""
    keys: set[tuple[int, int]] = set()

    def placeholder(level: int, index: int) -> bytes:
        keys.add((level, index))
        return bytes(32)

    compute(placeholder)
    return keys
