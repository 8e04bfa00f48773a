"""Real HTTP against the `make run` launcher: seed, reads, writes, races, and Ctrl-C."""

import itertools
import json
import re
import signal
import time

import boto3
import pytest
import requests

from infra.local.launch import launcher
from infra.local.stack import port_open, subscribe_queue
from tests.support import SUBJECT_ID, make_token, proof_body, relay_body, run_together

ID_NUMBER = re.compile(r"\d{17}[\dXx]")
# The tests on the shared launcher (conftest.served) run on one worker: one launcher, not two.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("served")]


def admin():
    return {"Authorization": f"Bearer {make_token('catalogue_admin')}"}


def test_the_seed_catalogue_is_served_in_chinese(served):
    base = served["base"]
    stats = requests.get(f"{base}/stats", timeout=10).json()["catalogue"]
    assert stats["total"] >= 60 and 0 < stats["cancelled_ratio"] < 1
    found = requests.get(f"{base}/proofs", params={"q": "亲属关系"}, timeout=10)
    assert "亲属关系证明" in found.content.decode("utf-8")  # UTF-8 as is, not \\u-escaped
    assert "PF-R001" in {item["proof_id"] for item in found.json()["items"]}
    needs = requests.get(f"{base}/matters/HZ-MZ-001/requirements", timeout=10).json()
    assert needs["proofs_required"] == 0 and len(needs["requirements"]) == 5


