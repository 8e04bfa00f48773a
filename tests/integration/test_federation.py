"""The federation door (POST /federation/messages) and the directory, with a peer stage played
by the test: what a peer's signed messages do here, and every message refused with nothing
written. Cross-stage requests between two served stages are in tests/e2e/test_federation.py."""

import base64
import hashlib
import json
from datetime import UTC, datetime

import boto3
import pytest
from cryptography.hazmat.primitives import serialization

from chalicelib import wiring
from chalicelib.adapters import jws
from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.adapters.federation_rows import OUT, OutgoingRow
from chalicelib.api import jobs
from chalicelib.domain.clock import format_time
from chalicelib.domain.federation import (
    PROOF_CHANGED,
    REQUEST_CANCEL,
    REQUEST_CREATED,
    REQUEST_EVENT,
    UNIT_REGISTERED,
)
from chalicelib.domain.identity import Identity, Role
from chalicelib.settings import get_settings
from tests.support.catalogue import proof_body
from tests.support.federation import PEER, minutes_ago
from tests.support.relay import relay_body
from tests.support.stack import SUBJECT_ID, set_stage_env, stream_event


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
    set_stage_env(monkeypatch, "AWS_ENDPOINT_URL_KMS", moto)
    kms = boto3.client("kms", endpoint_url=moto)
    signing, published = (
        kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
        for _ in range(2)
    )
    set_stage_env(monkeypatch, "FEDERATION_KEY_ARN", signing)
    set_stage_env(monkeypatch, "FEDERATION_PUBLISHED_KEY_ARNS", published)

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
    refused_with_nothing_written(api, response, 400, "invalid_message")


def test_a_signed_message_with_a_malformed_body_is_a_400(api, peer):
    response = peer.send(peer.message(UNIT_REGISTERED, {"unit_id": "dq-gaj", "stage": PEER}))
    refused_with_nothing_written(api, response, 400, "invalid_message")


@pytest.mark.parametrize("missing", ["updated_at", "version", "legal_basis"])
def test_a_peers_proof_that_is_not_a_whole_item_is_a_400_and_not_mirrored(api, peer_unit, peer, missing):
    item = proof_body(proof_id="PF-HALF", issuing_unit="dq-gaj") | mirrored()
    del item[missing]
    response = peer.send(peer.message(PROOF_CHANGED, item))
    assert (response.status_code, response.data["code"]) == (400, "invalid_message")
    assert DynamoFederationRepository(wiring.container().connection).peer_proof(PEER, "PF-HALF") is None


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
    at = "2026-11-26T08:00:00Z"
    event = {
        "seq": 2,
        "type": "accepted",
        "at": at,
        "actor": "dq-gaj",
        "detail": None,
        "stage": PEER,
        "prev_hash": "0" * 64,
        "hash": "1" * 64,
        "signature": {"kid": "k", "value": "A" * 86},
    }
    unset = ("completed_at", "rejected_at", "cancelled_at", "outcome", "attestation", "note", "reject_reason")
    state = dict.fromkeys(unset) | {"status": "accepted", "updated_at": at, "accepted_at": at}
    body = {"request_id": "01JXXXXXXXXXXXXXXXXXXXXXXX", "event": event, "state": state}
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
    set_stage_env(monkeypatch, "FEDERATION_QUEUE_URL", queue)
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


