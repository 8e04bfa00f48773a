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

import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from bench import queues, world
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
        sqs, sns = queues.moto_clients(running["ports"]["moto"])
        queues.wait_until_settled(running["ports"]["moto"])
        topic = sns.create_topic(Name=alert_topic_name("peer"))["TopicArn"]
        queue = stack.subscribe_queue(sns, sqs, topic, "bench-federation", [TARGET])
        arrivals: dict[str, float] = {}
        stop = threading.Event()
        receiver = threading.Thread(target=queues.receive, args=(sqs, queue, arrivals, stop), daemon=True)
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
            queues.wait(lambda: len(arrivals.keys() & sent.keys()) == count, 60)
            stop.set()
            requested = [arrivals[rid] - at for rid, at in sent.items() if rid in arrivals]
            answered = [_respond(http, running, rid, asker, holder) for rid in sent]
            signatures = [_signatures(http, running, rid, asker) for rid in sent]
    return {
        "sent": count,
        "requested": queues.spread(requested),
        "answered": queues.spread(answered),
        "signatures": statistics.median(signatures),
    }


def _respond(http: Any, running: dict[str, Any], request_id: str, asker: dict, holder: dict) -> float:
    peer = f"{running['peer']}/verification-requests/{request_id}"
    http.post(f"{peer}/accept", json={}, headers=holder, timeout=30).raise_for_status()
    started = time.monotonic()
    answer = {"outcome": "confirmed", "attestation": {"residence": "德清县"}}
    http.post(f"{peer}/respond", json=answer, headers=holder, timeout=30).raise_for_status()
    here = f"{running['base']}/verification-requests/{request_id}"
    queues.wait(
        lambda: http.get(here, headers=asker, timeout=30).json()["status"] == "completed", 30, every=0.02
    )
    return time.monotonic() - started


def _signatures(http: Any, running: dict[str, Any], request_id: str, asker: dict) -> int:
    """Signatures made for one request: each trail event once (by the stage recording it); each
    message (creation, then every later event) once by its sender and once in its receipt."""
    trail = f"{running['base']}/verification-requests/{request_id}/trail"
    events = len(http.get(trail, headers=asker, timeout=30).json()["events"])
    return events + 2 * events
