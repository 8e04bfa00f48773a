"""Supervision through the API: complaints, inspections, rectification, a unit's record."""

import pytest

from chalicelib import wiring
from chalicelib.adapters.outbox import DynamoOutbox
from tests.support import SUBJECT_ID, citizen_token, make_token, relay_body

TODAY = "2026-11-26"


@pytest.fixture
def supervisor():
    return make_token("supervisor")


def complain(api, **overrides):
    body = {
        "unit_id": "hz-gaj",
        "proof_id": "PF-C001",
        "description": "派出所要求我开具已取消的证明",
        **overrides,
    }
    response = api.post("/complaints", body, token=citizen_token())
    assert response.status_code == 201, response.data
    return response.data


def inspect(api, supervisor, **overrides):
    body = {
        "unit_id": "hz-gaj",
        "inspected_on": "2026-11-20",
        "items_checked": 12,
        "findings": [
            {"proof_id": "PF-C001", "problem": "仍在窗口索要已取消的证明", "rectify_by": "2026-12-20"},
            {"problem": "办事指南未更新", "rectify_by": "2026-11-21"},
        ],
        **overrides,
    }
    response = api.post("/inspections", body, token=supervisor)
    assert response.status_code == 201, response.data
    return response.data


def test_a_complaint_about_a_cancelled_proof_is_a_suspected_violation_and_alerts_the_unit(api, relay_setup):
    filed = complain(api)
    assert (filed["status"], filed["suspected_violation"]) == ("open", True)
    assert complain(api, proof_id="PF-K001")["suspected_violation"] is False  # still retained
    assert complain(api, proof_id=None, proof_name="无犯罪记录证明")["suspected_violation"] is False
    alerts = [
        (a.event_type, a.target_unit)
        for a in DynamoOutbox().pending(100)
        if a.resource_id == filed["complaint_id"]
    ]
    assert alerts == [("complaint.filed", "hz-gaj")]


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"unit_id": "nowhere"}, 404, "unit_not_found"),
        ({"proof_id": "PF-NONE"}, 404, "proof_not_found"),
        ({"matter_code": "NOPE"}, 404, "matter_not_found"),
        ({"description": "短"}, 400, "validation_error"),
        ({"complainant": "张三"}, 400, "validation_error"),
    ],
)
def test_bad_complaints_are_refused(api, relay_setup, overrides, status, code):
    body = {
        "unit_id": "hz-gaj",
        "proof_id": "PF-C001",
        "description": "派出所要求我开具已取消的证明",
        **overrides,
    }
    response = api.post("/complaints", body, token=citizen_token())
    assert (response.status_code, response.data["code"]) == (status, code)
    assert api.get("/stats").data["supervision"]["complaints"] == 0


@pytest.fixture
def two_complaints(api, relay_setup):
    """Given two complaints by 王小明, the first filed first."""
    return complain(api), complain(api)


def resolve(api, supervisor, complaint, finding="substantiated"):
    body = {"finding": finding, "action": "责令整改并通报"}
    return api.post(f"/complaints/{complaint['complaint_id']}/resolve", body, token=supervisor)


def test_supervisors_list_complaints_newest_first_with_the_complainant_masked(
    api, two_complaints, supervisor
):
    first, second = two_complaints
    listed = api.get("/complaints", token=supervisor).data["items"]
    assert [c["complaint_id"] for c in listed] == [second["complaint_id"], first["complaint_id"]]
    assert listed[0]["complainant"] == "王**"


def test_a_resolved_complaint_carries_its_finding_and_leaves_the_open_list(api, two_complaints, supervisor):
    first, second = two_complaints
    resolved = resolve(api, supervisor, first)
    assert (resolved.status_code, resolved.data["status"], resolved.data["finding"]) == (
        200,
        "resolved",
        "substantiated",
    )
    still_open = api.get("/complaints?status=open", token=supervisor).data["items"]
    assert [c["complaint_id"] for c in still_open] == [second["complaint_id"]]


def test_a_complaint_is_resolved_once(api, two_complaints, supervisor):
    first, _ = two_complaints
    resolve(api, supervisor, first)
    again = resolve(api, supervisor, first, finding="unsubstantiated")
    assert (again.status_code, again.data["code"]) == (409, "invalid_state")


def test_the_complainant_reads_their_own_name_and_another_citizen_gets_404(api, two_complaints):
    first, _ = two_complaints
    own = api.get(f"/complaints/{first['complaint_id']}", token=citizen_token()).data
    assert own["complainant"] == "王小明"
    stranger = citizen_token(id_number="11010519491231002X", name="李四", sub_suffix="li")
    assert api.get(f"/complaints/{first['complaint_id']}", token=stranger).status_code == 404


