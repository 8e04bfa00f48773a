"""The federation door (POST /federation/messages) and the directory, with a peer stage played
by the test: what a peer's signed messages do here, and every message refused with nothing
written. Cross-stage requests between two served stages are in tests/e2e/test_federation.py."""

import hashlib
import json

import boto3
import pytest
from cryptography.hazmat.primitives import serialization

from chalicelib import wiring
from chalicelib.adapters import jws
from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.adapters.federation_rows import OUT, OutgoingRow
from chalicelib.api import jobs
from chalicelib.domain.federation import PROOF_CHANGED, REQUEST_CANCEL, REQUEST_EVENT, UNIT_REGISTERED
from chalicelib.domain.identity import Identity, Role
from chalicelib.settings import get_settings
from tests.support.catalogue import proof_body
from tests.support.federation import PEER, minutes_ago
from tests.support.relay import relay_body
from tests.support.stack import stream_event


def outgoing():
    return [row.to_domain() for row in OutgoingRow.query(OUT, consistent_read=True)]


def peer_proof(peer, proof_id, disposition, rule=None, version=1, issuing_unit="dq-gaj"):
    body = {**proof_body(proof_id=proof_id, disposition=disposition, rule=rule, issuing_unit=issuing_unit)}
    return peer.send(peer.message(PROOF_CHANGED, body | mirrored(version)))


def ask_peers_unit(api, relay_setup, proof_id):
    """The requester unit here asks dq-gaj, homed on the peer, for `proof_id`."""
    body = relay_body(target_unit="dq-gaj", proof_id=proof_id)
    return api.post("/verification-requests", body, token=relay_setup["requester"])


def mirrored(version=1):
    """What a peer's change log adds to an item's body: its version, times and home stage."""
    at = "2026-11-26T08:00:00Z"
    return {"version": version, "created_at": at, "updated_at": at, "stage": PEER}


@pytest.fixture
def peer_unit(api, peer):
    """Given the peer's unit dq-gaj, known here from the peer's message."""
    response = peer.send(peer.message(UNIT_REGISTERED, peer.unit()))
    assert response.status_code == 200, response.data
    return response


# The directory


def test_the_directory_lists_this_stage_and_its_peer_with_their_keys(api, peer):
    directory = api.get("/federation/directory").data
    assert directory["stage"] == "local"
    stages = {member["stage"]: member for member in directory["stages"]}
    assert set(stages) == {"local", PEER}
    assert stages[PEER]["jwks"]["keys"] == [peer.signer.public_jwk]
    assert {"kty", "crv", "x", "y", "kid"} <= set(stages["local"]["jwks"]["keys"][0])


# A message taken


def test_during_a_key_rotation_the_stage_publishes_its_other_key_beside_the_one_that_signs(
    api, stack_env, monkeypatch
):
    # Given two KMS keys of the stage (moto's KMS), the new one signing, the old one published
    moto = stack_env["AWS_ENDPOINT_URL_SNS"]
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", moto)
    kms = boto3.client("kms", endpoint_url=moto)
    signing, published = (
        kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
        for _ in range(2)
    )
    monkeypatch.setenv("FEDERATION_KEY_ARN", signing)
    monkeypatch.setenv("FEDERATION_PUBLISHED_KEY_ARNS", published)

    directory = api.get("/federation/directory").data

    (own,) = [m for m in directory["stages"] if m["stage"] == "local"]
    kids = [key["kid"] for key in own["jwks"]["keys"]]
    assert kids == [kms_kid(kms, signing), kms_kid(kms, published)]
    assert wiring.notary().kid == kids[0]  # the new key signs


def kms_kid(kms, arn):
    der = kms.get_public_key(KeyId=arn)["PublicKey"]
    return jws.public_jwk(serialization.load_der_public_key(der))["kid"]


def test_a_peers_unit_is_known_here_with_its_home_stage(api, peer_unit):
    unit = api.get("/units/dq-gaj").data
    assert (unit["unit_id"], unit["stage"]) == ("dq-gaj", PEER)


