"""The transparency log on the in-memory adapters: trail events sequenced into the Merkle tree,
signed checkpoints that cover the catalogue's change log, proofs an outsider checks, and the
audit that finds an event changed after it was logged."""

import dataclasses

import pytest

from chalicelib.adapters import jws
from chalicelib.adapters.directory_keys import AnchorKey, JwsDirectoryCheck
from chalicelib.adapters.memory.directory import MemoryDirectoryStore
from chalicelib.adapters.memory.relay import LOG_QUEUE
from chalicelib.adapters.memory.store import MemoryStore
from chalicelib.domain import merkle
from chalicelib.domain.errors import NotFound, RuleViolation
from chalicelib.domain.hashchain import record_hash
from chalicelib.domain.transparency import DIRECTORY_LEAVES, Leaf
from chalicelib.services.directory import DirectoryService, Federation
from tests.support.relay import relay_body
from tests.unit.services.conftest import STAGE, agency, new_proof
from tests.unit.services.test_directory_service import Key, entry


@pytest.fixture
def answered(catalogue, relay, city_unit):
    """Given a request from hz-rsj to hz-gaj, accepted and answered: three trail events."""
    catalogue.register_unit({"unit_id": "hz-rsj", "name": "人社局", "level": "city", "county": "huzhou"})
    proof_id = new_proof(catalogue)
    request_id = relay.create(agency("hz-rsj"), relay_body(proof_id=proof_id)).request_id
    relay.accept(agency("hz-gaj"), request_id)
    relay.respond(agency("hz-gaj"), request_id, {"outcome": "confirmed", "attestation": {}})
    return request_id


def test_a_checkpoint_logs_every_event_covers_the_change_log_and_is_signed(transparency, answered, notary):
    run = transparency.issue_checkpoint()
    checkpoint = run.checkpoint

    assert run.sequenced == 3 and (checkpoint.number, checkpoint.tree_size) == (1, 3)
    assert checkpoint.changelog.seq == 1  # the proof item's creation
    assert notary.verifies(
        "local", checkpoint.signature["kid"], checkpoint.signed_bytes, checkpoint.signature["value"]
    )
    assert transparency.issue_checkpoint().checkpoint is None  # nothing moved since


def test_each_event_is_proved_in_the_checkpoint_and_a_later_checkpoint_extends_it(
    transparency, log_proofs, relay, answered
):
    first = transparency.issue_checkpoint().checkpoint
    relay.trail(agency("hz-rsj"), answered)  # no event: reading the trail changes nothing
    relay.view(agency("hz-rsj"), answered)  # a first look is recorded: one more event
    second = transparency.issue_checkpoint().checkpoint

    proofs = log_proofs.inclusion(answered, [1, 2, 3, 4])
    consistency = log_proofs.consistency(first.tree_size, second.tree_size)

    events = relay.trail(agency("hz-rsj"), answered)["events"]
    for proved in proofs["inclusion"]:
        leaf = Leaf(answered, proved["seq"], events[proved["seq"] - 1]["hash"]).hash
        path = [bytes.fromhex(h) for h in proved["audit_path"]]
        assert merkle.verify_inclusion(leaf, proved["leaf_index"], proved["tree_size"], path, second.root)
    assert [p["seq"] for p in proofs["inclusion"]] == [1, 2, 3, 4]
    path = [bytes.fromhex(h) for h in consistency["proof"]]
    assert merkle.verify_consistency(first.tree_size, second.tree_size, first.root, second.root, path)
    assert log_proofs.latest() == second.to_view() and log_proofs.checkpoint(1) == first.to_view()


def test_proofs_refuse_what_was_never_signed(transparency, log_proofs, answered):
    with pytest.raises(NotFound):
        log_proofs.latest()
    transparency.issue_checkpoint()

    with pytest.raises(NotFound):
        log_proofs.checkpoint(2)
    with pytest.raises(RuleViolation) as unknown:
        log_proofs.consistency(1, 4)
    assert unknown.value.code == "tree_size_unknown"