def test_only_supervisors_supervise(api, relay_setup, supervisor):
    complaint_id = complain(api)["complaint_id"]
    for token in (citizen_token(), relay_setup["target"], make_token("catalogue_admin")):
        assert api.get("/complaints", token=token).status_code == 403
        assert (
            api.post(
                f"/complaints/{complaint_id}/resolve",
                {"finding": "substantiated", "action": "x"},
                token=token,
            ).status_code
            == 403
        )
        assert api.get("/units/hz-gaj/supervision", token=token).status_code == 403
        assert api.post("/inspections", {}, token=token).status_code == 403
    assert api.get("/complaints").status_code == 401


def test_findings_are_rectified_one_by_one(api, relay_setup, supervisor):
    inspection = inspect(api, supervisor)
    assert [f["n"] for f in inspection["findings"]] == [0, 1]
    path = f"/inspections/{inspection['inspection_id']}/findings"
    done = api.post(f"{path}/1/rectify", {"note": "已更新办事指南"}, token=supervisor)
    assert done.status_code == 200
    assert [f["rectified"] for f in done.data["findings"]] == [False, True]
    assert api.post(f"{path}/1/rectify", {"note": "again"}, token=supervisor).status_code == 409
    for bad in ("2", "x", "-1"):
        assert api.post(f"{path}/{bad}/rectify", {"note": "n"}, token=supervisor).status_code == 404
    assert (
        api.post("/inspections/nope/findings/0/rectify", {"note": "n"}, token=supervisor).status_code == 404
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"inspected_on": "2999-01-01"},
        {"inspected_on": "2026-02-30"},
        {"items_checked": 1},
        {"findings": [{"problem": "p", "rectify_by": "2026-01-01"}]},
        {"findings": [{"problem": "p"}]},
    ],
)
def test_bad_inspections_are_400(api, relay_setup, supervisor, overrides):
    body = {
        "unit_id": "hz-gaj",
        "inspected_on": "2026-11-20",
        "items_checked": 12,
        "findings": [
            {"problem": "p", "rectify_by": "2026-12-01"},
            {"problem": "q", "rectify_by": "2026-12-01"},
        ],
    }
    response = api.post("/inspections", {**body, **overrides}, token=supervisor)
    assert (response.status_code, response.data["code"]) == (400, "validation_error")
    assert api.get("/stats").data["supervision"]["inspections"] == 0


def test_overdue_rectifications_are_alerted_once(api, relay_setup, supervisor):
    inspection = inspect(api, supervisor)
    assert wiring.supervision().alert_overdue_rectifications() == 1  # finding 1 was due 2026-11-21
    assert wiring.supervision().alert_overdue_rectifications() == 0
    alerts = [
        (a.event_type, a.target_unit)
        for a in DynamoOutbox().pending(100)
        if a.resource_id == inspection["inspection_id"]
    ]
    assert alerts == [("inspection.rectification_overdue", "hz-gaj")]


def test_a_units_record_joins_complaints_refused_requests_and_findings(api, relay_setup, supervisor):
    complaint = complain(api)
    api.post(
        f"/complaints/{complaint['complaint_id']}/resolve",
        {"finding": "substantiated", "action": "通报"},
        token=supervisor,
    )
    for _ in range(2):
        refused = api.post(
            "/verification-requests",
            relay_body(target_unit="hz-rsj", proof_id="PF-C001"),
            token=relay_setup["target"],
        )
        assert refused.status_code == 422
    inspection = inspect(api, supervisor)
    api.post(
        f"/inspections/{inspection['inspection_id']}/findings/0/rectify",
        {"note": "已停止索要"},
        token=supervisor,
    )
    record = api.get("/units/hz-gaj/supervision", token=supervisor)
    assert record.status_code == 200
    assert record.data["summary"] == {
        "complaints": 1,
        "complaints_substantiated": 1,
        "refused_requests_for_cancelled_proofs": 2,
        "inspections": 1,
        "findings": 2,
        "findings_rectified": 1,
        "findings_open": 1,
        "findings_overdue": 1,
    }
    assert [r["proof_id"] for r in record.data["refused_requests"]] == ["PF-C001", "PF-C001"]
    assert record.data["complaints"][0]["complainant"] == "王**"
    assert SUBJECT_ID not in record.body.decode()
    assert api.get("/units/nowhere/supervision", token=supervisor).status_code == 404
