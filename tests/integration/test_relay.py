"""The verification relay through the API, against DynamoDB Local."""

import json

import boto3
import pytest

from chalicelib import wiring
from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.adapters.relay_rows import request_pk
from chalicelib.domain.clock import parse_time
from chalicelib.settings import get_settings
from tests.support import SUBJECT_ID, citizen_token, make_token, relay_body
from tests.support.stack import set_stage_env


def create(api, tokens, **overrides):
    response = api.post("/verification-requests", relay_body(**overrides), token=tokens["requester"])
    assert response.status_code == 201, response.data
    return response.data["request_id"]


def test_creation_answers_with_a_pending_request_and_masks_the_subject(api, relay_setup):
    response = api.post("/verification-requests", relay_body(), token=relay_setup["requester"])
    assert response.status_code == 201
    data = response.data
    assert (data["status"], data["requester_unit"], data["target_unit"]) == ("pending", "hz-rsj", "hz-gaj")
    assert data["due_at"] > data["created_at"]
    assert SUBJECT_ID not in response.body.decode()
    whole = api.get(f"/verification-requests/{data['request_id']}", token=relay_setup["requester"]).data
    assert whole["subject"]["id_number"] == SUBJECT_ID


def test_accept_then_respond_completes_the_request(api, relay_setup):
    request_id = create(api, relay_setup)
    target = relay_setup["target"]
    accepted = api.post(f"/verification-requests/{request_id}/accept", token=target)
    assert (accepted.status_code, accepted.data["status"]) == (200, "accepted")
    answer = {"outcome": "confirmed", "attestation": {"relation": "父子", "record": "户籍档案 2001-17"}}
    done = api.post(f"/verification-requests/{request_id}/respond", answer, token=target)
    assert (done.status_code, done.data["status"], done.data["outcome"]) == (200, "completed", "confirmed")
    seen_by_requester = api.get(f"/verification-requests/{request_id}", token=relay_setup["requester"]).data
    assert seen_by_requester["attestation"] == answer["attestation"]
    again = api.post(f"/verification-requests/{request_id}/accept", body={}, token=target)
    assert (again.status_code, again.data["code"]) == (409, "invalid_state")


def test_respond_before_accepting_is_invalid_state(api, relay_setup):
    request_id = create(api, relay_setup)
    early = api.post(
        f"/verification-requests/{request_id}/respond",
        {"outcome": "confirmed", "attestation": {}},
        token=relay_setup["target"],
    )
    assert (early.status_code, early.data["code"]) == (409, "invalid_state")


def test_a_rejected_request_cannot_be_accepted(api, relay_setup):
    request_id = create(api, relay_setup)
    target = relay_setup["target"]
    rejected = api.post(
        f"/verification-requests/{request_id}/reject",
        {"reason": "no_record", "note": "查无此人"},
        token=target,
    )
    assert (rejected.status_code, rejected.data["status"], rejected.data["reject_reason"]) == (
        200,
        "rejected",
        "no_record",
    )
    late = api.post(f"/verification-requests/{request_id}/accept", token=target)
    assert late.status_code == 409


@pytest.mark.parametrize("proof_id", ["PF-C001", "PF-E001"])
def test_asking_for_a_cancelled_proof_is_refused_and_recorded(api, relay_setup, proof_id):
    response = api.post(
        "/verification-requests", relay_body(proof_id=proof_id), token=relay_setup["requester"]
    )
    assert (response.status_code, response.data["code"]) == (422, "proof_cancelled")
    assert response.data["message_zh"]
    table = boto3.resource("dynamodb").Table(get_settings().table_name)
    refusals = table.query(
        KeyConditionExpression="pk = :p AND begins_with(sk, :r)",
        ExpressionAttributeValues={":p": "SUPV#hz-rsj", ":r": "REFUSED#"},
    )["Items"]
    assert [(r["proof_id"], r["target_unit"]) for r in refusals] == [(proof_id, "hz-gaj")]
    assert all(SUBJECT_ID not in str(r) for r in refusals)
    assert api.get("/stats").data["verification"]["requests"] == 0