def test_writes_over_http_and_a_race_of_two_patches(served):
    base = served["base"]
    created = requests.post(
        f"{base}/proofs", json=proof_body(issuing_unit="hz-gaj"), headers=admin(), timeout=10
    )
    assert created.status_code == 201, created.text
    proof_id = created.json()["proof_id"]
    changes = [
        {"version": 1, "reason": "并发", "disposition": d, "rule": r}
        for d, r in (("data_sharing", "data_sharing"), ("cancelled", "no_legal_basis"))
    ]
    responses = run_together(
        [
            lambda c=c: requests.patch(f"{base}/proofs/{proof_id}", json=c, headers=admin(), timeout=30)
            for c in changes
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert requests.get(f"{base}/proofs/{proof_id}", timeout=10).json()["version"] == 2


def test_thirty_concurrent_creations_all_land_in_one_unbroken_chain(served):
    base = served["base"]
    bodies = [
        proof_body(proof_id=f"PF-RACE{n:02d}", issuing_unit="hz-gaj", name=f"并发{n}") for n in range(30)
    ]
    responses = run_together(
        [lambda b=b: requests.post(f"{base}/proofs", json=b, headers=admin(), timeout=60) for b in bodies]
    )
    assert [getattr(r, "status_code", r) for r in responses] == [201] * 30  # never catalogue_busy
    records, cursor = [], None
    while True:
        page = requests.get(
            f"{base}/catalogue/changes", params={"limit": 100, "cursor": cursor}, timeout=10
        ).json()
        records += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(records))
    assert {f"PF-RACE{n:02d}" for n in range(30)} <= {r["proof_id"] for r in records}


def test_a_burst_of_identical_retries_creates_one_item(served):
    base, headers = served["base"], {**admin(), "Idempotency-Key": "burst-1"}
    body = proof_body(issuing_unit="hz-gaj", name="并发重试证明")
    responses = run_together(
        [lambda: requests.post(f"{base}/proofs", json=body, headers=headers, timeout=30)] * 8
    )
    assert [getattr(r, "status_code", r) for r in responses] == [201] * 8
    assert len({r.json()["proof_id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotency-Replayed") == "true" for r in responses) == 7
    found = requests.get(f"{base}/proofs", params={"q": "并发重试"}, timeout=10).json()["items"]
    assert len(found) == 1


def test_fifty_identical_commitments_at_once_make_exactly_one(served):
    base = served["base"]
    citizen = make_token("citizen", name="赵六", id_number="330502199001011236", sub_suffix="zhao")
    notice = requests.get(f"{base}/proofs/PF-M001/commitment-notice", timeout=10).json()
    body = {
        "proof_id": "PF-M001",
        "matter_code": "HZ-MZ-001",
        "notice_version": notice["notice_version"],
        "accepted": True,
    }
    headers = {"Authorization": f"Bearer {citizen}", "Idempotency-Key": "commit-once"}
    before = requests.get(f"{base}/stats", timeout=10).json()["commitments"]["accepted"]
    send = lambda: requests.post(f"{base}/commitments", json=body, headers=headers, timeout=60)  # noqa: E731
    responses = run_together([send] * 50)
    # A refused or reset connection shows up as its exception in place of a response.
    assert [getattr(r, "status_code", r) for r in responses] == [201] * 50
    assert len({r.json()["commitment_id"] for r in responses}) == 1
    assert requests.get(f"{base}/stats", timeout=10).json()["commitments"]["accepted"] == before + 1
    mine = requests.get(f"{base}/me/commitments", headers={"Authorization": f"Bearer {citizen}"}, timeout=10)
    assert len(mine.json()["items"]) == 1


def test_concurrent_requests_each_get_their_own_answer(served):
    base = served["base"]
    ids = ["PF-C001", "PF-E001", "PF-D001", "PF-R001", "PF-M001", "PF-K001"] * 3
    responses = run_together([lambda p=p: requests.get(f"{base}/proofs/{p}", timeout=30) for p in ids])
    assert [r.json()["proof_id"] for r in responses] == ids


def test_errors_over_http_have_the_contract_body(served):
    base = served["base"]
    unauthenticated = requests.post(f"{base}/units", json={}, timeout=10)
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["code"] == "unauthenticated"
    bad = requests.post(f"{base}/units", data=b"{oops", headers=admin(), timeout=10)
    assert (bad.status_code, bad.json()["code"]) == (400, "validation_error")
    assert bad.headers["X-Correlation-Id"]
    nowhere = requests.get(f"{base}/no/such/path", timeout=10)
    assert (nowhere.status_code, nowhere.json()["code"]) == (404, "route_not_found")
    assert nowhere.json()["message_zh"]


def test_alerts_reach_the_subscribed_agency_queue_and_no_other(served):
    moto = f"http://127.0.0.1:{served['ports']['moto']}"
    aws = {
        "endpoint_url": moto,
        "region_name": "cn-northwest-1",
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    sns, sqs = boto3.client("sns", **aws), boto3.client("sqs", **aws)
    topic = sns.create_topic(Name="proof-free-local-agency-alerts")["TopicArn"]
    queues = {}
    for unit in ("hz-gaj", "hz-mzj"):
        queues[unit] = subscribe_queue(sns, sqs, topic, f"e2e-{unit}", [unit, "*"])
    requester = {"Authorization": f"Bearer {make_token('agency', unit_id='hz-rsj')}"}
    started = time.monotonic()
    created = requests.post(
        f"{served['base']}/verification-requests", json=relay_body(), headers=requester, timeout=10
    )
    assert created.status_code == 201, created.text
    request_id, arrived = created.json()["request_id"], None
    while arrived is None and time.monotonic() - started < 5:
        for message in sqs.receive_message(QueueUrl=queues["hz-gaj"], WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(message["Body"])
            if body["resource"]["id"] == request_id:
                arrived = body
    assert arrived is not None, "no alert within the contract's 5 s"
    assert arrived["event_type"] == "verification.requested"
    others = sqs.receive_message(QueueUrl=queues["hz-mzj"], WaitTimeSeconds=1).get("Messages", [])
    assert [m for m in others if request_id in m["Body"]] == []
    assert not ID_NUMBER.search(json.dumps(arrived)) and "王" not in json.dumps(arrived)


def test_a_bad_id_number_is_refused_without_being_echoed(served):
    requester = {"Authorization": f"Bearer {make_token('agency', unit_id='hz-rsj')}"}
    wrong = "330521196201010015"
    body = relay_body(subject={"name": "王小明", "id_type": "resident_id", "id_number": wrong})
    refused = requests.post(
        f"{served['base']}/verification-requests", json=body, headers=requester, timeout=10
    )
    assert refused.status_code == 400 and wrong not in refused.text
    cancelled = requests.post(
        f"{served['base']}/verification-requests",
        json=relay_body(proof_id="PF-C001"),
        headers=requester,
        timeout=10,
    )
    assert cancelled.status_code == 422 and SUBJECT_ID not in cancelled.text


def test_ctrl_c_stops_everything_the_launcher_started_and_its_log_holds_no_id(tmp_path):
    # A launcher of its own: stopping the shared one would break whichever test runs after.
    with launcher(tmp_path) as running:
        requester = {"Authorization": f"Bearer {make_token('agency', unit_id='hz-rsj')}"}
        sent = requests.post(
            f"{running['base']}/verification-requests", json=relay_body(), headers=requester, timeout=10
        )
        assert sent.status_code == 201, sent.text
        bad = relay_body(
            subject={"name": "王小明", "id_type": "resident_id", "id_number": "330521196201010015"}
        )
        assert (
            requests.post(
                f"{running['base']}/verification-requests", json=bad, headers=requester, timeout=10
            ).status_code
            == 400
        )
        proc = running["process"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        time.sleep(0.5)
        assert [name for name, port in running["ports"].items() if port_open(port)] == []
        log = running["log"].read_text()
    assert log.rstrip().endswith("stopped")
    # Requests with resident IDs went through, and no ID number reached the log.
    assert "verification-requests" in log and not ID_NUMBER.search(log)


def test_the_local_access_log_holds_no_query_string(served):
    base = served["base"]
    for url in (f"{base}/lost-notices", f"{base}/board"):
        assert requests.get(url, params={"q": "王小明", "limit": 1}, timeout=10).status_code == 200
    time.sleep(0.5)

    log = served["log"].read_text(encoding="utf-8")

    assert '"GET /board" 200' in log and '"GET /lost-notices" 200' in log
    assert "王小明" not in log and "q=" not in log and "%E7%8E%8B" not in log


def test_an_id_number_in_a_path_or_as_a_correlation_id_never_reaches_the_log(served):
    base, person = served["base"], "330523197503152111"
    requester = {"Authorization": f"Bearer {make_token('agency', unit_id='hz-rsj')}"}
    answers = [
        requests.get(f"{base}/verification-requests/{person}", headers=requester, timeout=10),
        requests.get(f"{base}/units/{person}X", timeout=10),
        requests.get(f"{base}/no-such-route/{person}", timeout=10),
        requests.get(f"{base}/proofs/PF-C001", headers={"X-Correlation-Id": person}, timeout=10),
    ]
    offered_ulid = "01KBX2Q7ZC3M4N5P6R7S8T9VWX"
    echoed = requests.get(f"{base}/proofs/PF-C001", headers={"X-Correlation-Id": offered_ulid}, timeout=10)
    time.sleep(0.5)

    log = served["log"].read_text(encoding="utf-8")

    assert [a.status_code for a in answers] == [404, 404, 404, 200]
    assert answers[3].headers["X-Correlation-Id"] != person  # replaced by an id of our own
    assert echoed.headers["X-Correlation-Id"] == offered_ulid  # an id's shape is kept
    assert person not in log and "/verification-requests/***" in log
