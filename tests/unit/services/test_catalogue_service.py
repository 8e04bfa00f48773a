"""CatalogueService's rules on the in-memory adapters: units and their homes, proof items and
their hash-chained change log, search, matters and what they ask of a citizen, the figures."""

import dataclasses

import pytest

from chalicelib.adapters.memory.catalogue import MemoryCatalogueRepository
from chalicelib.domain.catalogue import ProofChange
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from chalicelib.domain.units import Level, Unit
from chalicelib.services.catalogue import CatalogueService, ProofFinder
from chalicelib.services.ports import ProofFilter
from tests.support.catalogue import CITY_UNIT, proof_body
from tests.unit.services.conftest import STAGE, new_proof

COUNTY_UNIT = {"unit_id": "dq-gaj", "name": "德清县公安局", "level": "county", "county": "deqing"}


def change(version, reason="依据文件调整", **fields):
    return ProofChange(expected_version=version, reason=reason, fields=fields)


def test_a_unit_is_registered_once_on_this_stage_and_told_to_every_peer(store, clock, new_id):
    # Given a stage with two peers
    service = CatalogueService(
        MemoryCatalogueRepository(store, STAGE), clock, new_id, "huzhou", STAGE, lambda: ["peer", "peer2"]
    )

    unit = service.register_unit(dict(CITY_UNIT))
    with pytest.raises(Conflict) as twice:
        service.register_unit(dict(CITY_UNIT))

    assert unit.stage == STAGE and service.unit("hz-gaj") == unit
    assert twice.value.code == "unit_exists"
    assert [(m.to_stage, m.type, m.body["unit_id"]) for m in store.messages] == [
        ("peer", "unit.registered", "hz-gaj"),
        ("peer2", "unit.registered", "hz-gaj"),
    ]


def test_a_unit_sits_under_a_known_parent_of_its_level_or_above(catalogue, city_unit):
    county = catalogue.register_unit({**COUNTY_UNIT, "parent_unit": "hz-gaj"})
    with pytest.raises(RuleViolation) as unknown:
        catalogue.register_unit({**COUNTY_UNIT, "unit_id": "x", "parent_unit": "nowhere"})
    with pytest.raises(RuleViolation) as lower:
        catalogue.register_unit({**CITY_UNIT, "unit_id": "hz-x", "parent_unit": "dq-gaj"})

    assert county.parent_unit == "hz-gaj"
    assert (unknown.value.code, lower.value.code) == ("unknown_unit", "invalid_parent_unit")
    with pytest.raises(NotFound):
        catalogue.unit("x")


def test_unit_names_leaves_out_ids_no_unit_has(catalogue, city_unit):
    assert list(catalogue.unit_names(["hz-gaj", "nowhere", "hz-gaj"])) == ["hz-gaj"]


def test_a_unit_acts_on_its_home_stage_only(catalogue, store, city_unit):
    MemoryCatalogueRepository(store).add_unit(
        Unit("dq-gaj", "德清县公安局", Level.COUNTY, "deqing", stage="peer")
    )

    assert catalogue.acting_unit("hz-gaj").unit_id == "hz-gaj"
    with pytest.raises(Forbidden) as elsewhere:
        catalogue.acting_unit("dq-gaj")
    with pytest.raises(Forbidden) as unknown:
        catalogue.acting_unit("nowhere")

    assert (elsewhere.value.code, elsewhere.value.details) == ("unit_not_homed_here", {"stage": "peer"})
    assert unknown.value.code == "unit_not_registered"


def test_a_new_item_starts_at_version_1_is_logged_alerted_and_counted(catalogue, city_unit, store):
    proof_id = new_proof(catalogue)

    item = catalogue.proof(proof_id)
    assert (item.version, item.disposition.value) == (1, "remote_verification")
    assert [(a.event_type, a.target_unit, a.resource_id) for a in store.outbox] == [
        ("catalogue.changed", "*", proof_id)
    ]
    assert [
        (r.seq, r.from_disposition, r.to_disposition) for r in catalogue.changes(None, 10, None).items
    ] == [(1, None, "remote_verification")]
    assert catalogue.proof(proof_id, consistent=True) == item
    assert store.counters["CATALOGUE"]["remote_verification"] == 1


def test_a_chosen_id_is_kept_and_taken_once_and_a_unit_not_registered_here_issues_nothing(
    catalogue, city_unit, store
):
    assert new_proof(catalogue, proof_id="PF-R001") == "PF-R001"
    with pytest.raises(Conflict) as taken:
        new_proof(catalogue, proof_id="PF-R001")
    MemoryCatalogueRepository(store).add_unit(
        Unit("dq-gaj", "德清县公安局", Level.COUNTY, "deqing", stage="peer")
    )
    for elsewhere in ("nowhere", "dq-gaj"):
        with pytest.raises(RuleViolation) as refused:
            new_proof(catalogue, issuing_unit=elsewhere)
        assert refused.value.code == "unknown_unit"

    assert taken.value.code == "proof_exists"
    assert catalogue.search_proofs(ProofFilter(), 10, None).items == [catalogue.proof("PF-R001")]


