"""Written commitments through the API, against DynamoDB Local and moto."""

import pytest

from chalicelib import wiring
from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.domain.clock import parse_time
from tests.support import SUBJECT_ID, citizen_token, commit_body
from tests.support.commitments import callers


def submit(api, setup, proof_id="PF-M001", token=None):
    response = api.post("/commitments", commit_body(api, proof_id), token=token or setup["citizen"])
    assert response.status_code == 201, response.data
    return response.data


def test_the_notice_is_public_and_only_for_commitment_items(api, commitment_setup):
    text = api.get("/proofs/PF-M002/commitment-notice")
    assert text.status_code == 200
    assert text.data["verification"]["method"] == "sample" and text.data["inquiry"]["unit_id"] == "hz-mzj"
    missing = api.get("/proofs/PF-D001/commitment-notice")
    assert (missing.status_code, missing.data["code"]) == (404, "commitment_notice_not_found")
    assert api.get("/proofs/PF-NONE/commitment-notice").status_code == 404


def test_a_commitment_checked_in_full_is_due_for_verification_and_alerts_the_unit(api, commitment_setup):
    receipt = submit(api, commitment_setup)
    assert receipt["status"] == "verification_due" and receipt["verify_by"] > receipt["created_at"]
    alerts = [
        (a.event_type, a.target_unit)
        for a in DynamoOutbox().pending(100)
        if a.resource_id == receipt["commitment_id"]
    ]
    assert alerts == [("commitment.verification_due", "hz-mzj")]
    mine = api.get(f"/commitments/{receipt['commitment_id']}", token=commitment_setup["citizen"]).data
    notice = api.get("/proofs/PF-M001/commitment-notice").data
    assert (mine["notice_version"], mine["notice_hash"]) == (notice["notice_version"], notice["notice_hash"])
    assert mine["applicant"] == {"name": "王小明", "id_number": SUBJECT_ID}
    due = api.get("/commitments?status=verification_due", token=commitment_setup["agency"]).data["items"]
    assert [c["commitment_id"] for c in due] == [receipt["commitment_id"]]
    assert due[0]["applicant"]["id_number"] == "330521********0014"


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"proof_id": "PF-D001", "notice_version": "x"}, 422, "commitment_not_allowed"),
        ({"notice_version": "0-old"}, 409, "notice_outdated"),
        ({"matter_code": "NOPE"}, 404, "matter_not_found"),
        ({"proof_id": "PF-NONE", "notice_version": "1-x"}, 404, "proof_not_found"),
        ({"accepted": False}, 400, "validation_error"),
        ({"applicant": {"name": "冒名"}}, 400, "validation_error"),
    ],
)
def test_refusals(api, commitment_setup, overrides, status, code):
    response = api.post("/commitments", commit_body(api, **overrides), token=commitment_setup["citizen"])
    assert (response.status_code, response.data["code"]) == (status, code)
    assert api.get("/stats").data["commitments"]["accepted"] == 0


def test_a_changed_proof_makes_the_notice_read_before_outdated(api, admin_token, commitment_setup):
    body = commit_body(api)
    api.patch(
        "/proofs/PF-M001", {"version": 1, "reason": "修订依据", "legal_basis": "新依据"}, token=admin_token
    )
    stale = api.post("/commitments", body, token=commitment_setup["citizen"])
    assert (stale.status_code, stale.data["code"]) == (409, "notice_outdated")
    assert stale.data["details"]["current_notice_version"] != body["notice_version"]


@pytest.fixture
def found_false(api, commitment_setup):
    """Given a commitment the handling unit found false."""
    receipt = submit(api, commitment_setup)
    checked = api.post(
        f"/commitments/{receipt['commitment_id']}/verification",
        {"outcome": "false_commitment", "note": "收入与申报不符"},
        token=commitment_setup["agency"],
    )
    assert (checked.status_code, checked.data["status"]) == (200, "false_commitment")
    return receipt


def test_a_false_commitment_bars_its_applicant_only(api, commitment_setup, found_false):
    barred = api.post("/commitments", commit_body(api, "PF-M002"), token=commitment_setup["citizen"])
    assert (barred.status_code, barred.data["code"]) == (403, "commitment_barred")
    someone_else = citizen_token(id_number="11010519491231002X", name="李四", sub_suffix="li")
    assert api.post("/commitments", commit_body(api), token=someone_else).status_code == 201
    assert api.get("/stats").data["commitments"] == {"accepted": 2, "verified": 0, "false_commitment": 1}


def test_a_false_commitment_alerts_the_handling_unit(found_false):
    alerts = [
        a.event_type for a in DynamoOutbox().pending(100) if a.resource_id == found_false["commitment_id"]
    ]
    assert "commitment.false" in alerts


def test_a_checked_commitment_is_not_checked_again(api, commitment_setup, found_false):
    again = api.post(
        f"/commitments/{found_false['commitment_id']}/verification",
        {"outcome": "confirmed"},
        token=commitment_setup["agency"],
    )
    assert (again.status_code, again.data["code"]) == (409, "invalid_state")


def test_withdrawal_while_open_only(api, commitment_setup):
    receipt = submit(api, commitment_setup)
    path = f"/commitments/{receipt['commitment_id']}/withdraw"
    done = api.post(path, token=commitment_setup["citizen"])
    assert (done.status_code, done.data["status"]) == (200, "withdrawn")
    twice = api.post(path, {}, token=commitment_setup["citizen"])
    assert (twice.status_code, twice.data["code"]) == (409, "invalid_state")
    late = api.post(
        f"/commitments/{receipt['commitment_id']}/verification",
        {"outcome": "confirmed"},
        token=commitment_setup["agency"],
    )
    assert late.status_code == 409
    assert api.get("/stats").data["commitments"] == {"accepted": 1, "verified": 0, "false_commitment": 0}


