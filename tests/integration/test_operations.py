"""What a deployed stage's operators rely on: signing keys read from Secrets Manager at run
time (moto server), and the business metrics the functions print in CloudWatch's embedded
metric format, one figure per committed change."""

import json
from collections import Counter

import boto3
import pytest

from chalicelib import wiring
from chalicelib.adapters import metrics, secrets
from chalicelib.api import jobs
from chalicelib.settings import get_settings
from infra.local.stack import free_port
from tests.integration.conftest import ID_NUMBER
from tests.support import citizen_token, make_token, notice_body, relay_body
from tests.support.stack import set_stage_env


@pytest.fixture
def keys_in_secrets_manager(stack_env, monkeypatch, request):
    """The stage names its two keys by ARN, as a deployed stage does; no key in the environment."""
    client = boto3.client("secretsmanager")
    arns = {}
    for name, value in (
        ("CURSOR_SECRET", "cursor-key-from-secrets-manager"),
        ("PSEUDONYM_SECRET", "pseudonym"),
    ):
        secret_name = f"{name}-{request.node.name}"[:500]
        arns[name] = client.create_secret(Name=secret_name, SecretString=value)["ARN"]
        set_stage_env(monkeypatch, f"{name}_ARN", arns[name])
    secrets.secret_string.cache_clear()
    yield arns
    secrets.secret_string.cache_clear()


def test_cursors_are_signed_with_the_key_from_secrets_manager(
    api, relay_setup, keys_in_secrets_manager, monkeypatch
):
    first = api.get("/proofs?limit=1")
    cursor = first.data["next_cursor"]
    assert first.status_code == 200 and cursor

    assert api.get(f"/proofs?limit=1&cursor={cursor}").status_code == 200
    set_stage_env(
        monkeypatch, "CURSOR_SECRET_ARN", None
    )  # back to the development key: the cursor no longer fits
    refused = api.get(f"/proofs?limit=1&cursor={cursor}")
    assert refused.status_code == 400 and refused.data["details"] == {"parameter": "cursor"}


def test_each_key_is_read_once_per_container_and_the_subject_index_uses_it(
    api, relay_setup, keys_in_secrets_manager
):
    for _ in range(3):
        assert (
            api.post("/verification-requests", relay_body(), token=relay_setup["requester"]).status_code
            == 201
        )
    api.get("/proofs?limit=1")
    api.get("/proofs?limit=1")

    mine = api.get("/me/verification-requests", token=citizen_token())

    assert mine.status_code == 200 and len(mine.data["items"]) == 3
    assert secrets.secret_string.cache_info().misses == 2  # one GetSecretValue per key, then cached


def test_a_deployed_stage_without_its_keys_refuses_to_fall_back_to_the_development_key(monkeypatch):
    set_stage_env(monkeypatch, "STAGE", "wuxing")
    for name in ("CURSOR_SECRET", "CURSOR_SECRET_ARN", "PSEUDONYM_SECRET", "PSEUDONYM_SECRET_ARN"):
        set_stage_env(monkeypatch, name, None)

    with pytest.raises(RuntimeError, match="CURSOR_SECRET_ARN"):
        wiring.cursor_secret()


# Metrics


def emitted(printed: str) -> dict[str, list[float]]:
    """Every metric value in the EMF lines printed, by metric name; checks their shape."""
    values: dict[str, list[float]] = {}
    for line in printed.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        record = json.loads(line)
        (directive,) = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == metrics.NAMESPACE
        assert record["stage"] == "local" and record["service"] == metrics.SERVICE
        for metric in directive["Metrics"]:
            value = record[metric["Name"]]
            values.setdefault(metric["Name"], []).extend(value if isinstance(value, list) else [value])
    return values


def totals(printed: str) -> Counter:
    return Counter({name: sum(values) for name, values in emitted(printed).items()})


def ok(response, status=200):
    assert response.status_code == status, response.data
    return response.data


def counted(printed: str) -> dict[str, int]:
    """The change metrics the output holds, each summed; an ID number there fails the test."""
    assert ID_NUMBER.search(printed) is None
    figures = totals(printed)
    return {name: figures[name] for name in metrics.COMMITTED.values() if figures[name]}


def test_relay_changes_are_counted_once_and_refusals_not_at_all(api, relay_setup, capfd):
    requester, target = relay_setup["requester"], relay_setup["target"]
    capfd.readouterr()

    ids = [
        ok(api.post("/verification-requests", relay_body(), token=requester), 201)["request_id"]
        for _ in range(3)
    ]
    assert (
        api.post("/verification-requests", relay_body(proof_id="PF-C001"), token=requester).status_code == 422
    )
    ok(api.post(f"/verification-requests/{ids[0]}/accept", token=target))
    ok(
        api.post(
            f"/verification-requests/{ids[0]}/respond",
            {"outcome": "confirmed", "attestation": {}},
            token=target,
        )
    )
    ok(api.post(f"/verification-requests/{ids[1]}/reject", {"reason": "no_record"}, token=target))
    assert api.post(f"/verification-requests/{ids[1]}/accept", token=target).status_code == 409

    assert counted(capfd.readouterr().out) == {
        metrics.REQUESTS_CREATED: 3,
        metrics.REQUESTS_COMPLETED: 1,
        metrics.REQUESTS_REJECTED: 1,
    }


def test_the_overdue_job_counts_what_it_marked_and_reports_the_backlog(api, relay_setup, capfd, monkeypatch):
    set_stage_env(monkeypatch, "RELAY_DUE_WORKING_DAYS", "0")
    ok(api.post("/verification-requests", relay_body(), token=relay_setup["requester"]), 201)
    capfd.readouterr()

    assert jobs.mark_overdue_requests() == 1

    printed = capfd.readouterr().out
    assert counted(printed) == {metrics.REQUESTS_OVERDUE: 1}
    assert emitted(printed)[metrics.OVERDUE_BACKLOG] == [1]


