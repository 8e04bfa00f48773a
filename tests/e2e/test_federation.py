"""Two (and once three) stages served as `make run` serves them, on DynamoDB Local and moto,
relaying to each other over real HTTP: the whole cross-stage lifecycle, identical signed
trails, a peer down while requests are sent, and every boundary the contract draws."""

import base64
import hashlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
import requests
import rfc8785
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from ulid import ULID

from chalicelib.adapters import jws
from chalicelib.adapters.signing import FileSigner
from chalicelib.domain.clock import format_time
from infra.local.launch import stages
from infra.local.stack import PROJECT, subscribe_queue
from tests.support import make_token, relay_body
from tests.support.stack import SUBJECT_ID
from tests.support.transparency import TREE, forget_checkpoints, rebuild_changelog_from

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("federation")]

REQUESTER = {"Authorization": f"Bearer {make_token('agency', unit_id='hz-rsj', sub_suffix='rsj')}"}
TARGET = {"Authorization": f"Bearer {make_token('agency', unit_id='dq-gaj', sub_suffix='dqgaj')}"}
CITIZEN = {"Authorization": f"Bearer {make_token('citizen', name='王小明', id_number=SUBJECT_ID)}"}
ADMIN = {"Authorization": f"Bearer {make_token('catalogue_admin')}"}


def body(**overrides):
    """A request from hz-rsj to Deqing's police (dq-gaj), homed on the peer."""
    across = {"target_unit": "dq-gaj", "proof_id": "PF-DQ-V01", "case_ref": "湖人社〔2026〕跨区 001"}
    return relay_body(**{**across, "purpose": "核实在德清县的居住情况", **overrides})


