"""Alerts: committed with the change, published to SNS (moto server) by the dispatcher, filtered
by unit, never lost when SNS is down, and free of personal data."""

import json
import re

import boto3
import pytest
from jsonschema import Draft202012Validator

from chalicelib import wiring
from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.adapters.sns_publisher import alert_topic_name
from chalicelib.auth import identify
from chalicelib.domain.errors import Conflict
from chalicelib.settings import get_settings
from chalicelib.validation import load_json
from infra.local.stack import free_port, subscribe_queue
from tests.support import proof_body, relay_body, run_together
from tests.support.stack import set_stage_env, stream_event

ID_NUMBER = re.compile(r"\d{17}[\dXx]")


@pytest.fixture
def topic(stack_env):
    return boto3.client("sns").create_topic(Name=alert_topic_name("local"))["TopicArn"]


@pytest.fixture
def subscribe(topic, request):
    sqs, sns = boto3.client("sqs"), boto3.client("sns")

    def queue_for(unit_id):
        name = f"{unit_id}-{request.node.name[-40:]}".replace("_", "-")[:80]
        return subscribe_queue(sns, sqs, topic, name, [unit_id, "*"])

    return queue_for


def received(url):
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
    ).get("Messages", [])
    return messages


def create(api, tokens):
    response = api.post("/verification-requests", relay_body(), token=tokens["requester"])
    assert response.status_code == 201
    return response.data["request_id"]


def test_each_agency_queue_gets_its_own_alerts_and_nobody_elses(api, relay_setup, subscribe):
    gaj, rsj, mzj = subscribe("hz-gaj"), subscribe("hz-rsj"), subscribe("hz-mzj")
    wiring.dispatcher().dispatch()  # the seed's catalogue.changed alerts go to everyone
    for url in (gaj, rsj, mzj):
        assert {json.loads(m["Body"])["event_type"] for m in received(url)} == {"catalogue.changed"}
    request_id = create(api, relay_setup)
    api.post(f"/verification-requests/{request_id}/accept", token=relay_setup["target"])
    assert wiring.dispatcher().dispatch().published == 2
    to_target, to_requester = received(gaj), received(rsj)
    assert [json.loads(m["Body"])["event_type"] for m in to_target] == ["verification.requested"]
    assert [json.loads(m["Body"])["event_type"] for m in to_requester] == ["verification.accepted"]
    assert received(mzj) == []
    message = to_target[0]
    body = json.loads(message["Body"])
    Draft202012Validator(load_json("alert.json")).validate(body)
    assert body["resource"] == {"type": "verification_request", "id": request_id}
    assert body["county"] == "local" and body["target_unit"] == "hz-gaj"
    assert {k: v["StringValue"] for k, v in message["MessageAttributes"].items()} == {
        "event_type": "verification.requested",
        "target_unit": "hz-gaj",
        "county": "local",
    }
    assert not ID_NUMBER.search(message["Body"]) and "王" not in message["Body"]


def test_an_sns_outage_delays_alerts_and_loses_none(api, relay_setup, subscribe, monkeypatch):
    gaj = subscribe("hz-gaj")
    wiring.dispatcher().dispatch()
    received(gaj)
    working_endpoint = boto3.client("sns").meta.endpoint_url
    set_stage_env(monkeypatch, "AWS_ENDPOINT_URL_SNS", f"http://127.0.0.1:{free_port()}")  # nothing listens
    request_id = create(api, relay_setup)
    assert api.get(f"/verification-requests/{request_id}", token=relay_setup["requester"]).status_code == 200
    report = wiring.dispatcher().dispatch()
    assert (report.published, report.waiting) == (0, True)
    assert [a.resource_id for a in DynamoOutbox().pending(10)] == [request_id]
    set_stage_env(monkeypatch, "AWS_ENDPOINT_URL_SNS", working_endpoint)
    assert wiring.dispatcher().dispatch().published == 1
    assert [json.loads(m["Body"])["resource"]["id"] for m in received(gaj)] == [request_id]
    assert DynamoOutbox().pending(10) == []


def test_a_published_alert_is_recorded_in_the_trail_once_even_if_sent_twice(api, relay_setup, subscribe):
    gaj = subscribe("hz-gaj")
    request_id = create(api, relay_setup)
    alert = next(a for a in DynamoOutbox().pending(100) if a.resource_id == request_id)
    wiring.dispatcher().dispatch()
    wiring.relay().record_alerted(alert)  # a crash between publishing and removing: sent again
    events = api.get(f"/verification-requests/{request_id}/trail", token=relay_setup["requester"]).data
    alerted = [e for e in events["events"] if e["type"] == "alerted"]
    assert [e["detail"]["event_id"] for e in alerted] == [alert.event_id]
    assert events["chain_valid"]
    assert len([m for m in received(gaj) if json.loads(m["Body"])["event_id"] == alert.event_id]) == 1


def test_a_catalogue_change_alerts_every_unit(api, admin_token, unit, subscribe):
    queue = subscribe("hz-gaj")
    created = api.post(
        "/proofs", proof_body(disposition="cancelled", rule="no_legal_basis"), token=admin_token
    ).data
    wiring.dispatcher().dispatch()
    bodies = [json.loads(m["Body"]) for m in received(queue)]
    assert [(b["event_type"], b["target_unit"], b["resource"]) for b in bodies] == [
        ("catalogue.changed", "*", {"type": "proof", "id": created["proof_id"]})
    ]


def test_two_concurrent_accepts_one_wins_one_is_refused(api, relay_setup):
    request_id = create(api, relay_setup)
    target = relay_setup["target"]
    caller = identify({"authorization": f"Bearer {target}"}, get_settings())
    results = run_together([lambda: wiring.relay().accept(caller, request_id)] * 2)
    assert sorted(r.code if isinstance(r, Conflict) else r.status.value for r in results) == [
        "accepted",
        "invalid_state",
    ]
    trail = api.get(f"/verification-requests/{request_id}/trail", token=target).data
    assert [e["type"] for e in trail["events"]].count("accepted") == 1 and trail["chain_valid"]
    outbox = [a.event_type for a in DynamoOutbox().pending(100) if a.resource_id == request_id]
    assert outbox.count("verification.accepted") == 1


def test_the_stream_dispatcher_reports_only_the_failed_records(api, relay_setup, subscribe, monkeypatch):
    from chalicelib.api.jobs import dispatch_stream_batch
    from chalicelib.settings import get_settings

    gaj = subscribe("hz-gaj")
    wiring.dispatcher().dispatch()
    received(gaj)
    create(api, relay_setup)
    client = boto3.client("dynamodb")
    items = client.query(
        TableName=get_settings().table_name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "OUTBOX"}},
    )["Items"]
    unrelated = {"pk": {"S": "PROOF#X"}, "sk": {"S": "A"}}  # other writes on the stream are skipped
    event = stream_event([unrelated, *items])
    working_endpoint = boto3.client("sns").meta.endpoint_url
    set_stage_env(monkeypatch, "AWS_ENDPOINT_URL_SNS", f"http://127.0.0.1:{free_port()}")
    failed = dispatch_stream_batch(event, None)
    assert failed == {"batchItemFailures": [{"itemIdentifier": f"{2:021d}"}]}
    assert len(DynamoOutbox().pending(10)) == 1
    set_stage_env(monkeypatch, "AWS_ENDPOINT_URL_SNS", working_endpoint)
    assert dispatch_stream_batch(event, None) == {"batchItemFailures": []}
    assert DynamoOutbox().pending(10) == []
    assert [json.loads(m["Body"])["event_type"] for m in received(gaj)] == ["verification.requested"]
