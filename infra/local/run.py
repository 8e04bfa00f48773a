"""`make run`: the whole service on this machine, stage `local`.

Starts DynamoDB Local (data under .local/dynamodb) and moto server, creates the tables and the
alert topic if absent, loads the seed catalogue if the catalogue is empty, then serves the API
with `chalice local` on 127.0.0.1:8000. Ctrl-C (or SIGTERM) stops everything it started.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3

from chalicelib.adapters.sns_publisher import alert_topic_name
from chalicelib.adapters.tables import ensure_tables
from chalicelib.api import jobs
from chalicelib.observability import logger
from chalicelib.settings import get_settings
from infra.local import seed, stack

API_PORT = 8000
DYNAMODB_PORT = 8100
MOTO_PORT = 8200
STATE = stack.PROJECT / ".local"


DISPATCH_EVERY = 0.5  # seconds: alerts reach queues well within the contract's 5 s
OVERDUE_EVERY = 10.0


def prepare(env: dict[str, str]) -> None:
    """Tables, topic and seed: everything the API expects to exist before it serves."""
    os.environ.update(env)
    settings = get_settings()
    created = ensure_tables(boto3.client("dynamodb"), settings)
    for name in created:
        print(f"created table {name}")
    topic = boto3.client("sns").create_topic(Name=alert_topic_name(settings.stage))
    print(f"alert topic {topic['TopicArn']}")
    loaded = seed.load_if_empty()
    print(f"seed: {loaded}")


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "infra.local.serve", "--port", str(port), "--stage", "local"],
        cwd=stack.PROJECT,
        env={**os.environ, **env},
        start_new_session=True,
    )


def run_jobs(stop: threading.Event) -> None:
    """What Lambda schedules do in AWS: drain the alert outbox, mark overdue requests."""
    next_overdue = 0.0
    while not stop.is_set():
        busy = False
        try:
            busy = jobs.dispatch_alerts() > 0
            if time.monotonic() >= next_overdue:
                jobs.mark_overdue_requests()
                jobs.alert_overdue_commitment_checks()
                jobs.alert_reissues_due()
                jobs.alert_overdue_rectifications()
                next_overdue = time.monotonic() + OVERDUE_EVERY
        except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
            logger.exception("background job failed")
        if not busy:  # after a busy round, look again at once: more may have come meanwhile
            stop.wait(DISPATCH_EVERY)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the whole service locally.")
    parser.add_argument("--api-port", type=int, default=API_PORT)
    parser.add_argument("--dynamodb-port", type=int, default=DYNAMODB_PORT)
    parser.add_argument("--moto-port", type=int, default=MOTO_PORT)
    parser.add_argument("--state-dir", type=Path, default=STATE, help="data and logs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if stack.port_open(args.api_port):
        raise SystemExit(f"port {args.api_port} is already in use: is another `make run` still up?")
    state = args.state_dir
    services = stack.start(args.dynamodb_port, args.moto_port, state / "dynamodb", state / "logs")
    stopping = False

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    api = None
    jobs_stop = threading.Event()
    jobs_thread = threading.Thread(target=run_jobs, args=(jobs_stop,), daemon=True)
    try:
        # No CloudWatch here to read the metrics' EMF lines: keep them out of the console.
        env = {**services.env, "STAGE": "local", "COUNTY": "local", "POWERTOOLS_METRICS_DISABLED": "true"}
        prepare(env)
        jobs_thread.start()
        api = serve(env, args.api_port)
        print(
            f"API on http://127.0.0.1:{args.api_port} (DynamoDB Local :{args.dynamodb_port}, "
            f"moto :{args.moto_port}); Ctrl-C stops",
            flush=True,
        )
        while not stopping and api.poll() is None:
            time.sleep(0.2)
    finally:
        jobs_stop.set()
        if jobs_thread.is_alive():  # let a round in progress finish before its services go
            jobs_thread.join(timeout=30)
        if api is not None and api.poll() is None:
            os.killpg(api.pid, signal.SIGTERM)
            api.wait(timeout=10)
        services.stop()
        print("stopped")
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