def eventually(check, within=5.0, what="the condition"):
    """The value of `check()` once it is truthy, polled until `within` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} did not hold within {within} s"
        time.sleep(0.1)


def get(url, headers=None):
    return requests.get(url, headers=headers, timeout=10)


def post(url, json_body=None, headers=None):
    return requests.post(url, json=json_body, headers=headers, timeout=10)


def settled(served):
    """Every message between the stages delivered: both delivery queues empty."""
    sqs = boto3.client(
        "sqs", endpoint_url=served.moto, region_name="cn-northwest-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip
    names = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
    for env in served.envs.values():
        counts = sqs.get_queue_attributes(QueueUrl=env["FEDERATION_QUEUE_URL"], AttributeNames=list(names))
        if any(int(counts["Attributes"][name]) for name in names):
            return False
    return True


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    with stages(tmp_path_factory.mktemp("federated")) as served:
        # Each stage's units and catalogue reach the other from its change log (the seeds: a
        # hundred messages or so), before the tests time what they do.
        eventually(lambda: get(f"{served.base['local']}/units/dq-gaj").status_code == 200, within=60)
        eventually(lambda: settled(served), within=120, what="the first exchange of catalogues")
        yield served


def queue_for(served, stage, unit):
    aws = {
        "endpoint_url": served.moto,
        "region_name": "cn-northwest-1",
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    sns, sqs = boto3.client("sns", **aws), boto3.client("sqs", **aws)
    topic = sns.create_topic(Name=f"proof-free-{stage}-agency-alerts")["TopicArn"]
    return sqs, subscribe_queue(sns, sqs, topic, f"e2e-{stage}-{unit}-{time.monotonic_ns()}", [unit])


def alerts_about(sqs, url, request_id):
    found = []
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages", []
    ):
        alert = json.loads(message["Body"])
        if alert["resource"]["id"] == request_id:
            found.append(alert["event_type"])
    return found


def create(served, **overrides):
    response = post(f"{served.base['local']}/verification-requests", body(**overrides), REQUESTER)
    assert response.status_code == 201, response.text
    return response.json()


def in_inbox(served, request_id):
    items = get(f"{served.base['peer']}/verification-requests?box=inbox&limit=100", TARGET).json()["items"]
    return [item for item in items if item["request_id"] == request_id]


# Units and catalogues


def test_a_unit_created_on_one_stage_is_known_on_the_other_with_its_home(two):
    unit = {"unit_id": "dq-new", "name": "德清县新单位", "level": "county", "county": "deqing"}
    assert post(f"{two.base['peer']}/units", unit, ADMIN).status_code == 201
    known = eventually(lambda: get(f"{two.base['local']}/units/dq-new").json().get("stage"))
    assert known == "peer"
    again = post(f"{two.base['local']}/units", unit, ADMIN)
    assert (again.status_code, again.json()["code"]) == (409, "unit_exists")


def test_the_requesters_stage_refuses_a_proof_the_peers_catalogue_cancelled(two):
    refused = post(
        f"{two.base['local']}/verification-requests",
        body(target_unit="dq-xiantan", proof_id="PF-C102"),
        REQUESTER,
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "proof_cancelled")
    supervisor = {"Authorization": f"Bearer {make_token('supervisor')}"}
    record = get(f"{two.base['local']}/units/hz-rsj/supervision", supervisor).json()
    assert record["summary"]["refused_requests_for_cancelled_proofs"] >= 1


def test_a_peers_catalogue_change_reaches_the_requesters_stage_within_5_s(two):
    patch = {"version": 1, "disposition": "cancelled", "rule": "no_legal_basis", "reason": "清理"}
    changed = requests.patch(f"{two.base['peer']}/proofs/PF-DQ-V02", json=patch, headers=ADMIN, timeout=10)
    assert changed.status_code == 200, changed.text

    def refused():
        answer = post(f"{two.base['local']}/verification-requests", body(proof_id="PF-DQ-V02"), REQUESTER)
        return answer.status_code == 422

    eventually(refused, what="the peer's cancellation")


# The lifecycle


def test_the_whole_cross_stage_lifecycle_with_alerts_on_both_topics(two):
    target_sqs, target_queue = queue_for(two, "peer", "dq-gaj")
    requester_sqs, requester_queue = queue_for(two, "local", "hz-rsj")
    created = create(two)
    request_id = created["request_id"]
    assert created["target_stage"] == "peer"

    eventually(lambda: in_inbox(two, request_id), what="the request in the target's inbox")
    eventually(lambda: alerts_about(target_sqs, target_queue, request_id) == ["verification.requested"])
    assert (
        post(f"{two.base['peer']}/verification-requests/{request_id}/accept", {}, TARGET).status_code == 200
    )
    answer = {"outcome": "confirmed", "attestation": {"residence": "德清县武康街道"}}
    assert (
        post(f"{two.base['peer']}/verification-requests/{request_id}/respond", answer, TARGET).status_code
        == 200
    )

    def completed_here():
        seen = get(f"{two.base['local']}/verification-requests/{request_id}", REQUESTER).json()
        return seen if seen["status"] == "completed" else None

    seen = eventually(completed_here, what="completion on the requester's stage")
    assert (seen["outcome"], seen["attestation"]) == ("confirmed", answer["attestation"])
    assert seen["delivered_at"] is not None
    told = set()
    eventually(
        lambda: (
            told.update(alerts_about(requester_sqs, requester_queue, request_id))
            or told >= {"verification.accepted", "verification.completed"}
        ),
        what="the requester's alerts",
    )


def test_the_target_unit_cannot_act_from_the_requesters_stage(two):
    request_id = create(two)["request_id"]
    eventually(lambda: in_inbox(two, request_id))
    for action, payload in (("accept", {}), ("reject", {"reason": "no_record"})):
        response = post(f"{two.base['local']}/verification-requests/{request_id}/{action}", payload, TARGET)
        assert (response.status_code, response.json()["code"]) == (403, "unit_not_homed_here")
    inbox = get(f"{two.base['local']}/verification-requests?box=inbox", TARGET)
    assert (inbox.status_code, inbox.json()["code"]) == (403, "unit_not_homed_here")
    # Nor can it ask from there: nothing recorded on the requesters' stage, nothing sent.
    asked = post(f"{two.base['local']}/verification-requests", body(target_unit="hz-rsj"), TARGET)
    assert (asked.status_code, asked.json()["code"]) == (403, "unit_not_homed_here")


def test_both_stages_keep_the_same_trail_and_every_signature_verifies_with_the_directory(two):
    request_id = create(two)["request_id"]
    eventually(lambda: in_inbox(two, request_id))
    post(f"{two.base['peer']}/verification-requests/{request_id}/reject", {"reason": "no_record"}, TARGET)

    def trails():
        here = get(f"{two.base['local']}/verification-requests/{request_id}/trail", REQUESTER).json()
        there = get(f"{two.base['peer']}/verification-requests/{request_id}/trail", TARGET).json()
        return (here, there) if here["events"] == there["events"] and "rejected" in str(here) else None

    here, there = eventually(trails, what="the same trail on both stages")
    assert here["chain_valid"] and there["chain_valid"]
    assert {event["stage"] for event in here["events"]} == {"local", "peer"}
    keys = {
        (member["stage"], key["kid"]): key
        for member in get(f"{two.base['local']}/federation/directory").json()["stages"]
        for key in member["jwks"]["keys"]
    }
    for event in here["events"]:
        assert verifies(keys[(event["stage"], event["signature"]["kid"])], event), event["type"]


def test_a_citizen_sees_the_cross_stage_request_about_them_on_either_stage(two):
    request_id = create(two)["request_id"]
    eventually(lambda: in_inbox(two, request_id))
    for stage in ("local", "peer"):
        mine = get(f"{two.base[stage]}/me/verification-requests?limit=100", CITIZEN).json()["items"]
        assert request_id in {item["request_id"] for item in mine}, stage


# A commitment checked by the issuing unit on its home stage

MZJ = {"Authorization": f"Bearer {make_token('agency', unit_id='dq-mzj', sub_suffix='dqmzj')}"}


@pytest.fixture(scope="module")
def peer_commitment_item(two):
    """A Deqing item that a commitment replaces, every one checked, issued by dq-mzj on the peer;
    and hz-rsj's matter on `local` that asks for it (a county's proof in a city's matter)."""
    item = {
        "proof_id": "PF-DQ-M09",
        "name": "德清县居住情况证明",
        "issuing_unit": "dq-mzj",
        "legal_basis": "《居住证暂行条例》",
        "disposition": "commitment",
        "rule": "written_commitment",
        "commitment": {"verification": "all", "verify_within_days": 5, "day_count": "working"},
    }
    assert post(f"{two.base['peer']}/proofs", item, ADMIN).status_code == 201
    local = two.base["local"]
    eventually(
        lambda: get(f"{local}/proofs/PF-DQ-M09/commitment-notice").status_code == 200, what="the mirror"
    )
    matter = {
        "matter_code": "HZ-RS-C01",
        "name": "异地居住核验",
        "unit_id": "hz-rsj",
        "proofs": ["PF-DQ-M09"],
    }
    assert post(f"{local}/matters", matter, ADMIN).status_code == 201
    needs = get(f"{local}/matters/HZ-RS-C01/requirements").json()["requirements"]
    assert [(r["proof_id"], r["action"]) for r in needs] == [("PF-DQ-M09", "sign_commitment")]
    return item["proof_id"]


