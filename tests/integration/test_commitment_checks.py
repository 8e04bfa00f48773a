"""A written commitment checked through the relay: the matter's unit asks the proof's issuing
unit, and the commitment follows the answer. Against DynamoDB Local; the dispatcher is run by
the test, as the stage's job runs it."""

import pytest

from chalicelib import wiring
from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.domain.commitments import Commitment
from chalicelib.domain.errors import Conflict
from chalicelib.domain.identity import Identity, Role
from tests.support import agency_token, commit_body, run_together
from tests.support.commitments import callers

ANSWER = {"outcome": "confirmed", "attestation": {"record": "民政档案 2026-88"}}


@pytest.fixture
def check_setup(api, admin_token, commitment_setup):
    """hz-rsj handles matter HZ-RS-001, which takes a commitment instead of hz-mzj's PF-M001
    (every one checked); a citizen commits."""
    unit = {"unit_id": "hz-rsj", "name": "湖州市人社局", "level": "city", "county": "huzhou"}
    assert api.post("/units", unit, token=admin_token).status_code == 201
    matter = {
        "matter_code": "HZ-RS-001",
        "name": "就业困难人员认定",
        "unit_id": "hz-rsj",
        "proofs": ["PF-M001"],
    }
    assert api.post("/matters", matter, token=admin_token).status_code == 201
    body = commit_body(api, matter_code="HZ-RS-001")
    receipt = api.post("/commitments", body, token=commitment_setup["citizen"]).data
    assert receipt["status"] == "verification_due"
    return {
        **commitment_setup,
        "commitment_id": receipt["commitment_id"],
        "handling": agency_token("hz-rsj"),
        "issuing": commitment_setup["agency"],
    }


def pending_alerts(resource_id):
    return sorted(
        (a.event_type, a.target_unit) for a in DynamoOutbox().pending(100) if a.resource_id == resource_id
    )


def start(api, setup, body=None):
    """No body at all unless one is given: both fields are optional."""
    return api.post(f"/commitments/{setup['commitment_id']}/relay-check", body, token=setup["handling"])


def answer(api, setup, request_id, outcome="confirmed"):
    assert api.post(f"/verification-requests/{request_id}/accept", token=setup["issuing"]).status_code == 200
    body = {**ANSWER, "outcome": outcome}
    done = api.post(f"/verification-requests/{request_id}/respond", body, token=setup["issuing"])
    assert done.status_code == 200, done.data


def commitment(api, setup):
    return api.get(f"/commitments/{setup['commitment_id']}", token=setup["handling"]).data


def test_both_units_are_alerted_that_a_commitment_is_due_and_the_matter_unit_lists_it(api, check_setup):
    assert pending_alerts(check_setup["commitment_id"]) == [
        ("commitment.verification_due", "hz-mzj"),
        ("commitment.verification_due", "hz-rsj"),
    ]
    handled = api.get(
        "/commitments?as=handling_unit&status=verification_due", token=check_setup["handling"]
    ).data
    assert [c["commitment_id"] for c in handled["items"]] == [check_setup["commitment_id"]]
    assert handled["items"][0]["handling_unit"] == "hz-rsj"
    assert api.get("/commitments", token=check_setup["handling"]).data["items"] == []  # it issues none
    unknown = api.get("/commitments?as=nobody", token=check_setup["handling"])
    assert (unknown.status_code, unknown.data["code"]) == (400, "validation_error")


