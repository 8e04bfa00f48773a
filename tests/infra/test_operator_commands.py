"""The runbook's commands, run as an operator would: `make bootstrap | diff | deploy | import |
redrive STAGE=...` refuse a planned stage, missing credentials and another account's, and give
the CDK CLI the stage's region. Nothing leaves this machine: AWS is moto server (STS, SQS), and
the CDK CLI is replaced by a probe that prints what it was given."""

import json
import os
import signal
import subprocess
import sys

import boto3
import pytest

from infra import operator
from infra.local.stack import FAKE_CREDENTIALS, PROJECT, free_port, port_open
from infra.stages import STAGES, STAGES_MODULE
from tests.infra import example_stages
from tests.infra.conftest import EXAMPLES

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("synth")]

PROBE = f"{sys.executable} tests/infra/cdk_probe.py"  # the CDK CLI's stand-in


@pytest.fixture(scope="module")
def moto_url():
    port = free_port()
    server = subprocess.Popen(
        [str(PROJECT / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            if port_open(port):
                break
            subprocess.run(["sleep", "0.1"], check=True)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def make(tmp_path, *args, aws=None, stages_module=EXAMPLES):
    """`make ARGS` with no AWS settings but `aws`, the CDK CLI replaced by the probe."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "CDK_"))}
    env.update(HOME=str(tmp_path), AWS_EC2_METADATA_DISABLED="true", **(aws or {}))
    if stages_module:
        env[STAGES_MODULE] = stages_module
    return subprocess.run(
        ["make", "--no-print-directory", *args, f"CDK={PROBE}"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def sts_at(moto_url):
    return {**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL_STS": moto_url}


@pytest.mark.parametrize("command", ["bootstrap", "diff", "deploy", "import", "redrive"])
def test_a_planned_stage_cannot_be_deployed_or_touched(tmp_path, command):
    result = make(tmp_path, command, "STAGE=wuxing", stages_module=None)

    assert result.returncode != 0
    assert "stage wuxing is planned, not deployed" in result.stderr
    assert "[[" not in result.stdout  # the CDK CLI never ran


def test_an_unknown_stage_is_refused_with_the_list_of_stacks(tmp_path):
    result = make(tmp_path, "deploy", "STAGE=suzhou", stages_module=None)  # a city of Jiangsu

    assert result.returncode != 0
    assert "STAGE='suzhou' is not a stack here" in result.stderr
    assert all(f"{s.name} {s.account_stack}" in result.stderr for s in STAGES)


def test_without_credentials_a_deployed_stage_is_refused_before_the_cdk_runs(tmp_path):
    result = make(tmp_path, "deploy", "STAGE=pilot")

    assert result.returncode != 0
    assert "no usable AWS credentials for cn-northwest-1" in result.stderr
    assert "[[" not in result.stdout


def test_credentials_of_another_account_are_refused(tmp_path, moto_url):
    # moto's STS answers for account 123456789012; stage `elsewhere` is deployed in another
    result = make(tmp_path, "deploy", "STAGE=elsewhere", aws=sts_at(moto_url))

    assert result.returncode != 0
    assert (
        f"these credentials are for account {example_stages.ACCOUNT}; stage elsewhere is deployed in "
        f"account {example_stages.OTHER_ACCOUNT}"
    ) in result.stderr
    assert "[[" not in result.stdout


@pytest.mark.parametrize(
    ("command", "stack", "arguments"),
    [
        ("deploy", "pilot", ["deploy", "pilot", "--require-approval", "never"]),
        (
            "diff",
            "pilot-apigateway-account",
            ["diff", "pilot-apigateway-account", "--require-approval", "never"],
        ),
        (
            "bootstrap",
            "pilot",
            ["bootstrap", "aws://123456789012/cn-northwest-1", "--require-approval", "never"],
        ),
    ],
)
def test_the_stages_own_credentials_reach_the_cdk_cli_with_the_stages_region(
    tmp_path, moto_url, command, stack, arguments
):
    result = make(
        tmp_path, command, f"STAGE={stack}", "CDK_ARGS=--require-approval never", aws=sts_at(moto_url)
    )

    assert result.returncode == 0, result.stderr
    given, region, default_region, synthesized = json.loads(result.stdout.strip().splitlines()[-1])
    assert given == arguments
    assert region == default_region == "cn-northwest-1"  # not us-east-1, where China credentials fail
    assert synthesized == "pilot"  # the app the CLI runs synthesizes this stage, not all 101


def test_the_credentials_are_checked_in_the_china_partition():
    client = operator.sts("cn-northwest-1")
    assert client.meta.region_name == "cn-northwest-1"
    assert client.meta.endpoint_url == "https://sts.cn-northwest-1.amazonaws.com.cn"


def test_redrive_moves_every_dead_letter_back_to_the_delivery_queue_once(moto_url):
    sqs = boto3.client("sqs", endpoint_url=moto_url, region_name="cn-northwest-1", **_keys())
    dead = sqs.create_queue(QueueName="redrive-dlq")["QueueUrl"]
    queue = sqs.create_queue(QueueName="redrive-queue")["QueueUrl"]
    bodies = [json.dumps({"message_id": f"m{n}"}) for n in range(23)]
    for body in bodies:
        sqs.send_message(QueueUrl=dead, MessageBody=body)

    assert operator.move_messages(sqs, dead, queue) == 23

    moved = []
    while batch := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        moved += [m["Body"] for m in batch]
        for m in batch:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    assert sorted(moved) == sorted(bodies)
    assert sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=0).get("Messages", []) == []


def _keys():
    return {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def test_the_cdk_cli_is_the_one_the_lock_file_pins_and_runs_the_projects_python():
    lock = json.loads((PROJECT / "infra" / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/aws-cdk"]["version"]
    assert (
        json.loads((PROJECT / "infra" / "package.json").read_text())["devDependencies"]["aws-cdk"] == pinned
    )
    assert json.loads((PROJECT / "cdk.json").read_text())["app"].startswith(".venv/bin/python -m infra.app")