def commit_and_start_check(two, proof_id):
    local = two.base["local"]
    notice = get(f"{local}/proofs/{proof_id}/commitment-notice").json()
    body = {"proof_id": proof_id, "matter_code": "HZ-RS-C01", "notice_version": notice["notice_version"]}
    committed = post(f"{local}/commitments", {**body, "accepted": True}, CITIZEN).json()
    assert committed["status"] == "verification_due", committed
    started = post(f"{local}/commitments/{committed['commitment_id']}/relay-check", {}, REQUESTER)
    assert started.status_code == 201, started.text
    return committed["commitment_id"], started.json()["check_request_id"]


def in_mzj_inbox(two, request_id):
    items = get(f"{two.base['peer']}/verification-requests?box=inbox&limit=100", MZJ).json()["items"]
    return [item for item in items if item["request_id"] == request_id]


def test_a_commitment_is_checked_by_the_issuing_unit_on_its_home_stage(two, peer_commitment_item):
    local, peer = two.base["local"], two.base["peer"]
    sqs_peer, to_issuer = queue_for(two, "peer", "dq-mzj")
    sqs_local, to_handler = queue_for(two, "local", "hz-rsj")
    commitment_id, request_id = commit_and_start_check(two, peer_commitment_item)
    taken = eventually(lambda: in_mzj_inbox(two, request_id), what="the check in the issuing unit's inbox")
    assert taken[0]["commitment_id"] == commitment_id
    eventually(lambda: "verification.requested" in alerts_about(sqs_peer, to_issuer, request_id))
    assert post(f"{peer}/verification-requests/{request_id}/accept", {}, MZJ).status_code == 200
    answer = {"outcome": "confirmed", "attestation": {"record": "德清居住登记 2026-5"}}
    assert post(f"{peer}/verification-requests/{request_id}/respond", answer, MZJ).status_code == 200

    def verified():
        seen = get(f"{local}/commitments/{commitment_id}", REQUESTER).json()
        return seen if seen["status"] == "verified" else None

    checked = eventually(verified, within=10, what="the commitment verified on the requester's stage")
    assert (checked["check_outcome"], checked["check_method"]) == ("confirmed", "relay")
    eventually(lambda: "verification.completed" in alerts_about(sqs_local, to_handler, request_id))
    trail = get(f"{local}/verification-requests/{request_id}/trail", REQUESTER).json()
    assert trail["chain_valid"] and trail["events"][0]["detail"] == {"commitment_id": commitment_id}


