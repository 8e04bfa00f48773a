"""What a witness makes of a stage's checkpoint (domain/transparency.judge), and what a
checkpoint must be to be read at all: pure rules, on hand-made logs."""

import pytest

from chalicelib.domain import merkle
from chalicelib.domain.hashchain import record_hash
from chalicelib.domain.transparency import ChangelogHead, Checkpoint, Verdict, changes_extend, judge

LEAVES = [merkle.leaf_hash(f"event {i}".encode()) for i in range(12)]


def node(level, index):
    frontier = merkle.Frontier()
    for leaf in LEAVES[index << level : (index + 1) << level]:
        frontier.append(leaf)
    return frontier.root()


def chain(n, reason="改"):
    records, previous = [], None
    for seq in range(1, n + 1):
        record = {"seq": seq, "reason": reason, "prev_hash": previous}
        previous = record_hash(record)
        records.append({**record, "hash": previous})
    return records


CHANGES = chain(6)


def checkpoint(number, size, seq, leaves_root=None):
    head = ChangelogHead(seq, CHANGES[seq - 1]["hash"] if seq else None)
    root = leaves_root or merkle.root(node, size)
    return Checkpoint("peer", number, size, root.hex(), head, "2026-12-01T00:00:00Z")


def proof(old, new):
    return merkle.consistency_proof(node, old, new) if old else []


def test_the_first_checkpoint_is_held_and_one_that_extends_it_is_accepted():
    first, second = checkpoint(1, 5, 2), checkpoint(2, 9, 4)
    assert judge(None, first, [], [])[0] is Verdict.ACCEPTED
    assert judge(first, second, proof(5, 9), CHANGES[2:4]) == (Verdict.ACCEPTED, "extends checkpoint 1")


def test_from_an_empty_tree_any_tree_extends_without_a_proof():
    empty, later = checkpoint(1, 0, 0, merkle.EMPTY_ROOT), checkpoint(2, 3, 1)
    assert judge(empty, later, [], CHANGES[:1])[0] is Verdict.ACCEPTED


@pytest.mark.parametrize(
    ("incoming", "consistency", "changes", "why"),
    [
        (checkpoint(2, 9, 4, b"\x07" * 32), proof(5, 9), CHANGES[2:4], "the tree does not extend"),
        (checkpoint(2, 4, 2), [], [], "the tree does not extend"),
        (checkpoint(2, 9, 4), proof(4, 9), CHANGES[2:4], "the tree does not extend"),
        (checkpoint(2, 9, 4), proof(5, 9), chain(4, "改写")[2:4], "the change log does not extend"),
        (checkpoint(2, 9, 4), proof(5, 9), CHANGES[3:4], "the change log does not extend"),
        (checkpoint(2, 9, 1), proof(5, 9), [], "the change log does not extend"),
    ],
)
def test_a_checkpoint_that_does_not_extend_the_one_held_is_inconsistent(incoming, consistency, changes, why):
    held = checkpoint(1, 5, 2)
    verdict, reason = judge(held, incoming, consistency, changes)
    assert verdict is Verdict.INCONSISTENT and reason.startswith(why)


def test_a_second_checkpoint_with_a_number_held_is_inconsistent_and_the_same_one_again_is_held():
    held, same = checkpoint(2, 9, 4), checkpoint(2, 9, 4)
    other = checkpoint(2, 8, 4)
    assert judge(held, same, [], [], same_number=held)[0] is Verdict.HELD
    assert judge(held, other, [], [], same_number=held)[0] is Verdict.INCONSISTENT
    earlier_kept, earlier_forged = checkpoint(1, 5, 2), checkpoint(1, 4, 2)
    assert judge(held, earlier_forged, [], [], same_number=earlier_kept)[0] is Verdict.INCONSISTENT
    assert (
        judge(held, earlier_forged, [], [], same_number=None)[0] is Verdict.HELD
    )  # never held: nothing to compare


def test_a_checkpoint_that_skips_one_waits_for_it():
    assert judge(checkpoint(1, 5, 2), checkpoint(3, 9, 4), [], [])[0] is Verdict.EARLY


def test_changes_extend_needs_every_record_in_order_each_recomputing():
    held, new = ChangelogHead(2, CHANGES[1]["hash"]), ChangelogHead(5, CHANGES[4]["hash"])
    assert changes_extend(held, new, CHANGES[2:5])
    assert not changes_extend(held, new, [CHANGES[2], CHANGES[4]])
    edited = [*CHANGES[2:4], {**CHANGES[4], "reason": "改过"}]
    assert not changes_extend(held, new, edited)
    assert changes_extend(held, held, []) and not changes_extend(held, ChangelogHead(2, "0" * 64), [])
    assert not changes_extend(new, held, [])  # it never shrinks


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": -1},
        {"number": True},
        {"root_hash": "ABC"},
        {"root_hash": "A" * 64},
        {"changelog": {"seq": 1}},
        {"hash": "0" * 64},
        {"stage": None} | {"number": "1"},
    ],
)
def test_a_checkpoint_that_is_not_one_is_not_read(change):
    view = checkpoint(1, 5, 2).to_view()
    with pytest.raises((KeyError, TypeError, ValueError)):
        Checkpoint.from_view({**view, **change})