def test_an_event_changed_after_it_was_logged_is_found_and_supervisors_are_alerted_once(
    transparency, answered, store
):
    transparency.issue_checkpoint()
    events = store.records["trail_event"]
    key = min(events)
    events[key] = dataclasses.replace(events[key], actor="someone-else")
    store.outbox.clear()

    first, again = transparency.audit(), transparency.audit()

    assert first == again == ("event_changed",)
    assert [(a.event_type, a.target_unit) for a in store.outbox] == [
        ("transparency.inconsistent", "supervision")
    ]


def test_the_daily_audit_reads_the_log_in_slices_and_the_change_log_once_a_day(transparency, answered, clock):
    transparency.issue_checkpoint()

    first = transparency.audit_step()
    clock.at(hours=1)
    later = transparency.audit_step()
    clock.at(days=1, minutes=1)
    next_day = transparency.audit_step()

    assert (first.daily, later.daily, next_day.daily) == (True, False, True)
    assert first.problems == later.problems == next_day.problems == ()


# The anchor's directory versions are leaves of its log


@pytest.fixture
def anchor_key():
    return Key()


@pytest.fixture
def anchor_directory(store, clock, anchor_key):
    """Given this stage is the federation's anchor, publishing on the same store as its log."""
    federation = Federation(STAGE, STAGE, "", (anchor_key.public_jwk,))
    return DirectoryService(
        MemoryDirectoryStore(store),
        federation,
        JwsDirectoryCheck(),
        clock,
        list,
        lambda: AnchorKey(anchor_key),
        print,
    )


def listing(version: int, *names: str) -> dict:
    return {"version": version, "stages": [entry(name, Key()) for name in (STAGE, *names)]}


def test_each_directory_version_the_anchor_publishes_is_a_leaf_an_outsider_proves(
    transparency, log_proofs, anchor_directory, store
):
    anchor_directory.publish(listing(1, "wuxing"))
    anchor_directory.publish(listing(2, "wuxing", "nanxun"))

    checkpoint = transparency.issue_checkpoint().checkpoint

    assert checkpoint.tree_size == 2
    proofs = log_proofs.inclusion(DIRECTORY_LEAVES, [1, 2])["inclusion"]
    assert [p["seq"] for p in proofs] == [1, 2]
    for proved, version in zip(proofs, (1, 2), strict=True):
        # An outsider recomputes the leaf from the signed payload alone
        payload = jws.payload_of(store.records["directory"][version])
        leaf = Leaf(DIRECTORY_LEAVES, version, record_hash(payload)).hash
        path = [bytes.fromhex(h) for h in proved["audit_path"]]
        assert merkle.verify_inclusion(leaf, proved["leaf_index"], proved["tree_size"], path, checkpoint.root)
    assert transparency.audit() == ()


@pytest.mark.parametrize(
    ("damage", "found"),
    [("changed", "directory_version_changed"), ("missing", "directory_version_missing")],
)
def test_a_directory_version_changed_or_lost_after_it_was_logged_is_found(
    transparency, anchor_directory, store, damage, found
):
    anchor_directory.publish(listing(1, "wuxing"))
    anchor_directory.publish(listing(2, "nanxun"))
    transparency.issue_checkpoint()
    kept = store.records["directory"]
    if damage == "changed":
        kept[1] = kept[2]  # version 1 rewritten (with a valid signature, of another version)
    else:
        del kept[1]
    store.outbox.clear()

    assert transparency.audit() == (found,)
    assert [a.event_type for a in store.outbox] == ["transparency.inconsistent"]


def test_a_stage_that_takes_a_version_logs_nothing_of_it(store, anchor_directory, anchor_key, clock):
    published = anchor_directory.publish(listing(1, "wuxing"))
    taker_store = MemoryStore()
    taker = DirectoryService(
        MemoryDirectoryStore(taker_store),
        Federation("wuxing", STAGE, "", (anchor_key.public_jwk,)),
        JwsDirectoryCheck(),
        clock,
        list,
        lambda: None,
        print,
    )

    taker.take(published.signed)

    assert taker.held().version == 1
    assert not taker_store.records[LOG_QUEUE]  # the version is in the anchor's log only
    assert list(store.records[LOG_QUEUE]) == [f"{DIRECTORY_LEAVES}#000001"]
