"""The stacks synthesized once for the infra tests, as `make synth` does: the Huzhou stages of
this repository's province (all planned; the other 95 synthesize the same way with `make synth`,
outside the tests), and the deployed stages of tests/infra/example_stages.py."""

import json
import os
import subprocess
import sys

import pytest

from infra.local.stack import PROJECT
from infra.stages import STAGES, STAGES_MODULE, selected

EXAMPLES = "tests.infra.example_stages"
CITY = "huzhou"  # the city whose stages the tests synthesize


def synthesize(outdir, stages_module=None, *arguments, **env):
    """Synthesize the way `make synth` does (cdk-nag failures raise here), with nothing of the
    operator's environment but PATH and HOME unless the test adds it."""
    base = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    if stages_module:
        base[STAGES_MODULE] = stages_module
    result = subprocess.run(
        [sys.executable, "-m", "infra.app", "--outdir", str(outdir), *arguments],
        cwd=PROJECT,
        env={**base, **env},
        timeout=600,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return outdir


def huzhou_stages():
    """The stages `cdk_out` holds: the city and its counties, as the province file lists them."""
    return selected(STAGES, [], [CITY])


def read_template(outdir, stack):
    return json.loads((outdir / f"{stack}.template.json").read_text())


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory):
    return synthesize(tmp_path_factory.mktemp("cdk.out"), None, "--city", CITY)


@pytest.fixture(scope="session")
def deployed_out(tmp_path_factory):
    return synthesize(tmp_path_factory.mktemp("cdk.deployed"), EXAMPLES)