def test_a_unit_homed_on_a_peer_acts_only_there(api, relay_setup, peer_unit, peer):
    """An agency token of a peer's unit speaks for nobody here: every action and inbox read is
    a 403 unit_not_homed_here, and nothing is recorded or queued (a unit this stage does not
    know at all keeps its 403 unit_not_registered)."""
    from tests.support.stack import agency_token

    created = api.post("/verification-requests", relay_body(), token=relay_setup["requester"]).data
    path = f"/verification-requests/{created['request_id']}"
    before = (api.get("/stats").data, outgoing())
    for token, code in (
        (agency_token("dq-gaj"), "unit_not_homed_here"),
        (agency_token("nowhere"), "unit_not_registered"),
    ):
        answers = [
            api.post("/verification-requests", relay_body(), token=token),
            api.get("/verification-requests?box=inbox", token=token),
            api.get("/verification-requests?box=outbox", token=token),
            api.get(path, token=token),
            api.post(f"{path}/accept", token=token),
            api.post(f"{path}/respond", {"outcome": "confirmed", "attestation": {}}, token=token),
            api.post(f"{path}/reject", {"reason": "no_record"}, token=token),
            api.get("/commitments", token=token),
        ]
        assert [(a.status_code, a.data["code"]) for a in answers] == [(403, code)] * len(answers)
    assert (api.get("/stats").data, outgoing()) == before
    assert answers[0].data["message_zh"]


# A stranger's bytes cost a bounded parse; a peer's bodies pass the public API's rules


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_deeply_nested_or_oversized_header_is_a_401_never_a_500(api, peer):
    payload = b64(b"{}")
    for header in (b"[" * 100_000 + b"]" * 100_000, b'{"alg":"ES256","kid":"' + b"k" * 5000 + b'"}'):
        refused_with_nothing_written(api, peer.send(f"{b64(header)}.{payload}.AAAA"), 401, "unauthenticated")


def test_a_signed_payload_nested_past_the_parser_is_a_400_and_not_remembered(api, peer):
    head = b64(json.dumps({"alg": "ES256", "kid": peer.signer.kid}).encode())
    body = b64(b'{"a":' + b"[" * 30_000 + b"]" * 30_000 + b"}")
    token = f"{head}.{body}.{b64(peer.signer.sign(f'{head}.{body}'.encode()))}"
    refused_with_nothing_written(api, peer.send(token), 400, "invalid_message")


def test_a_message_of_a_newer_protocol_is_a_409_its_sender_retries(api, peer):
    message = peer.message(UNIT_REGISTERED, peer.unit(), protocol=2)
    refused_with_nothing_written(api, peer.send(message), 409, "unsupported_message")
    assert peer.send(message | {"protocol": 1}).status_code == 200  # the same id, once understood


@pytest.mark.parametrize("protocol", [0, -1, "1", 1.5, True, None])
def test_a_protocol_that_is_not_a_version_is_a_400(api, peer, protocol):
    message = peer.message(UNIT_REGISTERED, peer.unit(), protocol=protocol)
    refused_with_nothing_written(api, peer.send(message), 400, "invalid_message")


@pytest.mark.parametrize(
    "sent_at", ["20261202T011000Z", "2026-W49-3T01:10:00Z", "2026-12-02 01:10:00Z", "2026-12-02T01:10:00"]
)
def test_sent_at_is_rfc_3339_only(api, peer, sent_at):
    refused_with_nothing_written(
        api, peer.send(peer.message(UNIT_REGISTERED, peer.unit(), sent_at=sent_at)), 401, "unauthenticated"
    )