def test_a_change_bumps_the_version_moves_the_figures_and_a_stale_one_is_refused(catalogue, city_unit, store):
    proof_id = new_proof(catalogue)

    changed = catalogue.change_proof(proof_id, change(1, disposition="cancelled", rule="no_legal_basis"))
    with pytest.raises(Conflict) as stale:
        catalogue.change_proof(proof_id, change(1, name="x"))
    with pytest.raises(NotFound):
        catalogue.change_proof("PF-NONE", change(1, name="x"))

    assert (changed.version, changed.disposition.value) == (2, "cancelled")
    assert (stale.value.code, stale.value.details) == ("version_conflict", {"current_version": 2})
    assert catalogue.proof(proof_id) == changed
    counted = store.counters["CATALOGUE"]
    assert (counted["remote_verification"], counted["cancelled"]) == (0, 1)


def test_every_version_is_in_the_change_log_each_record_linked_to_the_one_before(catalogue, city_unit, clock):
    proof_id = new_proof(catalogue)
    clock.at(minutes=1)
    catalogue.change_proof(proof_id, change(1, disposition="cancelled", rule="no_legal_basis"))
    clock.at(minutes=2)
    catalogue.change_proof(proof_id, change(2, disposition="retained", guidance="到派出所开具"))

    records = catalogue.changes(None, 10, None).items
    later = catalogue.changes("2026-11-26T08:01:00Z", 10, None).items
    first_page = catalogue.changes(None, 2, None)

    assert [(r.seq, r.version, r.from_disposition, r.to_disposition) for r in records] == [
        (1, 1, None, "remote_verification"),
        (2, 2, "remote_verification", "cancelled"),
        (3, 3, "cancelled", "retained"),
    ]
    assert [r.prev_hash for r in records] == [None, records[0].hash, records[1].hash]
    assert [dataclasses.replace(r, hash="").to_view()["hash"] for r in records] == [r.hash for r in records]
    assert [r.seq for r in later] == [2, 3]
    assert [r.seq for r in catalogue.changes(None, 2, first_page.next_key).items] == [3]


@pytest.mark.parametrize(
    ("where", "names"),
    [
        (ProofFilter(disposition="cancelled"), ["无犯罪记录证明"]),
        (ProofFilter(issuing_unit="hz-mz"), ["婚姻状况证明"]),
        (ProofFilter(issuing_unit="hz-gaj", disposition="remote_verification"), ["亲属关系证明"]),
        (ProofFilter(text="PROOF OF"), ["亲属关系证明", "无犯罪记录证明", "婚姻状况证明"]),
        (ProofFilter(text="婚姻"), ["婚姻状况证明"]),
    ],
)
def test_search_filters_by_disposition_unit_and_text_in_either_name(catalogue, city_unit, where, names):
    catalogue.register_unit({**CITY_UNIT, "unit_id": "hz-mz", "name": "湖州市民政局"})
    new_proof(catalogue, proof_id="PF-1")
    new_proof(catalogue, proof_id="PF-2", name="无犯罪记录证明", name_en="Proof of no criminal record",
              disposition="cancelled", rule="no_legal_basis")  # fmt: skip
    new_proof(
        catalogue,
        proof_id="PF-3",
        name="婚姻状况证明",
        name_en="Proof of marital status",
        issuing_unit="hz-mz",
    )

    found = catalogue.search_proofs(where, 10, None)

    assert [item.name for item in found.items] == names


def test_search_pages_through_everything_exactly_once(catalogue, city_unit):
    made = sorted(new_proof(catalogue) for _ in range(5))
    seen, start = [], None
    while True:
        page = catalogue.search_proofs(ProofFilter(), 2, start)
        seen += [item.proof_id for item in page.items]
        if page.next_key is None:
            break
        start = page.next_key

    assert seen == made


def test_a_matter_lists_known_proofs_once_and_says_what_each_asks_of_the_citizen(catalogue, city_unit):
    kept = new_proof(catalogue, proof_id="PF-K", disposition="retained", rule=None, guidance="到派出所开具")
    checked = new_proof(catalogue, proof_id="PF-C")
    matter = catalogue.create_matter(
        {"matter_code": "MT-1", "name": "户口迁移", "unit_id": "hz-gaj", "proofs": [kept, checked, kept]}
    )

    needs = catalogue.matter_requirements("MT-1")

    assert matter.proofs == ("PF-K", "PF-C") and catalogue.matter("MT-1") == matter
    assert [(row["proof_id"], row["action"]) for row in needs["requirements"]] == [
        ("PF-K", "bring_proof"),
        ("PF-C", "none"),
    ]
    assert needs["proofs_required"] == 1