def test_a_retained_proof_can_be_asked_for(api, relay_setup):
    assert create(api, relay_setup, proof_id="PF-K001")


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"target_unit": "nowhere"}, 404, "unit_not_found"),
        ({"proof_id": "PF-NONE"}, 404, "proof_not_found"),
        (
            {"subject": {"name": "王小明", "id_type": "resident_id", "id_number": "330521196201010015"}},
            400,
            "validation_error",
        ),
        (
            {"subject": {"name": "王小明", "id_type": "passport", "id_number": "E12345678"}},
            400,
            "validation_error",
        ),
        ({"requester_unit": "hz-mzj"}, 400, "validation_error"),
        ({"status": "completed"}, 400, "validation_error"),
        ({"case_ref": ""}, 400, "validation_error"),
    ],
)
def test_bad_requests_are_refused_without_echoing_the_id_number(api, relay_setup, overrides, status, code):
    response = api.post("/verification-requests", relay_body(**overrides), token=relay_setup["requester"])
    assert (response.status_code, response.data["code"]) == (status, code)
    assert "330521196201010015" not in response.body.decode() and SUBJECT_ID not in response.body.decode()
    assert api.get("/stats").data["verification"]["requests"] == 0


@pytest.fixture
def three_requests(api, relay_setup):
    """Given three requests from hz-rsj to hz-gaj, the first of them accepted."""
    ids = [create(api, relay_setup) for _ in range(3)]
    api.post(f"/verification-requests/{ids[0]}/accept", token=relay_setup["target"])
    return ids


def listed(api, token, query):
    response = api.get(f"/verification-requests?{query}", token=token)
    assert response.status_code == 200, response.data
    return [item["request_id"] for item in response.data["items"]]


def test_each_unit_sees_its_own_inbox_and_outbox_newest_first(api, relay_setup, three_requests):
    newest_first = three_requests[::-1]
    assert listed(api, relay_setup["target"], "box=inbox") == newest_first
    assert listed(api, relay_setup["target"], "") == newest_first  # the inbox by default
    assert listed(api, relay_setup["requester"], "box=outbox") == newest_first
    assert listed(api, relay_setup["requester"], "box=inbox") == []
    assert listed(api, relay_setup["other"], "box=inbox") == []


def test_the_inbox_filters_by_status(api, relay_setup, three_requests):
    assert listed(api, relay_setup["target"], "box=inbox&status=accepted") == [three_requests[0]]
    assert listed(api, relay_setup["target"], "box=inbox&status=pending") == three_requests[:0:-1]


def test_the_inbox_pages_with_its_cursor(api, relay_setup, three_requests):
    first = api.get("/verification-requests?box=inbox&limit=2", token=relay_setup["target"]).data
    rest = api.get(
        f"/verification-requests?box=inbox&limit=2&cursor={first['next_cursor']}", token=relay_setup["target"]
    ).data
    assert [i["request_id"] for i in first["items"] + rest["items"]] == three_requests[::-1]
    assert rest["next_cursor"] is None


def test_an_unknown_box_is_a_validation_error(api, relay_setup):
    bad = api.get("/verification-requests?box=spam", token=relay_setup["target"])
    assert (bad.status_code, bad.data["code"]) == (400, "validation_error")


def test_a_citizen_sees_which_units_asked_about_them_and_nobody_else_does(api, relay_setup):
    request_id = create(api, relay_setup)
    mine = api.get("/me/verification-requests", token=citizen_token())
    assert mine.status_code == 200
    assert [(i["request_id"], i["requester_unit"], i["proof_id"]) for i in mine.data["items"]] == [
        (request_id, "hz-rsj", "PF-R001")
    ]
    stranger = citizen_token(id_number="11010519491231002X", name="李四", sub_suffix="other")
    assert api.get("/me/verification-requests", token=stranger).data["items"] == []
    assert api.get("/me/verification-requests", token=relay_setup["target"]).status_code == 403


