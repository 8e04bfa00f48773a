"""The stacks synthesized once for the infra tests, as `make synth` does: this repository's
stages (all planned), and the deployed stages of tests/infra/example_stages.py."""

import json
import os
import subprocess
import sys

import pytest

from infra.local.stack import PROJECT
from infra.stages import STAGES_MODULE

EXAMPLES = "tests.infra.example_stages"


def synthesize(outdir, stages_module=None, **env):
    """Synthesize the way `make synth` does (cdk-nag failures raise here), with nothing of the
    operator's environment but PATH and HOME unless the test adds it."""
    base = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    if stages_module:
        base[STAGES_MODULE] = stages_module
    result = subprocess.run(
        [sys.executable, "-m", "infra.app", "--outdir", str(outdir)],
        cwd=PROJECT,
        env={**base, **env},
        timeout=600,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return outdir


def read_template(outdir, stack):
    return json.loads((outdir / f"{stack}.template.json").read_text())


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory):
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def deployed_out(tmp_path_factory):
    return synthesize(tmp_path_factory.mktemp("cdk.deployed"), EXAMPLES)