def test_a_withdrawn_commitment_cancels_its_check_on_the_issuers_stage(two, peer_commitment_item):
    local, peer = two.base["local"], two.base["peer"]
    commitment_id, request_id = commit_and_start_check(two, peer_commitment_item)
    eventually(lambda: in_mzj_inbox(two, request_id), what="the check in the issuing unit's inbox")
    assert post(f"{local}/commitments/{commitment_id}/withdraw", {}, CITIZEN).json()["status"] == "withdrawn"

    def cancelled_on(base, headers):
        return get(f"{base}/verification-requests/{request_id}", headers).json()["status"] == "cancelled"

    eventually(lambda: cancelled_on(peer, MZJ), within=10, what="the issuer's copy cancelled")
    eventually(lambda: cancelled_on(local, REQUESTER), within=10, what="the requester's copy cancelled")

    def outcome():
        return get(f"{local}/commitments/{commitment_id}", REQUESTER).json()["check_outcome"]

    assert eventually(outcome, within=10, what="the cancellation on the commitment") == "cancelled"

    def same_trails():
        trails = [get(f"{base}/verification-requests/{request_id}/trail", h).json() for base, h in
                  ((local, REQUESTER), (peer, MZJ))]  # fmt: skip
        return trails if trails[0]["events"] == trails[1]["events"] else None

    trails = eventually(same_trails, within=10, what="the same trail on both stages")
    assert all(t["chain_valid"] for t in trails)
    cancel = next(e for e in trails[0]["events"] if e["type"] == "cancelled")
    assert (cancel["actor"], cancel["stage"], cancel["detail"]["reason"]) == (
        "hz-rsj",
        "peer",
        "commitment_withdrawn",
    )
    late = post(f"{peer}/verification-requests/{request_id}/accept", {}, MZJ)
    assert (late.status_code, late.json()["code"]) == (409, "invalid_state")


# Nothing lost, nothing twice