def test_a_confirmed_check_verifies_the_commitment_and_the_trail_tells_one_story(api, check_setup):
    started = start(api, check_setup)
    assert started.status_code == 201, started.data
    request_id = started.data["check_request_id"]
    assert started.data["status"] == "verification_due" and started.data["check_outcome"] is None
    request = api.get(f"/verification-requests/{request_id}", token=check_setup["handling"]).data
    assert (request["commitment_id"], request["requester_unit"], request["target_unit"]) == (
        check_setup["commitment_id"],
        "hz-rsj",
        "hz-mzj",
    )
    assert request["proof_id"] == "PF-M001" and request["case_ref"] == check_setup["commitment_id"]
    inbox = api.get("/verification-requests?box=inbox", token=check_setup["issuing"]).data["items"]
    assert [r["request_id"] for r in inbox] == [request_id]
    assert pending_alerts(request_id) == [("verification.requested", "hz-mzj")]

    answer(api, check_setup, request_id)
    assert commitment(api, check_setup)["status"] == "verification_due"  # until the answer is relayed
    wiring.dispatcher().dispatch()
    checked = commitment(api, check_setup)
    assert (checked["status"], checked["outcome"], checked["check_outcome"], checked["check_method"]) == (
        "verified",
        "confirmed",
        "confirmed",
        "relay",
    )
    assert checked["verified_at"] is not None
    assert api.get("/stats").data["commitments"]["verified"] == 1
    trail = api.get(f"/verification-requests/{request_id}/trail", token=check_setup["handling"]).data
    assert trail["chain_valid"] is True
    created = trail["events"][0]
    assert created["type"] == "created" and created["detail"] == {
        "commitment_id": check_setup["commitment_id"]
    }
    assert [e["type"] for e in trail["events"] if e["type"] not in ("viewed", "alerted")][1:] == [
        "accepted",
        "completed",
    ]
    wiring.dispatcher().dispatch()  # the same answer again: followed once
    assert api.get("/stats").data["commitments"]["verified"] == 1


def test_a_not_confirmed_answer_leaves_the_decision_to_a_person_with_a_note(api, check_setup):
    request_id = start(api, check_setup).data["check_request_id"]
    answer(api, check_setup, request_id, outcome="not_confirmed")
    wiring.dispatcher().dispatch()
    open_check = commitment(api, check_setup)
    assert (open_check["status"], open_check["check_outcome"]) == ("verification_due", "not_confirmed")
    assert open_check["decide_by"] is not None and open_check["decide_by"] <= open_check["verify_by"]
    assert pending_alerts(check_setup["commitment_id"]) == [("commitment.check_not_confirmed", "hz-rsj")]
    path = f"/commitments/{check_setup['commitment_id']}/verification"
    bare = api.post(path, {"outcome": "false_commitment"}, token=check_setup["handling"])
    assert (bare.status_code, bare.data["code"]) == (422, "note_required")
    decided = api.post(
        path, {"outcome": "false_commitment", "note": "经核实收入不符"}, token=check_setup["handling"]
    )
    assert decided.status_code == 200
    assert (decided.data["status"], decided.data["check_method"]) == ("false_commitment", "relay")
    again = api.post("/commitments", commit_body(api, matter_code="HZ-RS-001"), token=check_setup["citizen"])
    assert (again.status_code, again.data["code"]) == (403, "commitment_barred")


def test_a_commitment_withdrawn_while_its_check_waits_cancels_the_request(api, check_setup):
    request_id = start(api, check_setup).data["check_request_id"]
    path = f"/commitments/{check_setup['commitment_id']}/withdraw"
    assert api.post(path, token=check_setup["citizen"]).data["status"] == "withdrawn"
    assert ("commitment.withdrawn", "hz-rsj") in pending_alerts(check_setup["commitment_id"])
    wiring.dispatcher().dispatch()  # the withdrawal cancels the request...
    request = api.get(f"/verification-requests/{request_id}", token=check_setup["issuing"]).data
    assert request["status"] == "cancelled" and request["cancelled_at"] is not None
    assert pending_alerts(request_id) == [("verification.cancelled", "hz-mzj")]
    wiring.dispatcher().dispatch()  # ...and the cancellation is recorded on the commitment
    withdrawn = commitment(api, check_setup)
    assert (withdrawn["status"], withdrawn["check_outcome"]) == ("withdrawn", "cancelled")
    trail = api.get(f"/verification-requests/{request_id}/trail", token=check_setup["handling"]).data
    cancelled = next(e for e in trail["events"] if e["type"] == "cancelled")
    assert cancelled["actor"] == "hz-rsj"
    assert cancelled["detail"] == {
        "reason": "commitment_withdrawn",
        "commitment_id": check_setup["commitment_id"],
    }
    assert trail["chain_valid"] is True
    late = api.post(f"/verification-requests/{request_id}/accept", token=check_setup["issuing"])
    assert (late.status_code, late.data["code"]) == (409, "invalid_state")