FULLWIDTH_ID = SUBJECT_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
# What a compromised or buggy peer sent and was taken (200) or answered 500 before: each a 400.
POISON = {
    "created_at garbage": lambda p: (REQUEST_CREATED, p.request_created(created_at="garbage")),
    "fullwidth ID number": lambda p: (
        REQUEST_CREATED,
        p.request_created(subject={"name": "王小明", "id_type": "resident_id", "id_number": FULLWIDTH_ID}),
    ),
    "a wrong check digit": lambda p: (
        REQUEST_CREATED,
        p.request_created(
            subject={"name": "王小明", "id_type": "resident_id", "id_number": SUBJECT_ID[:-1] + "5"}
        ),
    ),
    "a name that is an object": lambda p: (
        REQUEST_CREATED,
        p.request_created(subject={"name": {"a": 1}, "id_type": "resident_id", "id_number": SUBJECT_ID}),
    ),
    "a status it cannot have": lambda p: (REQUEST_CREATED, p.request_created(status="completed")),
    "a blank unit id": lambda p: (UNIT_REGISTERED, p.unit(unit_id=" ")),
    "a 1,500-character unit id": lambda p: (UNIT_REGISTERED, p.unit(unit_id="u" * 1500)),
    "a unit name of control characters": lambda p: (UNIT_REGISTERED, p.unit(unit_id="dq-x", name="\x00\x1b")),
    "an unknown level": lambda p: (UNIT_REGISTERED, p.unit(unit_id="dq-x", level="province")),
    "version 1e300": lambda _: (
        PROOF_CHANGED,
        proof_body(issuing_unit="dq-gaj") | mirrored() | {"version": 1e300},
    ),
    "negative verify_within_days": lambda _: (
        PROOF_CHANGED,
        proof_body(issuing_unit="dq-gaj", disposition="commitment", rule="written_commitment")
        | mirrored()
        | {"commitment": {"verification": "all", "verify_within_days": -3}},
    ),
    "sample_rate 5": lambda _: (
        PROOF_CHANGED,
        proof_body(issuing_unit="dq-gaj", disposition="commitment", rule="written_commitment")
        | mirrored()
        | {"commitment": {"verification": "sample", "sample_rate": 5, "verify_within_days": 3}},
    ),
    "an unknown disposition": lambda _: (
        PROOF_CHANGED,
        proof_body(issuing_unit="dq-gaj", disposition="gone") | mirrored(),
    ),
    "a retained item with a rule (a 422 rule of the public API)": lambda _: (
        PROOF_CHANGED,
        proof_body(issuing_unit="dq-gaj", disposition="retained", rule="no_legal_basis", guidance="窗口")
        | mirrored(),
    ),
    "a 1,500-digit seq": lambda _: (
        REQUEST_EVENT,
        {"request_id": "01JXXXXXXXXXXXXXXXXXXXXXXX", "event": {"seq": int("9" * 1500)}, "state": {}},
    ),
    "an untrimmed reason": lambda _: (
        REQUEST_CANCEL,
        {"request_id": "01JXXXXXXXXXXXXXXXXXXXXXXX", "requester_unit": "dq-gaj", "reason": " 撤回 "},
    ),
}


@pytest.mark.parametrize("poison", POISON.values(), ids=POISON.keys())
def test_a_peers_body_that_fails_the_public_rules_is_a_400_remembered_and_nothing_else_is_stored(
    api, relay_setup, peer_unit, peer, poison
):
    type_, body = poison(peer)
    message = peer.message(type_, body)
    before = (api.get("/stats").data, outgoing())

    refused = peer.send(message)

    assert (refused.status_code, refused.data["code"]) == (400, "invalid_message"), refused.data
    assert (api.get("/stats").data, outgoing()) == before
    assert api.get("/units/dq-x").status_code == 404
    assert DynamoFederationRepository(wiring.container().connection).peer_proof(PEER, "PF-R001") is None
    # The same id again, even with another (valid) body: the same answer, nothing applied.
    again = peer.send(message | {"type": UNIT_REGISTERED, "body": peer.unit(unit_id="dq-y")})
    assert (again.status_code, again.data) == (400, refused.data)
    assert api.get("/units/dq-y").status_code == 404


def test_a_valid_request_from_the_peer_is_taken_so_the_poisoned_ones_fail_on_their_poison(
    api, relay_setup, peer_unit, peer
):
    body = peer.request_created()
    taken = peer.send(peer.message(REQUEST_CREATED, body))
    assert taken.status_code == 200, taken.data
    inbox = api.get("/verification-requests?box=inbox", token=relay_setup["target"]).data["items"]
    assert [r["request_id"] for r in inbox] == [body["request"]["request_id"]]


