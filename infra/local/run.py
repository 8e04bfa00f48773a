"""`make run`: the whole service on this machine: stage `local` and its federated peer `peer`.

Starts DynamoDB Local (data under .local/dynamodb) and moto server, gives each stage its
signing key (.local/federation/<stage>.pem) and writes the directory both pin, then serves
each stage with `chalice local` (infra/local/serve.py: `local` on 127.0.0.1:8000, `peer` on
8001). Each stage's server prepares its own tables, alert topic, delivery queue and seed, and
runs its scheduled work. Ctrl-C (or SIGTERM) stops everything it started.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3

from chalicelib.adapters.signing import FileSigner
from infra.local import stack

API_PORT = 8000
PEER_PORT = 8001
DYNAMODB_PORT = 8100
MOTO_PORT = 8200
STATE = stack.PROJECT / ".local"
LABELS = {"local": "本地 Local", "peer": "对端 Peer (德清 Deqing)"}
QUEUE_RETENTION = 14 * 86400  # seconds, as the deployed stages' queues keep messages


def federate(
    ports: dict[str, int],
    state: Path,
    queue_retention: int = QUEUE_RETENTION,
    listed: tuple[str, ...] | None = None,
) -> dict[str, dict[str, str]]:
    """Each stage's key, the directory they are deployed with (the `listed` stages, all by
    default: the anchor signs it as version 1), and each stage's delivery queue (with its
    dead-letter queue, keeping messages `queue_retention` seconds): the environment each
    stage's server runs with. A stage left out joins later, with a PUT on the anchor."""
    keys = state / "federation"
    members, envs = [], {}
    # The first stage is the federation's anchor: it signs the directory with a key of its own,
    # which every stage pins.
    anchor, anchor_port = next(iter(ports.items()))
    anchor_key = FileSigner(keys / "anchor-directory.pem")
    (keys / "anchor.jwks.json").write_text(json.dumps({"keys": [anchor_key.public_jwk]}, indent=1))
    pinned = {
        "FEDERATION_ANCHOR": anchor,
        "FEDERATION_ANCHOR_URL": f"http://127.0.0.1:{anchor_port}",
        "FEDERATION_ANCHOR_JWKS_FILE": str(keys / "anchor.jwks.json"),
    }
    sqs = boto3.client("sqs")
    for stage, port in ports.items():
        signer = FileSigner(keys / f"{stage}.pem")
        url = f"http://127.0.0.1:{port}"
        if listed is None or stage in listed:
            members.append(
                {
                    "stage": stage,
                    "label": LABELS.get(stage, stage),
                    "api_url": url,
                    "jwks": {"keys": [signer.public_jwk]},
                }
            )
        dead = sqs.create_queue(QueueName=f"proof-free-{stage}-federation-dlq")["QueueUrl"]
        dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "1000"})
        attributes = {"RedrivePolicy": redrive, "MessageRetentionPeriod": str(queue_retention)}
        name = f"proof-free-{stage}-federation"
        queue = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        # The peer keeps its own tables (the bench may name local's through TABLE_NAME).
        tables = {
            "TABLE_NAME": f"proof-free-{stage}",
            "IDEMPOTENCY_TABLE_NAME": f"proof-free-{stage}-idempotency",
        }
        envs[stage] = {
            **(tables if stage != "local" else {}),
            "STAGE": stage,
            "COUNTY": stage,
            "API_URL": url,
            "FEDERATION_KEY_FILE": str(keys / f"{stage}.pem"),
            "FEDERATION_DIRECTORY_FILE": str(keys / "directory.json"),
            "FEDERATION_QUEUE_URL": queue,
            "FEDERATION_QUEUE_RETENTION_SECONDS": str(queue_retention),
            **pinned,
            **(
                {"FEDERATION_DIRECTORY_KEY_FILE": str(keys / "anchor-directory.pem")}
                if stage == anchor
                else {}
            ),
        }
    (keys / "directory.json").write_text(json.dumps({"stages": members}, ensure_ascii=False, indent=1))
    return envs


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local.serve",
            "--port",
            str(port),
            "--stage",
            env["STAGE"],
            "--with-jobs",
        ],
        cwd=stack.PROJECT,
        env={**os.environ, **env},
        start_new_session=True,
    )


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the whole service locally.")
    parser.add_argument("--api-port", type=int, default=API_PORT)
    parser.add_argument("--peer-port", type=int, default=PEER_PORT)
    parser.add_argument("--dynamodb-port", type=int, default=DYNAMODB_PORT)
    parser.add_argument("--moto-port", type=int, default=MOTO_PORT)
    parser.add_argument("--state-dir", type=Path, default=STATE, help="data and logs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    ports = {"local": args.api_port, "peer": args.peer_port}
    for port in ports.values():
        if stack.port_open(port):
            raise SystemExit(f"port {port} is already in use: is another `make run` still up?")
    state = args.state_dir
    services = stack.start(args.dynamodb_port, args.moto_port, state / "dynamodb", state / "logs")
    stopping = False

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    servers: list[subprocess.Popen] = []
    try:
        # No CloudWatch here to read the metrics' EMF lines: keep them out of the console.
        os.environ.update({**services.env, "POWERTOOLS_METRICS_DISABLED": "true"})
        envs = federate(ports, state)
        servers = [serve(envs[stage], port) for stage, port in ports.items()]
        print(
            f"API on http://127.0.0.1:{args.api_port}, its peer stage on http://127.0.0.1:{args.peer_port} "
            f"(DynamoDB Local :{args.dynamodb_port}, moto :{args.moto_port}); Ctrl-C stops",
            flush=True,
        )
        while not stopping and all(server.poll() is None for server in servers):
            time.sleep(0.2)
    finally:
        for server in servers:  # each lets a round of its jobs finish before it goes
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=40)
        services.stop()
        print("stopped")
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