def test_an_answer_that_arrives_after_the_withdrawal_is_kept_as_moot(api, check_setup):
    request_id = start(api, check_setup).data["check_request_id"]
    answer(api, check_setup, request_id)
    assert api.post(
        f"/commitments/{check_setup['commitment_id']}/withdraw", token=check_setup["citizen"]
    ).data
    wiring.dispatcher().dispatch()
    moot = commitment(api, check_setup)
    assert (moot["status"], moot["check_outcome"], moot["outcome"]) == ("withdrawn", "confirmed", None)
    assert (
        api.get(f"/verification-requests/{request_id}", token=check_setup["issuing"]).data["status"]
        == "completed"
    )
    assert api.get("/stats").data["commitments"]["verified"] == 0


def test_one_check_at_a_time_and_only_while_due(api, check_setup):
    first = start(api, check_setup)
    again = start(api, check_setup)
    assert (again.status_code, again.data["code"]) == (409, "check_in_progress")
    assert again.data["details"]["request_id"] == first.data["check_request_id"]
    request_id = first.data["check_request_id"]
    assert api.post(
        f"/verification-requests/{request_id}/reject", {"reason": "no_record"}, token=check_setup["issuing"]
    )
    wiring.dispatcher().dispatch()
    assert commitment(api, check_setup)["check_outcome"] == "rejected"
    second = start(api, check_setup, {"case_ref": "RS-2026-17", "purpose": "再次核查"})
    assert second.status_code == 201 and second.data["check_request_id"] != request_id
    request = api.get(
        f"/verification-requests/{second.data['check_request_id']}", token=check_setup["handling"]
    )
    assert (request.data["case_ref"], request.data["purpose"]) == ("RS-2026-17", "再次核查")


def test_concurrent_starts_make_one_request(api, check_setup):
    handling = Identity("rsj-1", Role.AGENCY, unit_id="hz-rsj")
    starts = [lambda: wiring.commitment_checks().start(handling, check_setup["commitment_id"], {})] * 4
    results = run_together(starts)  # the services themselves: the test client is not thread-safe
    started = [r for r in results if isinstance(r, Commitment)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(started) == 1 and len(refused) == 3, results
    assert {r.code for r in refused} == {"check_in_progress"}
    outbox = api.get("/verification-requests?box=outbox", token=check_setup["handling"]).data["items"]
    assert [r["request_id"] for r in outbox] == [started[0].check_request_id]
    assert commitment(api, check_setup)["check_request_id"] == started[0].check_request_id


def test_a_check_the_relay_refuses_leaves_no_link(api, admin_token, check_setup):
    patch = {"version": 1, "disposition": "cancelled", "rule": "no_legal_basis", "reason": "取消该证明"}
    assert api.patch("/proofs/PF-M001", patch, token=admin_token).status_code == 200
    refused = start(api, check_setup)
    assert (refused.status_code, refused.data["code"]) == (422, "proof_cancelled")
    assert commitment(api, check_setup)["check_request_id"] is None
    assert api.get("/verification-requests?box=outbox", token=check_setup["handling"]).data["items"] == []


def test_who_may_start_a_check(api, check_setup):
    tokens = callers(check_setup, **{"issuing unit": check_setup["issuing"], "bad token": "garbage"})
    expected = {
        "owner": 403,
        "other citizen": 404,
        "issuing unit": 403,
        "other agency": 404,
        "supervisor": 403,
        "catalogue_admin": 404,
        "anonymous": 401,
        "bad token": 401,
    }
    path = f"/commitments/{check_setup['commitment_id']}/relay-check"
    got = {who: api.post(path, {}, token=token).status_code for who, token in tokens.items()}
    assert got == expected
    assert (
        api.post(
            "/commitments/01JUNKNOWN000000000000000/relay-check", {}, token=check_setup["handling"]
        ).status_code
        == 404
    )
    extra = api.post(path, {"target_unit": "hz-gaj"}, token=check_setup["handling"])
    assert (extra.status_code, extra.data["code"]) == (400, "validation_error")
    assert commitment(api, check_setup)["check_request_id"] is None  # nothing was started


def test_only_a_commitment_due_for_verification_is_checked(api, check_setup):
    assert api.post(
        f"/commitments/{check_setup['commitment_id']}/withdraw", token=check_setup["citizen"]
    ).data
    refused = start(api, check_setup)
    assert (refused.status_code, refused.data["code"]) == (409, "invalid_state")