def test_object_level_authorization_on_every_route(api, relay_setup):
    request_id = create(api, relay_setup)
    path = f"/verification-requests/{request_id}"
    tokens = {
        "requester": relay_setup["requester"],
        "target": relay_setup["target"],
        "other agency": relay_setup["other"],
        "supervisor": make_token("supervisor"),
        "citizen": citizen_token(),
        "catalogue_admin": make_token("catalogue_admin"),
        "anonymous": None,
    }
    expected = {
        # who: (GET, trail, accept, list, me)
        "requester": (200, 200, 403, 200, 403),
        "target": (200, 200, 200, 200, 403),
        "other agency": (404, 404, 404, 200, 403),
        "supervisor": (200, 200, 403, 403, 403),
        "citizen": (404, 404, 403, 403, 200),
        "catalogue_admin": (404, 404, 403, 403, 403),
        "anonymous": (401, 401, 401, 401, 401),
    }
    for who, token in tokens.items():
        got = (
            api.get(path, token=token).status_code,
            api.get(f"{path}/trail", token=token).status_code,
            api.post(f"{path}/accept", token=token).status_code if who != "target" else 200,
            api.get("/verification-requests", token=token).status_code,
            api.get("/me/verification-requests", token=token).status_code,
        )
        assert got == expected[who], who
    assert api.post(f"{path}/accept", token=relay_setup["target"]).status_code == 200
    supervised = api.get(path, token=tokens["supervisor"]).data
    assert (
        supervised["subject"]["id_number"] == "330521********0014" and supervised["subject"]["name"] == "王**"
    )
    for action, body in (
        ("respond", {"outcome": "confirmed", "attestation": {}}),
        ("reject", {"reason": "other"}),
    ):
        assert api.post(f"{path}/{action}", body, token=relay_setup["requester"]).status_code == 403
        assert api.post(f"{path}/{action}", body, token=relay_setup["other"]).status_code == 404


def test_the_trail_records_every_event_and_its_chain_recomputes(api, relay_setup):
    request_id = create(api, relay_setup)
    target, requester = relay_setup["target"], relay_setup["requester"]
    api.get(f"/verification-requests/{request_id}", token=target)
    api.get(f"/verification-requests/{request_id}", token=target)  # a second look is not recorded
    api.post(f"/verification-requests/{request_id}/accept", token=target)
    api.post(
        f"/verification-requests/{request_id}/respond",
        {"outcome": "confirmed", "attestation": {}},
        token=target,
    )
    api.get(f"/verification-requests/{request_id}", token=requester)
    trail = api.get(f"/verification-requests/{request_id}/trail", token=requester).data
    assert [(e["seq"], e["type"], e["actor"]) for e in trail["events"]] == [
        (1, "created", "hz-rsj"),
        (2, "viewed", "hz-gaj"),
        (3, "accepted", "hz-gaj"),
        (4, "completed", "hz-gaj"),
        (5, "viewed", "hz-rsj"),
    ]
    assert trail["events"][0]["prev_hash"] is None and trail["chain_valid"] is True
    assert api.get(f"/verification-requests/{request_id}/trail", token=make_token("supervisor")).data[
        "chain_valid"
    ]


def test_an_event_edited_in_dynamodb_breaks_the_chain(api, relay_setup):
    request_id = create(api, relay_setup)
    api.post(f"/verification-requests/{request_id}/accept", token=relay_setup["target"])
    table = boto3.resource("dynamodb").Table(get_settings().table_name)
    table.update_item(
        Key={"pk": request_pk(request_id), "sk": "EV#000002"},
        UpdateExpression="SET actor = :a",
        ExpressionAttributeValues={":a": "hz-mzj"},
    )
    trail = api.get(f"/verification-requests/{request_id}/trail", token=relay_setup["requester"]).data
    assert trail["chain_valid"] is False


