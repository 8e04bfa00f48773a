"""The Merkle tree of the transparency log against RFC 9162's definitions, written out here
naively over whole lists: roots, inclusion and consistency proofs agree, verify, and fail
when anything is changed."""

import hashlib
import math

import pytest

from chalicelib.domain import merkle


def leaves(n):
    return [merkle.leaf_hash(f"event {i}".encode()) for i in range(n)]


# RFC 9162, 2.1.1 - 2.1.4, as written there


def mth(hashes):
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return merkle.node_hash(mth(hashes[:k]), mth(hashes[k:]))


def path(m, hashes):
    if len(hashes) == 1:
        return []
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    if m < k:
        return [*path(m, hashes[:k]), mth(hashes[k:])]
    return [*path(m - k, hashes[k:]), mth(hashes[:k])]


def subproof(m, hashes, whole):
    if m == len(hashes):
        return [] if whole else [mth(hashes)]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, hashes[:k], whole), mth(hashes[k:])]
    return [*subproof(m - k, hashes[k:], False), mth(hashes[:k])]


def stored(n):
    """The perfect subtrees a stage stores while its log grows to n leaves."""
    frontier, nodes = merkle.Frontier(), {}
    for leaf in leaves(n):
        for level, index, value in frontier.append(leaf):
            nodes[(level, index)] = value
    return frontier, lambda level, index: nodes[(level, index)]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33])
def test_roots_and_proofs_are_the_rfcs_and_verify(n):
    frontier, node = stored(n)
    hashes = leaves(n)
    assert frontier.root() == merkle.root(node, n) == mth(hashes)
    for m in range(n):
        proof = merkle.inclusion_proof(node, m, n)
        assert proof == path(m, hashes)
        assert merkle.verify_inclusion(hashes[m], m, n, proof, mth(hashes))
    for old in range(1, n + 1):
        proof = merkle.consistency_proof(node, old, n)
        assert proof == (subproof(old, hashes, True) if old < n else [])
        assert merkle.verify_consistency(old, n, mth(hashes[:old]), mth(hashes), proof)


def test_every_past_root_is_answered_from_what_the_stage_stored():
    _, node = stored(40)
    hashes = leaves(40)
    assert [merkle.root(node, size) for size in range(41)] == [mth(hashes[:size]) for size in range(41)]


def test_a_changed_leaf_or_proof_does_not_verify():
    n = 21
    _, node = stored(n)
    hashes = leaves(n)
    top = mth(hashes)
    proof = merkle.inclusion_proof(node, 5, n)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"edited"), 5, n, proof, top)
    assert not merkle.verify_inclusion(hashes[5], 6, n, proof, top)
    assert not merkle.verify_inclusion(hashes[5], 5, n, proof[:-1], top)
    assert not merkle.verify_inclusion(hashes[5], 5, n, [proof[0][::-1], *proof[1:]], top)


def test_a_rewritten_history_is_not_consistent_with_the_checkpoint_before_it():
    honest = leaves(30)
    rewritten = [*honest[:10], merkle.leaf_hash(b"quietly changed"), *honest[11:], *leaves(35)[30:]]
    frontier, nodes = merkle.Frontier(), {}
    for leaf in rewritten:
        for level, index, value in frontier.append(leaf):
            nodes[(level, index)] = value
    proof = merkle.consistency_proof(lambda level, index: nodes[(level, index)], 30, 35)
    assert not merkle.verify_consistency(30, 35, mth(honest), frontier.root(), proof)
    assert merkle.verify_consistency(30, 35, mth(rewritten[:30]), frontier.root(), proof)


def test_a_leaf_cannot_pass_for_a_node():
    left, right = leaves(2)
    assert merkle.leaf_hash(left + right) != merkle.node_hash(left, right)


def test_proofs_stay_logarithmic():
    n = 1_000_000
    calls = []

    def node(level, index):
        calls.append((level, index))
        return hashlib.sha256(f"{level}/{index}".encode()).digest()

    assert len(merkle.inclusion_proof(node, 123_456, n)) <= math.ceil(math.log2(n))
    assert len(merkle.consistency_proof(node, 765_432, n)) <= 2 * math.ceil(math.log2(n))
    assert len(calls) <= 4 * math.ceil(math.log2(n)) ** 2  # stored subtrees read, not leaves


def test_sizes_outside_the_tree_are_refused():
    _, node = stored(4)
    with pytest.raises(ValueError):
        merkle.inclusion_proof(node, 4, 4)
    with pytest.raises(ValueError):
        merkle.consistency_proof(node, 0, 4)
    assert not merkle.verify_consistency(5, 4, b"", b"", [])
    assert not merkle.verify_inclusion(b"", 0, 0, [], b"")


@pytest.mark.parametrize("n", [1, 2, 3, 6, 7, 8, 13, 32, 33])
def test_a_frontier_rebuilt_from_stored_subtrees_appends_as_the_original(n):
    original, node = stored(n)
    resumed = merkle.Frontier.of(n, node)
    assert resumed == original
    extra = merkle.leaf_hash(b"next")
    assert resumed.append(extra) == original.append(extra)
    assert resumed.root() == mth([*leaves(n), extra])


def test_reads_names_exactly_the_subtrees_a_proof_uses():
    _, node = stored(1000)
    used = []

    def watched(level, index):
        used.append((level, index))
        return node(level, index)

    merkle.consistency_proof(watched, 300, 1000)
    merkle.inclusion_proof(watched, 777, 1000)
    assert merkle.reads(lambda n: merkle.consistency_proof(n, 300, 1000)) | merkle.reads(
        lambda n: merkle.inclusion_proof(n, 777, 1000)
    ) == set(used)
    assert len(set(used)) < 40  # a few reads per level of the tree
