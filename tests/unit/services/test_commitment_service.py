"""CommitmentService's rules on the in-memory adapters: the notice, submitting instead of a
proof, the sample, verification, a false commitment barring the applicant, withdrawal, lists,
overdue checks."""

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.support.catalogue import proof_body
from tests.unit.services.conftest import SUPERVISOR, agency, citizen

OTHER = citizen("330102199001011234", "李四")


@pytest.fixture
def matter(catalogue):
    """hz-mzj issues PF-ALL (every commitment checked within 20 days) and PF-SAMPLE (a quarter,
    30 days), and handles matter MT-1, which also asks for PF-DATA (shared data: no commitment)."""
    for unit_id in ("hz-mzj", "hz-gaj"):
        catalogue.register_unit({"unit_id": unit_id, "name": unit_id, "level": "city", "county": "huzhou"})
    terms = {
        "PF-ALL": {"verification": "all", "verify_within_days": 20},
        "PF-SAMPLE": {"verification": "sample", "sample_rate": 0.25, "verify_within_days": 30},
    }
    for proof_id, commitment in terms.items():
        catalogue.create_proof(
            proof_body(
                proof_id=proof_id,
                issuing_unit="hz-mzj",
                disposition="commitment",
                rule="written_commitment",
                commitment=commitment,
            )
        )
    catalogue.create_proof(
        proof_body(proof_id="PF-DATA", issuing_unit="hz-mzj", disposition="data_sharing", rule="data_sharing")
    )
    proofs = ["PF-ALL", "PF-SAMPLE", "PF-DATA"]
    return catalogue.create_matter(
        {"matter_code": "MT-1", "name": "低保申请", "unit_id": "hz-mzj", "proofs": proofs}
    )


def submit(commitments, proof_id="PF-ALL", who=None, **overrides):
    version = commitments.notice(proof_id)["notice_version"]
    body = {
        "proof_id": proof_id,
        "matter_code": "MT-1",
        "notice_version": version,
        "accepted": True,
        **overrides,
    }
    return commitments.submit(who or citizen(), body)


def test_a_commitment_for_a_proof_checked_in_full_is_due_for_checking_and_alerts_the_unit(
    commitments, matter, store
):
    store.outbox.clear()
    commitment = submit(commitments)

    assert (commitment.status.value, commitment.verify_by) == ("verification_due", "2026-12-16T08:00:00Z")
    assert [(a.event_type, a.target_unit) for a in store.outbox] == [
        ("commitment.verification_due", "hz-mzj")
    ]
    assert store.counters["COMMITMENTS"]["accepted"] == 1


@pytest.mark.parametrize(("draw_value", "status"), [(0.24, "verification_due"), (0.25, "accepted")])
def test_a_sampled_proof_is_checked_when_the_draw_falls_in_the_sample(
    commitments, matter, draw, draw_value, status
):
    draw.value = draw_value

    assert submit(commitments, "PF-SAMPLE").status.value == status


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"proof_id": "PF-DATA"}, RuleViolation, "commitment_not_allowed"),
        ({"notice_version": "0" * 16}, Conflict, "notice_outdated"),
        ({"matter_code": "MT-NONE"}, NotFound, "matter_not_found"),
        ({"proof_id": "PF-NONE"}, NotFound, "proof_not_found"),
    ],
)
def test_a_commitment_against_the_rules_is_refused_and_not_stored(
    commitments, matter, store, overrides, error, code
):
    body = {
        "proof_id": "PF-ALL",
        "matter_code": "MT-1",
        "notice_version": commitments.notice("PF-ALL")["notice_version"],
    }
    with pytest.raises(error) as refused:
        commitments.submit(citizen(), {**body, "accepted": True, **overrides})

    assert refused.value.code == code
    assert commitments.mine(citizen(), 10, None).items == [] and not store.counters["COMMITMENTS"]


def test_the_notice_is_public_and_only_for_a_proof_a_commitment_replaces(commitments, matter):
    notice = commitments.notice("PF-ALL")

    assert notice["proof_id"] == "PF-ALL" and len(notice["notice_version"]) > 0
    with pytest.raises(NotFound) as none:
        commitments.notice("PF-DATA")
    assert none.value.code == "commitment_notice_not_found"


