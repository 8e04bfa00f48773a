"""Alert latency under `make run`: from sending POST /verification-requests to the alert's
arrival in an agency queue subscribed to the stage's topic with a filter policy.

The launcher is the real one (DynamoDB Local, moto server, chalice local over HTTP, the
dispatcher loop); requests go one after another, so they land at every point of the
dispatcher's half-second cycle.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from bench import queues
from chalicelib.adapters.sns_publisher import alert_topic_name
from infra.local import stack
from infra.local.launch import launcher

TARGET_P95_SECONDS = 2.0
TARGET_UNIT = "hz-gaj"


def measure(agency_token: str, body: dict[str, Any], count: int = 100) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as state, launcher(Path(state)) as running:
        queues.wait_until_settled(running["ports"]["moto"])  # steady state, not start-up
        sqs, sns = queues.moto_clients(running["ports"]["moto"])
        topic = sns.create_topic(Name=alert_topic_name("local"))["TopicArn"]  # exists: returns it
        queue = stack.subscribe_queue(sns, sqs, topic, "bench-alerts", [TARGET_UNIT])
        arrivals: dict[str, float] = {}
        stop = threading.Event()
        receiver = threading.Thread(target=queues.receive, args=(sqs, queue, arrivals, stop), daemon=True)
        receiver.start()
        sent = _send(running["base"], agency_token, body, count)
        deadline = time.monotonic() + 60
        while len(arrivals.keys() & sent.keys()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        receiver.join(timeout=5)
    latencies = [arrivals[rid] - at for rid, at in sent.items() if rid in arrivals]
    if len(latencies) < 2:
        raise RuntimeError(f"only {len(latencies)} of {count} alerts arrived within 60 s")
    return {"sent": count, **queues.spread(latencies)}


def _send(base: str, token: str, body: dict[str, Any], count: int) -> dict[str, float]:
    sent = {}
    headers = {"Authorization": f"Bearer {token}"}
    with requests.Session() as http:
        for _ in range(count):
            started = time.monotonic()
            response = http.post(f"{base}/verification-requests", json=body, headers=headers, timeout=30)
            if response.status_code != 201:
                raise RuntimeError(
                    f"POST /verification-requests: {response.status_code} {response.text[:300]}"
                )
            sent[response.json()["request_id"]] = started
    return sent