def test_twenty_requests_sent_while_the_peer_is_down_arrive_once_each_when_it_is_back(two):
    two.stop("peer")
    sent = [create(two)["request_id"] for _ in range(20)]
    two.start("peer")

    def all_arrived():
        items = get(f"{two.base['peer']}/verification-requests?box=inbox&limit=100", TARGET).json()["items"]
        ids = [item["request_id"] for item in items if item["request_id"] in sent]
        return ids if len(set(ids)) == 20 else None

    arrived = eventually(all_arrived, within=90, what="all 20 requests on the peer")
    assert sorted(arrived) == sorted(sent)  # each once
    for request_id in sent[:3]:
        trail = get(f"{two.base['peer']}/verification-requests/{request_id}/trail", TARGET).json()
        assert [e["type"] for e in trail["events"]].count("created") == 1


def test_a_peer_down_for_longer_than_the_queue_keeps_messages_still_gets_each_once(tmp_path):
    # The queues keep a message 4 s here (14 days in AWS): the peer stays down past that, twice
    with stages(tmp_path, queue_retention=4) as served:

        def created():
            answer = post(f"{served.base['local']}/verification-requests", body(), REQUESTER)
            return answer.json() if answer.status_code == 201 else None

        first = eventually(created, within=60, what="the peer's unit and catalogue on local")
        served.stop("peer")
        sent = [first["request_id"], *(create(served)["request_id"] for _ in range(4))]
        time.sleep(10)  # SQS has dropped what it was given; the sender's table still has it
        served.start("peer")

        def all_arrived():
            found = [r for request_id in sent for r in in_inbox(served, request_id)]
            return found if len(found) >= len(sent) else None

        arrived = eventually(all_arrived, within=60, what="every request on the peer")
        assert sorted(r["request_id"] for r in arrived) == sorted(sent)  # each once
        for request_id in sent:
            trail = get(f"{served.base['peer']}/verification-requests/{request_id}/trail", TARGET).json()
            assert [e["type"] for e in trail["events"]].count("created") == 1


def test_events_made_while_the_requesters_stage_is_down_are_applied_once_in_order(two):
    request_id = create(two)["request_id"]
    eventually(lambda: in_inbox(two, request_id))
    two.stop("local")
    post(f"{two.base['peer']}/verification-requests/{request_id}/accept", {}, TARGET)
    post(
        f"{two.base['peer']}/verification-requests/{request_id}/respond",
        {"outcome": "not_confirmed", "attestation": {}},
        TARGET,
    )
    two.start("local")

    def caught_up():
        here = get(f"{two.base['local']}/verification-requests/{request_id}/trail", REQUESTER).json()
        there = get(f"{two.base['peer']}/verification-requests/{request_id}/trail", TARGET).json()
        return here if here["events"] == there["events"] else None

    trail = eventually(caught_up, within=90, what="the requester's copy catching up")
    request = get(f"{two.base['local']}/verification-requests/{request_id}", REQUESTER).json()
    assert trail["chain_valid"], (request, trail)
    types = [event["type"] for event in trail["events"] if event["type"] not in ("viewed", "alerted")]
    assert types == ["created", "accepted", "completed"]


def verifies(jwk, event):
    content = {k: v for k, v in event.items() if k not in ("hash", "signature")}
    if hashlib.sha256(rfc8785.dumps(content)).hexdigest() != event["hash"]:
        return False
    raw = base64.urlsafe_b64decode(event["signature"]["value"] + "==")
    x, y = (int.from_bytes(base64.urlsafe_b64decode(jwk[c] + "=="), "big") for c in ("x", "y"))
    key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, event["hash"].encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except Exception:
        return False
    return True


# Three stages