def test_object_level_authorization_on_every_route(api, commitment_setup):
    commitment_id = submit(api, commitment_setup)["commitment_id"]
    path = f"/commitments/{commitment_id}"
    tokens = callers(commitment_setup, **{"handling agency": commitment_setup["agency"]})
    expected = {  # GET, list, withdraw, verification
        "owner": (200, 403, None, 403),
        "other citizen": (404, 403, 404, 404),
        "handling agency": (200, 200, 403, None),
        "other agency": (404, 200, 404, 404),
        "supervisor": (200, 403, 403, 403),
        "catalogue_admin": (404, 403, 404, 404),
        "anonymous": (401, 401, 401, 401),
    }
    for who, token in tokens.items():
        got = (
            api.get(path, token=token).status_code,
            api.get("/commitments", token=token).status_code,
            None if who == "owner" else api.post(f"{path}/withdraw", token=token).status_code,
            None
            if who == "handling agency"
            else api.post(f"{path}/verification", {"outcome": "confirmed"}, token=token).status_code,
        )
        assert got == expected[who], who
    supervised = api.get(path, token=tokens["supervisor"]).data
    assert supervised["applicant"]["id_number"] == "330521********0014"
    assert api.get("/commitments", token=commitment_setup["other"]).data["items"] == []
    assert [c["commitment_id"] for c in api.get("/me/commitments", token=tokens["owner"]).data["items"]] == [
        commitment_id
    ]
    assert api.get("/me/commitments", token=tokens["other citizen"]).data["items"] == []


def test_a_sample_picks_about_its_rate_and_every_commitment_counts_as_accepted(api, commitment_setup):
    n = 80
    statuses = [submit(api, commitment_setup, "PF-M002")["status"] for _ in range(n)]
    picked = statuses.count("verification_due")
    assert set(statuses) <= {"accepted", "verification_due"}
    sigma = (n * 0.25 * 0.75) ** 0.5
    assert abs(picked - n * 0.25) < 5 * sigma
    assert api.get("/stats").data["commitments"]["accepted"] == n
    due = api.get("/commitments?status=verification_due&limit=100", token=commitment_setup["agency"]).data
    assert len(due["items"]) == picked


def test_unchecked_commitments_past_their_deadline_are_alerted_once(
    api, admin_token, commitment_setup, clock
):
    receipt = submit(api, commitment_setup)
    later = "2099-01-01T00:00:00Z"
    clock.moment = parse_time(later)
    assert wiring.commitments().alert_overdue_checks() == 1
    assert wiring.commitments().alert_overdue_checks() == 0
    alerts = [a.event_type for a in DynamoOutbox().pending(100) if a.resource_id == receipt["commitment_id"]]
    assert alerts.count("commitment.verification_overdue") == 1
    checked = api.post(
        f"/commitments/{receipt['commitment_id']}/verification",
        {"outcome": "confirmed"},
        token=commitment_setup["agency"],
    )
    assert checked.data["status"] == "verified"
    assert api.get("/stats").data["commitments"]["verified"] == 1


def test_verify_by_counts_calendar_days_unless_the_item_says_working_days(
    api, admin_token, commitment_setup, clock
):
    clock.moment = parse_time("2026-09-25T02:00:00Z")  # Friday, Mid-Autumn: a holiday in 2026
    assert submit(api, commitment_setup)["verify_by"] == "2026-10-15T02:00:00Z"  # 20 calendar days
    terms = {"verification": "all", "verify_within_days": 5, "day_count": "working"}
    patch = {"version": 1, "commitment": terms, "reason": "按工作日计算核查期限"}
    assert api.patch("/proofs/PF-M001", patch, token=admin_token).status_code == 200
    notice = api.get("/proofs/PF-M001/commitment-notice").data
    assert (
        notice["verification"]["day_count"] == "working"
        and "5 个工作日" in notice["verification"]["description"]
    )
    # Sunday 20 Sep and Saturday 10 Oct 2026 are worked; 1-7 October are not. From the 25th:
    # the 28th, 29th, 30th, then 8th and 9th October.
    assert submit(api, commitment_setup)["verify_by"] == "2026-10-09T02:00:00Z"


def test_a_citizens_commitment_cursor_is_refused_to_another_citizen_with_the_same_subject(
    api, commitment_setup
):
    """A cursor is bound to the whole caller: the same `sub` with another ID number is another
    citizen, who gets a 400, never the owner's next page nor a 500."""
    owner = citizen_token(sub_suffix="shared")
    for _ in range(2):
        submit(api, commitment_setup, token=owner)
    first = api.get("/me/commitments?limit=1", token=owner)
    cursor = first.data["next_cursor"]
    assert first.status_code == 200 and cursor
    assert api.get(f"/me/commitments?limit=1&cursor={cursor}", token=owner).status_code == 200
    same_sub = citizen_token(id_number="11010519491231002X", name="李四", sub_suffix="shared")
    refused = api.get(f"/me/commitments?limit=1&cursor={cursor}", token=same_sub)
    assert (refused.status_code, refused.data["code"]) == (400, "validation_error")
    assert refused.data["details"] == {"parameter": "cursor"}
