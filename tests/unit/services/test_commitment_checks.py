"""CommitmentChecks on the in-memory adapters: the handling unit checks a commitment through
the relay with the unit that issues the proof, and the commitment follows the answer."""

import pytest

from chalicelib.adapters.memory.commitments import MemoryCommitmentRepository
from chalicelib.adapters.memory.relay import MemoryRelayRepository
from chalicelib.domain.errors import Conflict, Forbidden
from tests.support.catalogue import proof_body
from tests.unit.services.conftest import agency, citizen

HANDLER, ISSUER = agency("hz-mzj"), agency("hz-gaj")


@pytest.fixture
def commitment_id(catalogue, commitments):
    """Given a commitment in matter MT-1 of hz-mzj, instead of PF-1, a proof hz-gaj issues."""
    for unit_id in ("hz-mzj", "hz-gaj"):
        catalogue.register_unit({"unit_id": unit_id, "name": unit_id, "level": "city", "county": "huzhou"})
    terms = {"verification": "all", "verify_within_days": 20}
    catalogue.create_proof(
        proof_body(proof_id="PF-1", disposition="commitment", rule="written_commitment", commitment=terms)
    )
    catalogue.create_matter({"matter_code": "MT-1", "name": "低保", "unit_id": "hz-mzj", "proofs": ["PF-1"]})
    version = commitments.notice("PF-1")["notice_version"]
    body = {"proof_id": "PF-1", "matter_code": "MT-1", "notice_version": version, "accepted": True}
    return commitments.submit(citizen(), body).commitment_id


def responds(relay, outcome):
    return lambda request_id: relay.respond(ISSUER, request_id, {"outcome": outcome, "attestation": {}})


def answer(relay, store, checks, request_id, step):
    """The issuing unit answers, and the alert that goes out brings the commitment along."""
    relay.accept(ISSUER, request_id)
    step(request_id)
    checks.follow(store.outbox[-1])


def test_a_confirmed_answer_verifies_the_commitment(checks, relay, store, commitments, commitment_id):
    started = checks.start(HANDLER, commitment_id, {})
    request = MemoryRelayRepository(store).get(started.check_request_id)

    answer(relay, store, checks, request.request_id, responds(relay, "confirmed"))

    assert (request.target_unit, request.commitment_id) == ("hz-gaj", commitment_id)
    checked = MemoryCommitmentRepository(store).get(commitment_id)
    assert (checked.status.value, checked.check_outcome, checked.check_method) == (
        "verified",
        "confirmed",
        "relay",
    )


def test_a_not_confirmed_answer_leaves_the_decision_to_the_handling_unit_with_a_deadline(
    checks, relay, store, commitments, commitment_id
):
    request_id = checks.start(HANDLER, commitment_id, {}).check_request_id

    answer(relay, store, checks, request_id, responds(relay, "not_confirmed"))

    followed = MemoryCommitmentRepository(store).get(commitment_id)
    assert (followed.status.value, followed.check_outcome) == ("verification_due", "not_confirmed")
    assert followed.decide_by == "2026-12-03T08:00:00Z"
    assert store.outbox[-1].event_type == "commitment.check_not_confirmed"


def test_only_the_handling_unit_starts_a_check_and_only_one_at_a_time(checks, relay, commitment_id):
    with pytest.raises(Forbidden):
        checks.start(ISSUER, commitment_id, {})
    first = checks.start(HANDLER, commitment_id, {})
    with pytest.raises(Conflict) as again:
        checks.start(HANDLER, commitment_id, {})

    assert again.value.code == "check_in_progress"
    assert again.value.details == {"request_id": first.check_request_id}


def test_a_rejected_check_may_be_started_again(checks, relay, store, commitment_id):
    first = checks.start(HANDLER, commitment_id, {}).check_request_id
    answer(relay, store, checks, first, lambda rid: relay.reject(ISSUER, rid, {"reason": "no_record"}))

    second = checks.start(HANDLER, commitment_id, {}).check_request_id

    assert second != first


def test_withdrawing_the_commitment_cancels_its_check(checks, relay, store, commitments, commitment_id):
    request_id = checks.start(HANDLER, commitment_id, {}).check_request_id
    commitments.withdraw(citizen(), commitment_id)

    checks.follow(store.outbox[-1])  # commitment.withdrawn went out

    assert MemoryRelayRepository(store).get(request_id).status.value == "cancelled"
