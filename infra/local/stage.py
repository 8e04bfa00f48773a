"""What a stage's server process does besides serving under `make run`: prepare its tables,
alert topic and seed before it serves, and run its scheduled work in a loop, as Lambda's
schedules, stream and queue triggers do in AWS (the same functions: chalicelib/api/jobs.py)."""

from __future__ import annotations

import threading
import time

import boto3

from chalicelib.adapters.sns_publisher import alert_topic_name
from chalicelib.adapters.tables import ensure_tables
from chalicelib.api import jobs
from chalicelib.observability import logger
from chalicelib.settings import get_settings
from infra.local import seed

DISPATCH_EVERY = 0.5  # seconds: alerts reach queues well within the contract's 5 s
OVERDUE_EVERY = 10.0
DIRECTORY_EVERY = 2.0  # the anchor's push and the stages' poll (in AWS: each minute, every 5)
CHECKPOINT_EVERY = 10.0  # every 5 minutes in AWS; sooner here, so that a run shows it at once
DELIVERERS = 2  # delivery loops side by side (one may wait on a hung peer)


def prepare() -> None:
    """Tables, topic and seed: everything the stage expects to exist before it serves."""
    settings = get_settings()
    for name in ensure_tables(boto3.client("dynamodb"), settings):
        print(f"[{settings.stage}] created table {name}", flush=True)
    topic = boto3.client("sns").create_topic(Name=alert_topic_name(settings.stage))
    print(f"[{settings.stage}] alert topic {topic['TopicArn']}", flush=True)
    print(f"[{settings.stage}] seed: {seed.load_if_empty()}", flush=True)
    if settings.federation_anchor:
        print(f"[{settings.stage}] federation directory: {jobs.open_directory()}", flush=True)


def run_jobs(stop: threading.Event) -> None:
    """The stage's scheduled work, as loops like the functions in AWS: draining the outbox
    (alerts to SNS, messages to the delivery queue) and the due jobs in one, delivering messages
    to peers in the others, so that a peer that is slow or down never holds back an alert. The
    deliveries run in DELIVERERS loops side by side, as Lambda runs its SQS trigger in several
    containers: while one waits on a peer that hangs, the others deliver to every other peer."""
    deliveries = [
        threading.Thread(target=_delivery_loop, args=(stop,), daemon=True) for _ in range(DELIVERERS)
    ]
    for loop in deliveries:
        loop.start()
    _outbox_loop(stop)
    for loop in deliveries:
        loop.join(timeout=30)


def _delivery_loop(stop: threading.Event) -> None:
    """Deliver what the queue offers; it waits up to a second for a message, so a new one goes
    out as soon as it is queued (as SQS's trigger does in AWS)."""
    while not stop.is_set():
        try:
            jobs.deliver_waiting(wait_seconds=1)
        except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
            logger.exception("federation delivery job failed")
            stop.wait(DISPATCH_EVERY)


def _outbox_loop(stop: threading.Event) -> None:
    """Drain the outbox and mark what is due; a busy round is followed at once by the next."""
    next_overdue = next_checkpoint = next_directory = 0.0
    while not stop.is_set():
        busy = False
        try:
            busy = jobs.dispatch_alerts() > 0
            busy = jobs.forward_messages() > 0 or busy
            if time.monotonic() >= next_overdue:
                jobs.mark_overdue_requests()
                jobs.alert_overdue_commitment_checks()
                jobs.alert_reissues_due()
                jobs.alert_overdue_rectifications()
                next_overdue = time.monotonic() + OVERDUE_EVERY
            if time.monotonic() >= next_directory:
                jobs.sync_directory(every_call=True)
                next_directory = time.monotonic() + DIRECTORY_EVERY
            if time.monotonic() >= next_checkpoint:
                jobs.maintain_transparency_log()
                next_checkpoint = time.monotonic() + CHECKPOINT_EVERY
        except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
            logger.exception("background job failed")
        if not busy:
            stop.wait(DISPATCH_EVERY)