def test_three_stages_relay_to_each_other(tmp_path):
    with stages(tmp_path, ("local", "peer", "peer2")) as three:
        # As for two stages: the seeds' first exchange (some two hundred messages per stage)
        # is delivered before the test times the relay's 5 s steps, which would queue behind it.
        eventually(lambda: settled(three), within=180, what="the first exchange of catalogues")
        asker = {"Authorization": f"Bearer {make_token('agency', unit_id='p2-gaj', sub_suffix='p2')}"}

        def sent(**overrides):  # once the two other stages' units and catalogues have reached peer2
            answer = post(f"{three.base['peer2']}/verification-requests", body(**overrides), asker)
            return answer.json() if answer.status_code == 201 else None

        to_local = eventually(lambda: sent(target_unit="hz-gaj", proof_id="PF-R001"), within=60)
        to_peer = eventually(lambda: sent(), within=60)
        assert (to_local["target_stage"], to_peer["target_stage"]) == ("local", "peer")
        holder = {"Authorization": f"Bearer {make_token('agency', unit_id='hz-gaj', sub_suffix='gaj')}"}
        accept = f"{three.base['local']}/verification-requests/{to_local['request_id']}/accept"
        eventually(lambda: post(accept, {}, holder).status_code == 200, what="the request on local")
        seen = f"{three.base['peer2']}/verification-requests/{to_local['request_id']}"
        eventually(lambda: get(seen, asker).json()["status"] == "accepted", what="acceptance on peer2")
        eventually(lambda: in_inbox(three, to_peer["request_id"]), what="the request on peer")


# The transparency log of each stage, checked from outside with the project's verifier


def verify_log(api, *args):
    command = [sys.executable, "-m", "scripts.verify_log", "--api", api, *map(str, args)]
    return subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=60, check=False)


def test_each_stage_proves_the_events_it_recorded_and_the_verifier_command_agrees(two, tmp_path):
    held = {stage: tmp_path / f"{stage}-held.json" for stage in two.base}
    for stage, url in two.base.items():
        eventually(lambda url=url: get(f"{url}/transparency/checkpoint").status_code == 200, within=15)
        first = verify_log(url, "--held", held[stage], "--save")
        assert first.returncode == 0 and first.stdout.startswith("OK checkpoint"), first.stdout + first.stderr
    request_id = create(two)["request_id"]
    eventually(lambda: in_inbox(two, request_id))
    post(f"{two.base['peer']}/verification-requests/{request_id}/reject", {"reason": "no_record"}, TARGET)

    def proved(stage, headers):
        """The stage's trail once it proves every event recorded there, the rejection included."""
        path = f"/verification-requests/{request_id}/trail?inclusion=true"
        trail = get(two.base[stage] + path, headers).json()
        recorded_here = {event["seq"] for event in trail["events"] if event["stage"] == stage}
        proved_here = {proof["seq"] for proof in trail["inclusion"]}
        return trail if "rejected" in str(trail["events"]) and proved_here == recorded_here else None

    for stage, headers in (("local", REQUESTER), ("peer", TARGET)):
        trail = eventually(lambda s=stage, h=headers: proved(s, h), within=30, what=f"{stage}'s proofs")
        assert trail["inclusion"] and trail["checkpoint"]["stage"] == stage
        saved = tmp_path / f"{stage}-trail.json"
        saved.write_text(json.dumps(trail, ensure_ascii=False), encoding="utf-8")
        checked = verify_log(two.base[stage], "--held", held[stage], "--trail", saved)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "1 earlier checkpoints extended" in checked.stdout