def test_a_false_commitment_is_recorded_alerts_both_units_and_bars_the_applicant(commitments, matter, store):
    commitment = submit(commitments)
    store.outbox.clear()

    found = commitments.verify(agency("hz-mzj"), commitment.commitment_id, {"outcome": "false_commitment"})
    with pytest.raises(Forbidden) as barred:
        submit(commitments)
    others = submit(commitments, who=OTHER)

    assert found.status.value == "false_commitment"
    assert [a.event_type for a in store.outbox] == ["commitment.false", "commitment.verification_due"]
    assert barred.value.code == "commitment_barred" and others.status.value == "verification_due"
    assert store.counters["COMMITMENTS"]["false_commitment"] == 1


def test_only_the_handling_agency_verifies_once_and_only_the_applicant_withdraws(commitments, matter):
    confirmed, withdrawn = submit(commitments), submit(commitments, "PF-SAMPLE")

    with pytest.raises(NotFound):
        commitments.verify(agency("hz-gaj"), confirmed.commitment_id, {"outcome": "confirmed"})  # not its own
    with pytest.raises(Forbidden):
        commitments.verify(citizen(), confirmed.commitment_id, {"outcome": "confirmed"})
    verified = commitments.verify(agency("hz-mzj"), confirmed.commitment_id, {"outcome": "confirmed"})
    with pytest.raises(Conflict) as twice:
        commitments.verify(agency("hz-mzj"), confirmed.commitment_id, {"outcome": "confirmed"})
    with pytest.raises(NotFound):
        commitments.withdraw(OTHER, withdrawn.commitment_id)
    gone = commitments.withdraw(citizen(), withdrawn.commitment_id)

    assert (verified.status.value, verified.check_method) == ("verified", "other")
    assert twice.value.code == "invalid_state" and gone.status.value == "withdrawn"


def test_a_commitment_is_seen_by_its_applicant_its_units_and_supervisors_only(commitments, matter):
    commitment_id = submit(commitments).commitment_id

    own = commitments.view(citizen(), commitment_id)
    for who in (agency("hz-mzj"), SUPERVISOR):
        assert commitments.view(who, commitment_id)["commitment_id"] == commitment_id
    for stranger in (OTHER, agency("hz-gaj")):
        with pytest.raises(NotFound):
            commitments.view(stranger, commitment_id)
    assert own["applicant"]["name"] == "王小明"


def test_the_unit_lists_its_commitments_by_status_and_the_applicant_their_own_newest_first(
    commitments, matter, clock
):
    ids = []
    for minute in range(3):
        clock.at(minutes=minute)
        ids.append(submit(commitments).commitment_id)
    commitments.verify(agency("hz-mzj"), ids[0], {"outcome": "confirmed"})
    other = submit(commitments, who=OTHER).commitment_id

    first = commitments.for_unit(agency("hz-mzj"), None, 2, None)
    rest = commitments.for_unit(agency("hz-mzj"), None, 2, first.next_key)
    due = commitments.for_unit(agency("hz-mzj"), "verification_due", 10, None)

    assert [c.commitment_id for c in first.items + rest.items] == [other, *ids[::-1]]
    assert [c.commitment_id for c in due.items] == [other, ids[2], ids[1]]
    assert [c.commitment_id for c in commitments.mine(citizen(), 10, None).items] == ids[::-1]
    assert commitments.for_unit(agency("hz-mzj"), None, 10, None, handling=True).items == []


def test_a_check_not_made_in_time_is_alerted_once_to_the_handling_unit(commitments, matter, clock, store):
    late = submit(commitments)
    checked = submit(commitments)
    commitments.verify(agency("hz-mzj"), checked.commitment_id, {"outcome": "confirmed"})
    store.outbox.clear()

    early = commitments.alert_overdue_checks()
    clock.at(days=20)
    first, again = commitments.alert_overdue_checks(), commitments.alert_overdue_checks()

    assert (early, first, again) == (0, 1, 0)
    assert [(a.event_type, a.resource_id) for a in store.outbox] == [
        ("commitment.verification_overdue", late.commitment_id)
    ]
