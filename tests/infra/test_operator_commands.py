"""The runbook's commands, run as an operator would on a machine with no AWS credentials: each
gets as far as asking AWS who it is, with the project's own virtualenv and the CDK CLI pinned
by infra/package-lock.json, and nothing leaves this machine (no instance metadata lookup)."""

import json
import os
import subprocess

import pytest

from infra.local.stack import PROJECT
from infra.stages import stack_names

# make diff/deploy synthesize into the project like the synth tests do: one worker runs them all.
pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("synth")]

NO_CREDENTIALS = "Unable to resolve AWS account"


def operator(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "CDK_"))}
    env.update(HOME=str(tmp_path), AWS_EC2_METADATA_DISABLED="true")
    # Each run synthesizes into a folder of its own: the CLI locks its output folder, and the
    # project's cdk.out may be in use by another test or by the operator.
    output = f"CDK_ARGS=--output {tmp_path / 'cdk.out'}"
    return subprocess.run(
        ["make", *args, output],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_cdk_cli_is_the_one_the_lock_file_pins_and_runs_the_projects_python():
    lock = json.loads((PROJECT / "infra" / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/aws-cdk"]["version"]
    assert (
        json.loads((PROJECT / "infra" / "package.json").read_text())["devDependencies"]["aws-cdk"] == pinned
    )
    assert json.loads((PROJECT / "cdk.json").read_text())["app"].startswith(".venv/bin/python -m infra.app")


@pytest.mark.parametrize("command", ["diff", "deploy"])
def test_diff_and_deploy_synthesize_the_stage_then_ask_for_credentials(tmp_path, command):
    result = operator(tmp_path, command, "STAGE=wuxing")

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "synthesized 6 stages" in output  # the app ran with the virtualenv's aws_cdk
    assert NO_CREDENTIALS in output, output[-2000:]
    assert "aws-cn://" not in output


def test_bootstrap_asks_for_credentials_too(tmp_path):
    result = operator(tmp_path, "bootstrap")

    assert result.returncode != 0
    assert NO_CREDENTIALS in result.stdout + result.stderr


def test_an_unknown_stage_is_refused_with_the_list_of_stages(tmp_path):
    result = operator(tmp_path, "deploy", "STAGE=hangzhou")

    assert result.returncode == 2
    assert "STAGE='hangzhou' is not a stack here" in result.stderr
    assert all(name in result.stderr for name in stack_names())