def test_each_stage_witnesses_the_other_and_catches_a_rewritten_history_on_both_sides(two):
    def holds(here, there):
        seen = get(f"{two.base[here]}/transparency/witnessed/{there}").json()
        return seen if seen["checkpoint"] and seen["consistent"] else None

    for here, there in (("local", "peer"), ("peer", "local")):
        what = f"{here} holding {there}'s checkpoint"
        eventually(lambda h=here, t=there: holds(h, t), within=30, what=what)
    dynamodb = boto3.resource("dynamodb", region_name="cn-northwest-1")
    on_peer, on_local = dynamodb.Table("proof-free-peer"), dynamodb.Table("proof-free-local")

    def disputes(stage, reason):
        seen = get(f"{two.base[stage]}/transparency/witnessed/peer").json()
        return [d for d in seen["disputes"] if d["reason"].startswith(reason) and d["found_by"] == "local"]

    # An insider on `peer` edits an old change record in place: no new checkpoint shows it, but
    # local's daily audit reads peer's change log as an outsider would (made due here).
    on_peer.update_item(
        Key={"pk": "CHANGELOG", "sk": "REC#0000000001"},
        UpdateExpression="SET reason = :r",
        ExpressionAttributeValues={":r": "悄悄改过"},
    )
    on_local.update_item(
        Key=TREE,
        UpdateExpression="SET audited_at = :t",
        ExpressionAttributeValues={":t": "2000-01-01T00:00:00Z"},
    )
    edited = "the change log it serves does not recompute"
    eventually(lambda: disputes("local", edited), within=30, what="local's dispute of the edited record")
    eventually(lambda: disputes("peer", edited), within=30, what="the dispute reaching peer")

    # Then it rebuilds the change log from record 2 with valid hashes and wipes the stage's
    # memory of the checkpoints it signed, so that the stage signs the new history as new.
    rebuild_changelog_from(on_peer, 2, reason="改写的历史")
    forget_checkpoints(on_peer)
    numbered = "two different checkpoints numbered"
    found = eventually(lambda: disputes("local", numbered), within=30, what="local's dispute")
    assert found[0]["checkpoint"]["hash"] != found[0]["held"]["hash"]
    eventually(lambda: disputes("peer", numbered), within=30, what="the dispute reaching peer")
    assert not get(f"{two.base['local']}/transparency/witnessed/peer").json()["consistent"]


def test_a_stage_added_by_one_put_on_the_anchor_is_trusted_by_the_peer_within_10_s(two, tmp_path):
    local, peer = two.base["local"], two.base["peer"]
    operator = {"Authorization": f"Bearer {make_token('federation_admin')}"}
    pinned = json.loads(Path(two.envs["peer"]["FEDERATION_ANCHOR_JWKS_FILE"]).read_text(encoding="utf-8"))

    # Given the directory the anchor signed when it started, held by both stages
    held = get(f"{local}/federation/directory").json()
    assert held["anchor"] == "local" and {s["stage"] for s in held["stages"]} == {"local", "peer"}
    eventually(
        lambda: get(f"{peer}/federation/directory").json().get("version") == held["version"], within=10
    )

    # and a new county's key, which the peer does not know yet
    anji = FileSigner(tmp_path / "anji.pem")

    def from_anji():
        unit = {"unit_id": f"aj-{time.monotonic_ns()}", "name": "安吉县公安局", "name_en": None,
                "level": "county", "county": "anji", "parent_unit": None, "stage": "anji"}  # fmt: skip
        message = {
            "message_id": str(ULID()), "from_stage": "anji", "to_stage": "peer", "type": "unit.registered",
            "sent_at": format_time(datetime.now(UTC)), "body": unit, "protocol": 1,
        }  # fmt: skip
        token = jws.sign_compact(message, anji.kid, anji.sign)
        return requests.post(f"{peer}/federation/messages", data=token, timeout=10,
                             headers={"Content-Type": "application/jose"})  # fmt: skip

    assert from_anji().status_code == 401

    # When the operators add it with one PUT on the anchor (no restart anywhere)
    entries = [{k: s[k] for k in ("stage", "label", "api_url", "jwks")} for s in held["stages"]]
    entries.append({"stage": "anji", "label": "安吉县", "api_url": "", "jwks": {"keys": [anji.public_jwk]}})
    version = held["version"] + 1
    put = requests.put(
        f"{local}/federation/directory",
        json={"version": version, "stages": entries},
        headers=operator,
        timeout=10,
    )
    assert put.status_code == 200, put.text

    # Then within 10 s the peer serves the new version, signed by the key it pinned
    served = eventually(
        lambda: (d := get(f"{peer}/federation/directory").json()).get("version") == version and d,
        within=10,
        what="the new directory on the peer",
    )
    _, payload = jws.verify_compact(served["signed"], {k["kid"]: k for k in pinned["keys"]}.get)
    assert payload["stages"][-1]["stage"] == "anji" and payload == {k: served[k] for k in payload}

    # and takes the new county's signed messages (a process re-reads what it trusts every 5 s)
    eventually(lambda: from_anji().status_code == 200, within=10, what="the peer taking anji's message")
