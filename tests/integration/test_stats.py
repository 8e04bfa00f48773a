"""A known scenario across every capability, then every /stats figure checked exactly."""

from chalicelib import wiring
from tests.support import citizen_token, make_token, notice_body, proof_body, relay_body
from tests.support.stack import set_stage_env


def ok(response, status=200):
    assert response.status_code == status, response.data
    return response.data


def test_every_figure_follows_the_events_exactly(api, relay_setup, clock, monkeypatch, admin_token):
    # Given a known day of work on every capability
    set_stage_env(monkeypatch, "RELAY_DUE_WORKING_DAYS", "0")  # due at once: the third request goes overdue
    a_catalogue_with_one_item_changed(api, admin_token)
    three_requests_two_answered_one_overdue(api, relay_setup, clock)
    citizens = two_commitments_one_confirmed_one_false(api)
    two_notices_one_reissued(api, relay_setup, clock, citizens[0])
    two_complaints_and_an_inspection_with_one_finding_rectified(api, citizens[0])

    # When the figures are read
    figures = ok(api.get("/stats"))

    # Then each counts exactly what happened
    assert figures == {
        "catalogue": {
            "total": 5,
            "cancelled": 5,
            "cancelled_ratio": 1.0,
            "by_disposition": {
                "cancelled": 1,
                "existing_credential": 1,
                "data_sharing": 1,
                "remote_verification": 1,
                "commitment": 1,
                "retained": 0,
            },
        },
        "verification": {"requests": 3, "completed": 2, "overdue": 1, "median_turnaround_hours": 2.0},
        "commitments": {"accepted": 2, "verified": 1, "false_commitment": 1},
        "lost_notices": {"published": 2, "reissued": 1, "newspaper_cost_saved_yuan": 600},
        "supervision": {"complaints": 2, "inspections": 1, "findings": 3, "rectified": 1},
    }


def a_catalogue_with_one_item_changed(api, admin_token):
    """4 items from relay_setup + 1 commitment item; then one retained item is cancelled."""
    ok(
        api.post(
            "/proofs",
            proof_body(
                proof_id="PF-M001",
                issuing_unit="hz-mzj",
                disposition="commitment",
                rule="written_commitment",
                commitment={"verification": "all", "verify_within_days": 10},
            ),
            token=admin_token,
        ),
        201,
    )
    ok(
        api.patch(
            "/proofs/PF-K001",
            {"version": 1, "reason": "数据共享", "disposition": "data_sharing", "rule": "data_sharing"},
            token=admin_token,
        )
    )
    ok(
        api.post(
            "/matters",
            {"matter_code": "HZ-1", "name": "低保", "unit_id": "hz-mzj", "proofs": ["PF-M001"]},
            token=admin_token,
        ),
        201,
    )


def three_requests_two_answered_one_overdue(api, relay_setup, clock):
    """3 requests (+1 refused), two completed after 150 and 90 minutes, the third overdue."""
    requester, target = relay_setup["requester"], relay_setup["target"]
    ids = [
        ok(api.post("/verification-requests", relay_body(), token=requester), 201)["request_id"]
        for _ in range(3)
    ]
    assert (
        api.post("/verification-requests", relay_body(proof_id="PF-C001"), token=requester).status_code == 422
    )
    for request_id, minutes in ((ids[0], 150), (ids[1], 90)):
        ok(api.post(f"/verification-requests/{request_id}/accept", token=target))
        clock.at(minutes=minutes)
        ok(
            api.post(
                f"/verification-requests/{request_id}/respond",
                {"outcome": "confirmed", "attestation": {}},
                token=target,
            )
        )
        clock.at(minutes=0)
    clock.at(hours=3)
    assert wiring.relay().mark_overdue() == 1


def two_commitments_one_confirmed_one_false(api):
    """Two filed (both checked: verification all), one confirmed, one false; returns the citizens."""
    notice = ok(api.get("/proofs/PF-M001/commitment-notice"))
    commit = {
        "proof_id": "PF-M001",
        "matter_code": "HZ-1",
        "notice_version": notice["notice_version"],
        "accepted": True,
    }
    citizens = [citizen_token(), citizen_token(id_number="11010519491231002X", name="李四", sub_suffix="li")]
    made = [ok(api.post("/commitments", commit, token=token), 201)["commitment_id"] for token in citizens]
    mzj = make_token("agency", unit_id="hz-mzj", sub_suffix="mzj")
    ok(api.post(f"/commitments/{made[0]}/verification", {"outcome": "confirmed"}, token=mzj))
    ok(api.post(f"/commitments/{made[1]}/verification", {"outcome": "false_commitment"}, token=mzj))
    return citizens


def two_notices_one_reissued(api, relay_setup, clock, citizen):
    """Two published, one reissued after its period."""
    target = relay_setup["target"]
    first = ok(api.post("/lost-notices", notice_body(lost_on="2026-11-20"), token=citizen), 201)
    ok(
        api.post(
            "/lost-notices",
            notice_body(
                doc_type="other", doc_number="HZ-2026-77", request_reissue=False, lost_on="2026-11-20"
            ),
            token=citizen,
        ),
        201,
    )
    clock.at(days=30)
    ok(api.post(f"/lost-notices/{first['notice_id']}/reissue", token=target))


def two_complaints_and_an_inspection_with_one_finding_rectified(api, citizen):
    """Two complaints, one inspection with three findings, one rectified."""
    supervisor = make_token("supervisor")
    for proof_id in ("PF-C001", "PF-R001"):
        ok(
            api.post(
                "/complaints",
                {"unit_id": "hz-gaj", "proof_id": proof_id, "description": "窗口仍要求开证明"},
                token=citizen,
            ),
            201,
        )
    findings = [{"problem": f"问题{n}", "rectify_by": "2027-01-31"} for n in range(3)]
    inspection = ok(
        api.post(
            "/inspections",
            {"unit_id": "hz-gaj", "inspected_on": "2026-12-20", "items_checked": 10, "findings": findings},
            token=supervisor,
        ),
        201,
    )
    ok(
        api.post(
            f"/inspections/{inspection['inspection_id']}/findings/2/rectify",
            {"note": "已改"},
            token=supervisor,
        )
    )