def test_a_forbidden_message_is_remembered_too(api, peer):
    message = peer.message(UNIT_REGISTERED, peer.unit(stage="local"))  # speaks for another home
    refused = peer.send(message)
    assert (refused.status_code, refused.data["code"]) == (403, "forbidden")
    again = peer.send(message | {"body": peer.unit()})
    assert (again.status_code, again.data) == (403, refused.data)
    assert api.get("/units/dq-gaj").status_code == 404


def test_the_same_message_id_from_another_stage_is_another_message(api, peer):
    """Answers are kept by sender and id: one stage's ids never shadow another's."""
    message = peer.message(UNIT_REGISTERED, peer.unit())
    repo = DynamoFederationRepository(wiring.container().connection)
    assert peer.send(message).status_code == 200
    assert repo.answer(PEER, message["message_id"]) is not None
    assert repo.answer("peer2", message["message_id"]) is None


# What a compromised peer tried against the door after the first round (a hostile review)


def peer_event(peer, seq, type_, at, actor, prev_hash, detail=None):
    """A trail event recorded and signed by the peer stage."""
    from chalicelib.domain.trail import next_event

    event = next_event(seq - 1, prev_hash, type_, at, actor, detail, PEER)
    return event.signed(peer.signer.kid, peer.signer.sign(event.signed_bytes)).to_view()


@pytest.fixture
def copy_here(api, relay_setup, peer_unit, peer):
    """A request from hz-rsj here to dq-gaj on the peer: this stage's copy, and its last hash."""
    peer_proof(peer, "PF-P1", "remote_verification", "inter_agency_check")
    created = ask_peers_unit(api, relay_setup, "PF-P1").data
    trail = api.get(f"/verification-requests/{created['request_id']}/trail", token=relay_setup["requester"])
    return created, trail.data["events"][-1]["hash"]


def state_of(created, **changes):
    keys = ("accepted_at", "completed_at", "rejected_at", "cancelled_at", "outcome", "attestation", "note")
    return (
        dict.fromkeys((*keys, "reject_reason"))
        | {"status": "pending", "updated_at": created["updated_at"]}
        | changes
    )


def test_a_peers_event_is_replayed_by_the_public_transitions_and_refused_when_they_differ(
    api, relay_setup, copy_here, peer
):
    created, last = copy_here
    at = format_time(datetime.now(UTC))
    answered = {"outcome": "confirmed", "attestation": {"关系": "父子"}, "note": None}
    tries = {
        "a completion that was never accepted": (
            peer_event(peer, 2, "completed", at, "dq-gaj", last, {"outcome": "confirmed"}),
            state_of(created, status="completed", completed_at=at, updated_at=at, **answered),
        ),
        "a view that gives an outcome": (
            peer_event(peer, 2, "viewed", at, "dq-gaj", last),
            state_of(created, **answered),
        ),
        "an acceptance by the requester itself": (
            peer_event(peer, 2, "accepted", at, "hz-rsj", last),
            state_of(created, status="accepted", accepted_at=at, updated_at=at),
        ),
        "overdue before it is due": (
            peer_event(peer, 2, "overdue", at, "system", last),
            state_of(created, status="overdue", updated_at=at),
        ),
        "an acceptance with a rejection's reason": (
            peer_event(peer, 2, "accepted", at, "dq-gaj", last),
            state_of(created, status="accepted", accepted_at=at, updated_at=at, reject_reason="other"),
        ),
    }
    path = f"/verification-requests/{created['request_id']}"
    for what, (event, state) in tries.items():
        body = {"request_id": created["request_id"], "event": event, "state": state}
        refused = peer.send(peer.message(REQUEST_EVENT, body))
        assert (refused.status_code, refused.data["code"]) == (400, "invalid_message"), (what, refused.data)
        assert api.get(path, token=relay_setup["requester"]).data["status"] == "pending", what
    accepted = peer_event(peer, 2, "accepted", at, "dq-gaj", last)
    body = {
        "request_id": created["request_id"],
        "event": accepted,
        "state": tries["an acceptance by the requester itself"][1],
    }
    assert peer.send(peer.message(REQUEST_EVENT, body)).status_code == 200  # the real one is taken
    assert api.get(path, token=relay_setup["requester"]).data["status"] == "accepted"