def test_commitments_filed_and_found_false_are_counted(api, commitment_setup_on_relay, capfd):
    capfd.readouterr()
    citizens = [citizen_token(), citizen_token(id_number="11010519491231002X", name="李四", sub_suffix="li")]
    made = [
        ok(api.post("/commitments", commitment_setup_on_relay, token=t), 201)["commitment_id"]
        for t in citizens
    ]
    mzj = make_token("agency", unit_id="hz-mzj", sub_suffix="mzj")
    ok(api.post(f"/commitments/{made[1]}/verification", {"outcome": "false_commitment"}, token=mzj))

    assert counted(capfd.readouterr().out) == {metrics.COMMITMENTS_FILED: 2, metrics.FALSE_COMMITMENTS: 1}


def test_notices_published_and_reissued_are_counted(api, relay_setup, clock, capfd):
    capfd.readouterr()
    notice = ok(api.post("/lost-notices", notice_body(lost_on="2026-11-20"), token=citizen_token()), 201)
    clock.at(days=30)
    ok(api.post(f"/lost-notices/{notice['notice_id']}/reissue", token=relay_setup["target"]))

    assert counted(capfd.readouterr().out) == {metrics.NOTICES_PUBLISHED: 1, metrics.NOTICES_REISSUED: 1}


@pytest.fixture
def commitment_setup_on_relay(api, admin_token, relay_setup):
    """A commitment item of hz-mzj (already a unit of relay_setup), checked in every case."""
    from tests.support import proof_body

    body = proof_body(
        proof_id="PF-M001",
        issuing_unit="hz-mzj",
        disposition="commitment",
        rule="written_commitment",
        commitment={"verification": "all", "verify_within_days": 10},
    )
    ok(api.post("/proofs", body, token=admin_token), 201)
    matter = {"matter_code": "HZ-1", "name": "低保", "unit_id": "hz-mzj", "proofs": ["PF-M001"]}
    ok(api.post("/matters", matter, token=admin_token), 201)
    notice = ok(api.get("/proofs/PF-M001/commitment-notice"))
    return {
        "proof_id": "PF-M001",
        "matter_code": "HZ-1",
        "notice_version": notice["notice_version"],
        "accepted": True,
    }


def test_the_dispatcher_reports_alerts_sent_failures_and_the_age_of_the_oldest_unsent(
    api, relay_setup, clock, capfd, monkeypatch
):
    jobs.dispatch_alerts()  # the catalogue's own alerts
    api.post("/verification-requests", relay_body(), token=relay_setup["requester"])
    working_endpoint = boto3.client("sns").meta.endpoint_url
    capfd.readouterr()

    set_stage_env(monkeypatch, "AWS_ENDPOINT_URL_SNS", f"http://127.0.0.1:{free_port()}")  # SNS down
    clock.at(minutes=7)
    jobs.dispatch_alerts()
    down = emitted(capfd.readouterr().out)
    set_stage_env(monkeypatch, "AWS_ENDPOINT_URL_SNS", working_endpoint)
    jobs.dispatch_alerts()
    back = emitted(capfd.readouterr().out)

    assert metrics.ALERTS_PUBLISHED not in down and down[metrics.ALERT_PUBLISH_FAILURES] == [1]
    assert down[metrics.OLDEST_UNSENT_ALERT_AGE] == [420]  # committed at T0, still unsent at T0 + 7 min
    assert back[metrics.ALERTS_PUBLISHED] == [1] and metrics.ALERT_PUBLISH_FAILURES not in back
    assert back[metrics.OLDEST_UNSENT_ALERT_AGE] == [0]

    # A run with nothing to do reports only the age the alarm reads (0), no stream of zeros
    jobs.dispatch_alerts()
    assert emitted(capfd.readouterr().out) == {metrics.OLDEST_UNSENT_ALERT_AGE: [0]}


def test_the_stream_dispatcher_counts_what_it_published_and_what_failed(api, relay_setup, capfd, monkeypatch):
    from tests.integration.test_alerts import stream_event

    jobs.dispatch_alerts()
    api.post("/verification-requests", relay_body(), token=relay_setup["requester"])
    items = boto3.client("dynamodb").query(
        TableName=get_settings().table_name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "OUTBOX"}},
    )["Items"]
    event = stream_event([{"pk": {"S": "PROOF#X"}, "sk": {"S": "A"}}, *items])  # not an alert: not counted
    working_endpoint = boto3.client("sns").meta.endpoint_url
    capfd.readouterr()

    set_stage_env(monkeypatch, "AWS_ENDPOINT_URL_SNS", f"http://127.0.0.1:{free_port()}")
    jobs.dispatch_stream_batch(event, None)
    down = totals(capfd.readouterr().out)
    set_stage_env(monkeypatch, "AWS_ENDPOINT_URL_SNS", working_endpoint)
    jobs.dispatch_stream_batch(event, None)
    back = totals(capfd.readouterr().out)

    assert (down[metrics.ALERTS_PUBLISHED], down[metrics.ALERT_PUBLISH_FAILURES]) == (0, 1)
    assert (back[metrics.ALERTS_PUBLISHED], back[metrics.ALERT_PUBLISH_FAILURES]) == (1, 0)


def test_a_public_read_prints_no_metrics(api, relay_setup, capfd):
    capfd.readouterr()
    assert api.get("/proofs/PF-R001").status_code == 200
    assert emitted(capfd.readouterr().out) == {}
