"""Concurrent catalogue writes against DynamoDB Local: nothing lost, nothing duplicated."""

from chalicelib import wiring
from chalicelib.domain.catalogue import ProofChange
from chalicelib.domain.errors import Conflict
from chalicelib.domain.hashchain import chain_is_valid
from tests.support import proof_body, run_together


def all_changes():
    return [r.to_view() for r in wiring.catalogue().changes(None, 100, None).items]


def test_two_patches_of_the_same_version_one_wins_one_gets_409(api, unit):
    service = wiring.catalogue()
    proof_id = service.create_proof(proof_body()).proof_id
    changes = [
        ProofChange(1, "甲", fields={"disposition": "data_sharing", "rule": "data_sharing"}),
        ProofChange(1, "乙", fields={"disposition": "retained", "guidance": "窗口"}),
    ]
    results = run_together([lambda c=c: wiring.catalogue().change_proof(proof_id, c) for c in changes])
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == "version_conflict"
    stored = service.proof(proof_id)
    assert (stored.version, stored.disposition) == (2, winners[0].disposition)
    records = all_changes()
    assert [r["version"] for r in records] == [1, 2] and chain_is_valid(records)
    counts = wiring.stats().figures()["catalogue"]["by_disposition"]
    assert sum(counts.values()) == 1 and counts[winners[0].disposition.value] == 1


def test_concurrent_changes_to_different_items_all_land_in_one_unbroken_chain(api, unit):
    calls = [lambda i=i: wiring.catalogue().create_proof(proof_body(proof_id=f"PF-{i}")) for i in range(8)]
    results = run_together(calls)
    assert not [r for r in results if isinstance(r, Exception)], results
    records = all_changes()
    assert [r["seq"] for r in records] == list(range(1, 9))
    assert sorted(r["proof_id"] for r in records) == sorted(f"PF-{i}" for i in range(8))
    assert chain_is_valid(records)
    assert wiring.stats().figures()["catalogue"]["total"] == 8


def test_two_creations_of_the_same_id_store_one_item(api, unit):
    results = run_together([lambda: wiring.catalogue().create_proof(proof_body(proof_id="PF-1"))] * 2)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "ProofItem"]
    assert [r["proof_id"] for r in all_changes()] == ["PF-1"]
    assert wiring.stats().figures()["catalogue"]["total"] == 1