def test_the_answer_is_a_receipt_signed_by_this_stage_over_the_message(api, peer):
    token = peer.seal(peer.message(UNIT_REGISTERED, peer.unit()))
    answer = peer.send(token).data
    own = wiring.notary().directory.member("local").keys
    _, receipt = jws.verify_compact(
        answer["receipt"], lambda kid: next((k for k in own if k["kid"] == kid), None)
    )
    assert receipt["message_id"] == answer["message_id"]
    assert receipt["message_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert (receipt["from_stage"], receipt["stage"]) == (PEER, "local")


def test_the_same_message_again_gets_the_same_answer_and_is_applied_once(api, peer, admin_token):
    message = peer.message(UNIT_REGISTERED, peer.unit())
    first = peer.send(message)
    again = peer.send({**message, "sent_at": minutes_ago(1)})  # re-signed on a retry
    assert again.status_code == 200
    assert again.data == first.data


def test_creating_a_unit_homed_on_a_peer_is_a_409(api, peer_unit, admin_token):
    body = {"unit_id": "dq-gaj", "name": "另一个", "level": "county", "county": "deqing"}
    response = api.post("/units", body, token=admin_token)
    assert (response.status_code, response.data["code"]) == (409, "unit_exists")


def test_a_unit_registered_here_is_owed_to_the_peer_in_the_outbox(api, peer, admin_token):
    body = {"unit_id": "hz-new", "name": "新单位", "level": "city", "county": "huzhou"}
    assert api.post("/units", body, token=admin_token).status_code == 201
    owed = [m for m in outgoing() if m.type == UNIT_REGISTERED]
    assert [(m.to_stage, m.body["unit_id"], m.body["stage"]) for m in owed] == [(PEER, "hz-new", "local")]


# Messages refused, with nothing written


def refused_with_nothing_written(api, response, status, code):
    assert (response.status_code, response.data["code"]) == (status, code), response.data
    assert api.get("/units/dq-gaj").status_code == 404
    assert outgoing() == []


def test_a_message_signed_by_an_unknown_key_is_refused(api, peer):
    response = peer.send(peer.message(UNIT_REGISTERED, peer.unit()), signer=peer.stranger)
    refused_with_nothing_written(api, response, 401, "unauthenticated")


def test_a_message_with_a_tampered_signature_is_refused(api, peer):
    head, payload, signature = peer.seal(peer.message(UNIT_REGISTERED, peer.unit())).split(".")
    forged = f"{head}.{payload}.{'A' + signature[1:] if signature[0] != 'A' else 'B' + signature[1:]}"
    refused_with_nothing_written(api, peer.send(forged), 401, "unauthenticated")


def test_a_message_whose_body_was_changed_after_signing_is_refused(api, peer):
    head, _, signature = peer.seal(peer.message(UNIT_REGISTERED, peer.unit())).split(".")
    other = peer.seal(peer.message(UNIT_REGISTERED, peer.unit("dq-mzj"))).split(".")[1]
    refused_with_nothing_written(api, peer.send(f"{head}.{other}.{signature}"), 401, "unauthenticated")


def test_a_message_addressed_to_another_stage_is_refused(api, peer):
    response = peer.send(peer.message(UNIT_REGISTERED, peer.unit(), to_stage="nanxun"))
    refused_with_nothing_written(api, response, 401, "unauthenticated")


@pytest.mark.parametrize("minutes", [6, -6], ids=["stale", "from the future"])
def test_a_message_sent_more_than_five_minutes_away_is_refused(api, peer, minutes):
    response = peer.send(peer.message(UNIT_REGISTERED, peer.unit(), sent_at=minutes_ago(minutes)))
    refused_with_nothing_written(api, response, 401, "unauthenticated")


def test_a_message_that_claims_another_sender_than_its_signer_is_refused(api, peer):
    response = peer.send(peer.message(UNIT_REGISTERED, peer.unit(), from_stage="local"))
    refused_with_nothing_written(api, response, 401, "unauthenticated")


def test_a_message_speaking_for_a_unit_homed_elsewhere_is_forbidden(api, peer):
    response = peer.send(peer.message(UNIT_REGISTERED, peer.unit(stage="local")))
    refused_with_nothing_written(api, response, 403, "forbidden")


@pytest.mark.parametrize("token", ["", "not-a-jws", "a.b.c", "e30.e30.", "x" * 300_000])
def test_a_body_that_is_not_a_signed_message_is_refused(api, peer, token):
    refused_with_nothing_written(api, peer.send(token), 401, "unauthenticated")


def test_a_signed_message_of_the_wrong_shape_is_a_400(api, peer):
    response = peer.send({"message_id": "m1", "from_stage": PEER})
    refused_with_nothing_written(api, response, 400, "validation_error")


def test_a_signed_message_with_a_malformed_body_is_a_400(api, peer):
    response = peer.send(peer.message(UNIT_REGISTERED, {"unit_id": "dq-gaj", "stage": PEER}))
    refused_with_nothing_written(api, response, 400, "validation_error")


@pytest.mark.parametrize("missing", ["updated_at", "version", "legal_basis"])
def test_a_peers_proof_that_is_not_a_whole_item_is_a_400_and_not_mirrored(api, peer_unit, peer, missing):
    item = proof_body(proof_id="PF-HALF", issuing_unit="dq-gaj") | mirrored()
    del item[missing]
    response = peer.send(peer.message(PROOF_CHANGED, item))
    assert (response.status_code, response.data["code"]) == (400, "validation_error")
    assert DynamoFederationRepository().peer_proof(PEER, "PF-HALF") is None


# The peer's catalogue, mirrored: a request to its unit is judged here


@pytest.mark.parametrize(
    ("proof", "status", "code"),
    [
        (("PF-P1", "remote_verification", "inter_agency_check"), 201, None),
        (("PF-P2", "cancelled", "no_legal_basis"), 422, "proof_cancelled"),
        (("PF-P3", "existing_credential", "existing_credential"), 422, "proof_cancelled"),
    ],
)
def test_a_request_to_a_peers_unit_is_judged_by_its_mirrored_catalogue(
    api, relay_setup, peer_unit, peer, proof, status, code
):
    assert peer_proof(peer, *proof).status_code == 200
    response = ask_peers_unit(api, relay_setup, proof[0])
    assert response.status_code == status, response.data
    if code:
        assert response.data["code"] == code
    else:
        assert response.data["target_stage"] == PEER


def test_a_proof_the_peer_never_published_is_a_404(api, relay_setup, peer_unit):
    response = ask_peers_unit(api, relay_setup, "PF-R001")
    assert (response.status_code, response.data["code"]) == (404, "proof_not_found")


def test_a_later_version_of_a_peers_proof_wins_and_an_earlier_one_arriving_late_does_not(
    api, relay_setup, peer_unit, peer
):
    assert peer_proof(peer, "PF-P1", "cancelled", "no_legal_basis", version=2).status_code == 200
    assert (
        peer_proof(peer, "PF-P1", "remote_verification", "inter_agency_check", version=1).status_code == 200
    )
    response = ask_peers_unit(api, relay_setup, "PF-P1")
    assert (response.status_code, response.data["code"]) == (422, "proof_cancelled")


def test_a_request_to_a_peers_unit_is_owed_to_the_peer_and_alerts_no_one_here(
    api, relay_setup, peer_unit, peer
):
    peer_proof(peer, "PF-P1", "remote_verification", "inter_agency_check")
    created = ask_peers_unit(api, relay_setup, "PF-P1").data
    owed = [m for m in outgoing() if m.type == "request.created"]
    assert [(m.to_stage, m.body["request"]["request_id"]) for m in owed] == [(PEER, created["request_id"])]
    assert owed[0].body["request"]["subject"]["id_number"] == relay_body()["subject"]["id_number"]
    assert created["delivered_at"] is None


def test_an_event_of_a_request_unknown_here_is_parked_not_applied(api, relay_setup, peer_unit, peer):
    body = {"request_id": "01JXXXXXXXXXXXXXXXXXXXXXXX", "event": {"seq": 2}, "state": {}}
    response = peer.send(peer.message(REQUEST_EVENT, body))
    assert response.status_code == 200  # taken, and kept until its turn
    assert (
        api.get(f"/verification-requests/{body['request_id']}", token=relay_setup["requester"]).status_code
        == 404
    )


def test_a_matter_may_ask_for_a_proof_a_peers_unit_issues(api, relay_setup, peer_unit, peer, admin_token):
    terms = {"verification": "all", "verify_within_days": 5}
    body = proof_body(
        proof_id="PF-PC", disposition="commitment", rule="written_commitment", issuing_unit="dq-gaj"
    )
    assert (
        peer.send(peer.message(PROOF_CHANGED, {**body, "commitment": terms} | mirrored())).status_code == 200
    )
    matter = {"matter_code": "HZ-X-1", "name": "跨区事项", "unit_id": "hz-rsj", "proofs": ["PF-PC"]}
    assert api.post("/matters", matter, token=admin_token).status_code == 201
    needs = api.get("/matters/HZ-X-1/requirements").data["requirements"]
    assert [(r["proof_id"], r["action"]) for r in needs] == [("PF-PC", "sign_commitment")]
    notice = api.get("/proofs/PF-PC/commitment-notice").data
    assert notice["inquiry"]["unit_id"] == "dq-gaj" and notice["verification"]["within_days"] == 5
    unknown = api.post(
        "/matters", {**matter, "matter_code": "HZ-X-2", "proofs": ["PF-NOWHERE"]}, token=admin_token
    )
    assert (unknown.status_code, unknown.data["code"]) == (422, "unknown_proof")


def test_cancelling_a_cross_stage_check_asks_the_targets_stage_which_writes_the_trail(
    api, relay_setup, peer_unit, peer
):
    peer_proof(peer, "PF-P1", "remote_verification", "inter_agency_check")
    requester = Identity("rsj-1", Role.AGENCY, unit_id="hz-rsj")
    data = relay_body(target_unit="dq-gaj", proof_id="PF-P1")
    created = wiring.relay().create(requester, data, commitment_id="01JCOMMITMENT0000000000000")
    assert created.commitment_id == "01JCOMMITMENT0000000000000"
    owed = [m for m in outgoing() if m.type == "request.created"]
    assert owed[0].body["request"]["commitment_id"] == created.commitment_id
    assert owed[0].body["event"]["detail"] == {"commitment_id": created.commitment_id}
    wiring.relay().cancel(created.request_id, "commitment_withdrawn")
    cancels = [m for m in outgoing() if m.type == "request.cancel"]
    assert [(m.to_stage, m.body) for m in cancels] == [
        (
            PEER,
            {"request_id": created.request_id, "requester_unit": "hz-rsj", "reason": "commitment_withdrawn"},
        )
    ]
    here = api.get(f"/verification-requests/{created.request_id}", token=relay_setup["requester"]).data
    assert here["status"] == "pending"  # until the target's stage sends its cancelled event back


def test_a_peer_may_not_cancel_a_request_it_did_not_send(api, relay_setup, peer_unit, peer):
    mine = api.post("/verification-requests", relay_body(), token=relay_setup["requester"]).data
    body = {"request_id": mine["request_id"], "requester_unit": "dq-gaj", "reason": "commitment_withdrawn"}
    response = peer.send(peer.message(REQUEST_CANCEL, body))
    assert (response.status_code, response.data["code"]) == (403, "forbidden")
    speaking_for_ours = peer.send(peer.message(REQUEST_CANCEL, {**body, "requester_unit": "hz-rsj"}))
    assert speaking_for_ours.status_code == 403
    after = api.get(f"/verification-requests/{mine['request_id']}", token=relay_setup["requester"]).data
    assert after["status"] == "pending"


# The stream hands new messages to the delivery queue


def test_a_stream_batch_of_new_messages_queues_each_once_in_commit_order(api, peer, admin_token, monkeypatch):
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName=f"fed-{get_settings().table_name}")["QueueUrl"]
    monkeypatch.setenv("FEDERATION_QUEUE_URL", queue)
    for unit_id in ("hz-a", "hz-b"):
        body = {"unit_id": unit_id, "name": unit_id, "level": "city", "county": "huzhou"}
        assert api.post("/units", body, token=admin_token).status_code == 201
    items = boto3.client("dynamodb").query(
        TableName=get_settings().table_name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "FEDOUT"}},
    )["Items"]
    assert len(items) == 2

    assert jobs.dispatch_stream_batch(stream_event(items), None) == {"batchItemFailures": []}

    queued = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert [json.loads(m["Body"])["body"]["unit_id"] for m in queued] == ["hz-a", "hz-b"]
    # Kept in the table until the peer's receipt, marked as queued: not handed over twice
    assert [row.lsi1sk.split("#")[0] for row in OutgoingRow.query(OUT, consistent_read=True)] == [
        "QUEUED"
    ] * 2
    assert jobs.dispatch_stream_batch(stream_event(items), None) == {"batchItemFailures": []}
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", []) == []
