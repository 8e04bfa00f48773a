"""Federation latency under `make run` (stage local on one port, its peer on another, each
with its own loop of jobs), over real HTTP:

- a cross-stage request: from sending POST /verification-requests on stage local to the alert
  in the target unit's queue, subscribed to the peer stage's topic;
- the target's response: from sending POST .../respond on the peer to stage local showing the
  request completed;
- the signatures a cross-stage request costs (KMS Sign calls in AWS): one per trail event,
  and one per message and one per receipt, each event after creation being one message back.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import requests

from bench import world
from chalicelib.adapters.sns_publisher import alert_topic_name
from infra.local import stack
from infra.local.launch import launcher

TARGET_P95_SECONDS = 2.0
REQUESTER, TARGET = "hz-rsj", "dq-gaj"
BODY = {**world.RELAY_BODY, "target_unit": TARGET, "proof_id": "PF-DQ-V01"}


def measure(count: int = 20) -> dict[str, Any]:
    asker = {"Authorization": f"Bearer {world.token('agency', unit_id=REQUESTER)}"}
    holder = {"Authorization": f"Bearer {world.token('agency', unit_id=TARGET)}"}
    with tempfile.TemporaryDirectory() as state, launcher(Path(state)) as running:
        sqs, sns = _clients(running["ports"]["moto"])
        _wait_until_settled(sqs)
        topic = sns.create_topic(Name=alert_topic_name("peer"))["TopicArn"]
        queue = stack.subscribe_queue(sns, sqs, topic, "bench-federation", [TARGET])
        arrivals: dict[str, float] = {}
        stop = threading.Event()
        receiver = threading.Thread(target=_receive, args=(sqs, queue, arrivals, stop), daemon=True)
        receiver.start()
        with requests.Session() as http:
            sent = {}
            for _ in range(count):
                started = time.monotonic()
                answer = http.post(
                    f"{running['base']}/verification-requests", json=BODY, headers=asker, timeout=30
                )
                if answer.status_code != 201:
                    raise RuntimeError(f"cross-stage create: {answer.status_code} {answer.text[:300]}")
                sent[answer.json()["request_id"]] = started
            _wait(lambda: len(arrivals.keys() & sent.keys()) == count, 60)
            stop.set()
            requested = [arrivals[rid] - at for rid, at in sent.items() if rid in arrivals]
            answered = [_respond(http, running, rid, asker, holder) for rid in sent]
            signatures = [_signatures(http, running, rid, asker) for rid in sent]
    return {
        "sent": count,
        "requested": _spread(requested),
        "answered": _spread(answered),
        "signatures": statistics.median(signatures),
    }


def _respond(http: Any, running: dict[str, Any], request_id: str, asker: dict, holder: dict) -> float:
    peer = f"{running['peer']}/verification-requests/{request_id}"
    http.post(f"{peer}/accept", json={}, headers=holder, timeout=30).raise_for_status()
    started = time.monotonic()
    answer = {"outcome": "confirmed", "attestation": {"residence": "德清县"}}
    http.post(f"{peer}/respond", json=answer, headers=holder, timeout=30).raise_for_status()
    here = f"{running['base']}/verification-requests/{request_id}"
    _wait(lambda: http.get(here, headers=asker, timeout=30).json()["status"] == "completed", 30, every=0.02)
    return time.monotonic() - started


def _signatures(http: Any, running: dict[str, Any], request_id: str, asker: dict) -> int:
    """Signatures made for one request: each trail event once (by the stage recording it); each
    message (creation, then every later event) once by its sender and once in its receipt."""
    trail = f"{running['base']}/verification-requests/{request_id}/trail"
    events = len(http.get(trail, headers=asker, timeout=30).json()["events"])
    return events + 2 * events


def _spread(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=20, method="inclusive")  # [9] p50, [18] p95
    return {"arrived": len(latencies), "p50": cuts[9], "p95": cuts[18], "max": max(latencies)}


def _clients(moto_port: int) -> tuple[Any, Any]:
    aws = {
        "endpoint_url": f"http://127.0.0.1:{moto_port}",
        "region_name": "cn-northwest-1",
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    return boto3.client("sqs", **aws), boto3.client("sns", **aws)


def _wait_until_settled(sqs: Any) -> None:
    """The seeds' first exchange (a hundred messages or so) over, so it is not timed."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    urls = [
        sqs.get_queue_url(QueueName=f"proof-free-{stage}-federation")["QueueUrl"]
        for stage in ("local", "peer")
    ]

    def empty() -> bool:
        counts = [sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"] for url in urls]
        return all(int(c[name]) == 0 for c in counts for name in names)

    time.sleep(2)  # the seeds' messages are forwarded to the queues within a round or two
    _wait(empty, 120)


def _receive(sqs: Any, url: str, arrivals: dict[str, float], stop: threading.Event) -> None:
    while not stop.is_set():
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        now = time.monotonic()
        for message in answer.get("Messages", []):
            arrivals.setdefault(json.loads(message["Body"])["resource"]["id"], now)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _wait(condition: Any, seconds: float, every: float = 0.05) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not within {seconds} s")
        time.sleep(every)