def test_a_deleted_last_event_breaks_the_chain(api, relay_setup):
    request_id = create(api, relay_setup)
    api.post(f"/verification-requests/{request_id}/accept", token=relay_setup["target"])
    table = boto3.resource("dynamodb").Table(get_settings().table_name)
    table.delete_item(Key={"pk": request_pk(request_id), "sk": "EV#000002"})
    trail = api.get(f"/verification-requests/{request_id}/trail", token=relay_setup["requester"]).data
    assert trail["chain_valid"] is False


@pytest.fixture
def overdue_request(api, relay_setup, monkeypatch):
    """Given a request due as soon as it was created, which the job has marked overdue."""
    set_stage_env(monkeypatch, "RELAY_DUE_WORKING_DAYS", "0")
    request_id = create(api, relay_setup)
    assert wiring.relay().mark_overdue() == 1
    return request_id


def test_the_job_marks_a_request_past_due_overdue_once(api, relay_setup, overdue_request):
    assert wiring.relay().mark_overdue() == 0
    view = api.get(f"/verification-requests/{overdue_request}", token=relay_setup["target"]).data
    assert view["status"] == "overdue"
    assert api.get("/stats").data["verification"]["overdue"] == 1


def test_an_overdue_request_is_alerted_to_both_units(overdue_request):
    alerts = [a for a in DynamoOutbox().pending(50) if a.event_type == "verification.overdue"]
    assert sorted(a.target_unit for a in alerts) == ["hz-gaj", "hz-rsj"]


def test_an_overdue_request_can_still_be_accepted_and_completed(api, relay_setup, overdue_request):
    request_id, target = overdue_request, relay_setup["target"]
    api.post(f"/verification-requests/{request_id}/accept", token=target)
    done = api.post(
        f"/verification-requests/{request_id}/respond",
        {"outcome": "confirmed", "attestation": {}},
        token=target,
    )
    assert done.data["status"] == "completed"
    figures = api.get("/stats").data["verification"]
    assert (figures["requests"], figures["completed"], figures["overdue"]) == (1, 1, 0)
    events = [
        e["type"] for e in api.get(f"/verification-requests/{request_id}/trail", token=target).data["events"]
    ]
    assert events[:2] == ["created", "overdue"]


def test_a_request_sent_the_friday_before_golden_week_is_due_by_the_official_calendar(
    api, relay_setup, clock
):
    # Friday 26 September 2025, 10:00 in Beijing. Five working days: Sunday the 28th (worked),
    # the 29th and 30th, then 1-8 October are holidays, then the 9th and the 10th.
    clock.moment = parse_time("2025-09-26T02:00:00Z")
    response = api.post("/verification-requests", relay_body(), token=relay_setup["requester"])
    assert response.data["due_at"] == "2025-10-10T02:00:00Z"


def test_a_stage_adds_its_own_closures_to_the_official_calendar(api, relay_setup, clock, monkeypatch):
    set_stage_env(monkeypatch, "LOCAL_CLOSURES", "2026-11-30,2026-12-01")
    clock.moment = parse_time("2026-11-27T02:00:00Z")  # a Friday
    response = api.post("/verification-requests", relay_body(), token=relay_setup["requester"])
    assert response.data["due_at"] == "2026-12-08T02:00:00Z"  # 5 working days from Wednesday the 2nd


def test_a_deadline_beyond_the_published_calendar_is_still_given_and_logged(api, relay_setup, clock, capfd):
    clock.moment = parse_time("2099-04-30T02:00:00Z")  # a Thursday; 1 May 2099 is not yet published
    response = api.post("/verification-requests", relay_body(), token=relay_setup["requester"])
    assert response.status_code == 201
    assert response.data["due_at"] == "2099-05-07T02:00:00Z"  # weekends only were skipped
    out, _ = capfd.readouterr()
    warning = next(json.loads(line) for line in out.splitlines() if "calendar_year_unknown" in line)
    assert warning["level"] == "WARNING" and warning["years"] == [2099]
    print(out)  # the autouse check still reads what the app printed