def test_a_peers_request_is_judged_by_this_stages_catalogue_and_its_created_event(
    api, relay_setup, peer_unit, peer
):
    tries = {
        "an unknown proof": peer.request_created(proof_id="PF-NOPE"),
        "a cancelled proof": peer.request_created(proof_id="PF-C001"),
        "a created event of another unit": peer.request_created(requester_unit="dq-rsj"),
        "a made-up commitment": peer.request_created(commitment_id="CM-FAKE"),
    }
    for what, body in tries.items():
        refused = peer.send(peer.message(REQUEST_CREATED, body))
        assert (refused.status_code, refused.data["code"]) in {
            (400, "invalid_message"),
            (409, "unit_not_known_yet"),
        }, (what, refused.data)
    assert api.get("/verification-requests?box=inbox", token=relay_setup["target"]).data["items"] == []


def test_a_peers_unit_is_held_to_the_parent_rules_of_post_units(api, peer_unit, peer):
    late = peer.send(peer.message(UNIT_REGISTERED, peer.unit(unit_id="dq-x", parent_unit="dq-parent")))
    assert (late.status_code, late.data["code"]) == (409, "unit_not_known_yet")  # retried: may come
    village = peer.unit(unit_id="dq-cun", level="village")
    assert peer.send(peer.message(UNIT_REGISTERED, village)).status_code == 200
    above = peer.send(
        peer.message(UNIT_REGISTERED, peer.unit(unit_id="dq-y", level="city", parent_unit="dq-cun"))
    )
    assert (above.status_code, above.data["code"]) == (400, "invalid_message")
    assert api.get("/units/dq-x").status_code == api.get("/units/dq-y").status_code == 404


def test_a_peer_cancels_only_its_own_commitment_check_and_waits_for_an_unknown_request(
    api, relay_setup, peer_unit, peer
):
    body = peer.request_created()
    assert peer.send(peer.message(REQUEST_CREATED, body)).status_code == 200
    assert peer.send(peer.message(UNIT_REGISTERED, peer.unit(unit_id="dq-rsj"))).status_code == 200
    request_id = body["request"]["request_id"]
    for requester, code in (("dq-rsj", "invalid_message"), ("dq-gaj", "invalid_message")):
        cancel = {"request_id": request_id, "requester_unit": requester, "reason": "撤回"}
        refused = peer.send(peer.message(REQUEST_CANCEL, cancel))  # another unit; no commitment
        assert (refused.status_code, refused.data["code"]) == (400, code)
    path = f"/verification-requests/{request_id}"
    assert api.get(path, token=relay_setup["target"]).data["status"] == "pending"
    unknown = {"request_id": "01JUNKNOWNXXXXXXXXXXXXXXXX", "requester_unit": "dq-gaj", "reason": "撤回"}
    waits = peer.send(peer.message(REQUEST_CANCEL, unknown))
    assert (waits.status_code, waits.data["code"]) == (409, "request_not_known_yet")


def test_an_oversized_message_is_a_400_remembered_never_a_500(api, peer):
    message = peer.message(UNIT_REGISTERED, peer.unit() | {"😀" * 47_000: 1})
    refused = peer.send(message)
    assert (refused.status_code, refused.data["code"]) == (400, "invalid_message"), refused.data
    again = peer.send(message | {"body": peer.unit()})
    assert (again.status_code, again.data) == (400, refused.data)
    assert api.get("/units/dq-gaj").status_code == 404


