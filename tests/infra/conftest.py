"""The stacks synthesized once for the infra tests, as `make synth` does."""

import os
import subprocess
import sys

import pytest

from infra.local.stack import PROJECT


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory):
    """Synthesize every stage the way `make synth` does (cdk-nag failures raise here)."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    subprocess.run(
        [sys.executable, "-m", "infra.app", "--outdir", str(outdir)],
        cwd=PROJECT,
        check=True,
        env={**os.environ, "CDK_DEFAULT_ACCOUNT": "123456789012"},
        timeout=600,
    )
    return outdir