def test_a_matter_is_refused_for_unknown_proofs_or_units_and_its_code_is_taken_once(catalogue, city_unit):
    new_proof(catalogue, proof_id="PF-1")
    body = {"matter_code": "MT-1", "name": "户口迁移", "unit_id": "hz-gaj", "proofs": ["PF-1"]}
    catalogue.create_matter(body)

    with pytest.raises(Conflict) as taken:
        catalogue.create_matter(body)
    with pytest.raises(RuleViolation) as unknown_proof:
        catalogue.create_matter({**body, "matter_code": "MT-2", "proofs": ["PF-1", "PF-X", "PF-Y"]})
    with pytest.raises(RuleViolation) as unknown_unit:
        catalogue.create_matter({**body, "matter_code": "MT-3", "unit_id": "nowhere"})

    assert taken.value.code == "matter_exists"
    assert (unknown_proof.value.code, unknown_proof.value.details) == (
        "unknown_proof",
        {"proof_ids": ["PF-X", "PF-Y"]},
    )
    assert unknown_unit.value.code == "unknown_unit"
    with pytest.raises(NotFound):
        catalogue.matter("MT-2")


def test_a_matter_may_ask_for_a_peers_proof_as_mirrored_here(store, clock, new_id, city_unit):
    # Given a peer's proof item, mirrored from the peer's change log
    class Mirror:
        def peer_proof(self, stage, proof_id):
            if (stage, proof_id) != ("peer", "PF-PEER"):
                return None
            at = "2026-11-01T00:00:00Z"
            fields = {"proof_id": proof_id, "version": 1, "guidance": None, "commitment": None}
            return {**proof_body(issuing_unit="dq-gaj"), **fields, "created_at": at, "updated_at": at}

    repo = MemoryCatalogueRepository(store, STAGE)
    finder = ProofFinder(repo, Mirror(), lambda: ["peer"])
    service = CatalogueService(repo, clock, new_id, "huzhou", STAGE, lambda: ["peer"], finder)

    matter = service.create_matter(
        {"matter_code": "MT-P", "name": "x", "unit_id": "hz-gaj", "proofs": ["PF-PEER"]}
    )

    assert matter.proofs == ("PF-PEER",)
    assert service.matter_requirements("MT-P")["requirements"][0]["name"] == "亲属关系证明"


# A stage that joins the federation


def test_a_stage_that_joins_is_told_every_unit_homed_here_parents_first_then_every_proof(
    catalogue, store, city_unit
):
    # Given units homed here (a child whose id sorts before its parent's), a peer's unit known
    # here, and three proof items
    catalogue.register_unit({**COUNTY_UNIT, "unit_id": "ax-gaj", "parent_unit": "hz-gaj"})
    catalogue.register_unit({**CITY_UNIT, "unit_id": "hz-rsj", "name": "湖州市人社局"})
    MemoryCatalogueRepository(store).add_unit(
        Unit("dq-gaj", "德清县公安局", None, Level.COUNTY, "deqing", None, "peer")
    )
    proofs = [new_proof(catalogue, name=f"证明 {n}") for n in range(3)]
    store.messages.clear()

    # When a stage joins
    sent = catalogue.introduce("peer2")

    # Then it is sent every unit homed here, each after its parent, then every proof item as
    # it stands, each saying it is this stage's
    told = [(m.to_stage, m.type, m.body.get("unit_id") or m.body["proof_id"]) for m in store.messages]
    units = [key for _, kind, key in told if kind == "unit.registered"]
    assert sent == len(told) == 6 and {to for to, _, _ in told} == {"peer2"}
    assert sorted(units) == ["ax-gaj", "hz-gaj", "hz-rsj"] and units.index("hz-gaj") < units.index("ax-gaj")
    assert [key for _, _, key in told[3:]] == sorted(proofs)
    assert {kind for _, kind, _ in told[3:]} == {"proof.changed"}
    assert all(m.body["stage"] == STAGE for m in store.messages)


def test_an_introduction_larger_than_one_transaction_is_sent_whole(catalogue, store, city_unit):
    for n in range(60):
        new_proof(catalogue, name=f"证明 {n}")
    store.messages.clear()

    assert catalogue.introduce("peer2") == 61
    assert len({m.message_id for m in store.messages}) == 61