def test_a_malformed_envelope_is_remembered_under_its_id_and_protocol_2_0_is_2(api, peer):
    message = peer.message(UNIT_REGISTERED, peer.unit(), extra="x")
    refused = peer.send(message)
    assert (refused.status_code, refused.data["code"]) == (400, "invalid_message")
    well_formed = {k: v for k, v in message.items() if k != "extra"}
    assert (peer.send(well_formed).status_code, peer.send(well_formed).data) == (400, refused.data)
    newer = peer.send(peer.message(UNIT_REGISTERED, peer.unit(), protocol=2.0))
    assert (newer.status_code, newer.data["code"]) == (409, "unsupported_message")


def test_one_message_id_sent_twice_at_once_with_two_bodies_is_applied_once(api, peer):
    from tests.support import run_together

    message = peer.message(UNIT_REGISTERED, peer.unit(unit_id="dq-a"))
    tokens = [peer.seal(message), peer.seal(message | {"body": peer.unit(unit_id="dq-b")})]
    service = wiring.federation()
    results = run_together([lambda t=t: service.receive(t) for t in tokens] * 2)
    taken = [r for r in results if isinstance(r, dict)]
    assert taken and all(r == taken[0] for r in taken)
    assert all(getattr(r, "code", None) == "message_in_progress" for r in results if not isinstance(r, dict))
    known = [api.get(f"/units/{unit}").status_code for unit in ("dq-a", "dq-b")]
    assert sorted(known) == [200, 404]


def test_a_lost_document_whose_issuing_unit_lives_on_a_peer_is_declared_there(api, peer_unit):
    from tests.support import citizen_token, notice_body

    refused = api.post("/lost-notices", notice_body(issuing_unit="dq-gaj"), token=citizen_token())
    assert (refused.status_code, refused.data["code"]) == (422, "issuing_unit_elsewhere")
    assert refused.data["details"] == {"issuing_unit": "dq-gaj", "stage": PEER}


def test_two_events_of_one_request_arriving_at_once_are_both_applied(
    api, relay_setup, peer_unit, peer, monkeypatch
):
    """The later event, parked while the earlier one is applied by another delivery at the same
    moment, is taken by one of the two: never left parked by both. (Parking is slowed down so
    that the earlier event's delivery is done before the later one is parked.)"""
    import time

    from tests.support import run_together

    park = DynamoFederationRepository.park

    def slow_park(self, *args):
        time.sleep(0.3)
        return park(self, *args)

    monkeypatch.setattr(DynamoFederationRepository, "park", slow_park)
    peer_proof(peer, "PF-P1", "remote_verification", "inter_agency_check")
    service, requests_made = wiring.federation(), []
    for _ in range(6):
        created = ask_peers_unit(api, relay_setup, "PF-P1").data
        trail = api.get(
            f"/verification-requests/{created['request_id']}/trail", token=relay_setup["requester"]
        )
        last, at = trail.data["events"][-1]["hash"], format_time(datetime.now(UTC))
        accepted = peer_event(peer, 2, "accepted", at, "dq-gaj", last)
        completed = peer_event(peer, 3, "completed", at, "dq-gaj", accepted["hash"], {"outcome": "confirmed"})
        accepted_state = state_of(created, status="accepted", accepted_at=at, updated_at=at)
        answer = {"outcome": "confirmed", "attestation": {"关系": "父子"}, "note": None}
        completed_state = accepted_state | {"status": "completed", "completed_at": at, **answer}
        bodies = [(accepted, accepted_state), (completed, completed_state)]
        tokens = [
            peer.seal(
                peer.message(REQUEST_EVENT, {"request_id": created["request_id"], "event": e, "state": s})
            )
            for e, s in bodies
        ]
        results = run_together([lambda t=t: service.receive(t) for t in reversed(tokens)])
        assert all(isinstance(r, dict) for r in results), results
        requests_made.append(created["request_id"])
    statuses = [
        api.get(f"/verification-requests/{rid}", token=relay_setup["requester"]).data["status"]
        for rid in requests_made
    ]
    assert statuses == ["completed"] * len(requests_made)
