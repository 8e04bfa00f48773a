"""`make run`: the whole service on this machine, stage `local`.

Starts DynamoDB Local (data under .local/dynamodb) and moto server, creates the tables and the
alert topic if absent, loads the seed catalogue if the catalogue is empty, then serves the API
with `chalice local` on 127.0.0.1:8000. Ctrl-C (or SIGTERM) stops everything it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3

from chalicelib.adapters.tables import ensure_tables
from chalicelib.settings import get_settings
from infra.local import seed, stack

API_PORT = 8000
DYNAMODB_PORT = 8100
MOTO_PORT = 8200
STATE = stack.PROJECT / ".local"


def alert_topic_name(stage: str) -> str:
    return f"proof-free-{stage}-agency-alerts"


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


def serve(env: dict[str, str]) -> subprocess.Popen:
    chalice = Path(sys.executable).with_name("chalice")
    return subprocess.Popen(
        [str(chalice), "local", "--host", "127.0.0.1", "--port", str(API_PORT), "--stage", "local",
         "--no-autoreload"],
        cwd=stack.PROJECT,
        env={**os.environ, **env},
        start_new_session=True,
    )


def main() -> int:
    if stack.port_open(API_PORT):
        raise SystemExit(f"port {API_PORT} is already in use: is another `make run` still up?")
    services = stack.start(DYNAMODB_PORT, MOTO_PORT, STATE / "dynamodb", STATE / "logs")
    stopping = False

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    api = None
    try:
        env = {**services.env, "STAGE": "local", "COUNTY": "local"}
        prepare(env)
        api = serve(env)
        print(f"API on http://127.0.0.1:{API_PORT} (DynamoDB Local :{DYNAMODB_PORT}, "
              f"moto :{MOTO_PORT}); Ctrl-C stops", flush=True)
        while not stopping and api.poll() is None:
            time.sleep(0.2)
    finally:
        if api is not None and api.poll() is None:
            os.killpg(api.pid, signal.SIGTERM)
            api.wait(timeout=10)
        services.stop()
        print("stopped")
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
