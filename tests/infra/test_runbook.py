"""The README's runbook stays true to the commands: every `make` target it names exists, and it
keeps the prerequisites a China deployment cannot do without."""

import re

import pytest

from infra.local.stack import PROJECT
from infra.stages import ACCOUNT_STACK

pytestmark = pytest.mark.infra


def runbook() -> str:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    return readme[readme.index("## Deploying (runbook)") :]


def test_every_make_target_the_runbook_names_exists():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (PROJECT / "Makefile").read_text(), re.MULTILINE))
    named = set(re.findall(r"\bmake ([a-z][a-z-]*)", runbook()))
    assert {"bootstrap", "diff", "deploy", "load-catalogue", "synth"} <= named
    assert named <= targets, named - targets


def test_the_runbook_keeps_the_china_prerequisites_and_no_refused_command():
    text = runbook()
    assert "ICP" in text and "Ningxia" in text and "PIP_INDEX_URL" in text
    assert f"make deploy STAGE={ACCOUNT_STACK}" in text
    assert "aws-cn://" not in text.replace("(the CLI refuses `aws-cn://`)", "")  # cdk bootstrap wants aws://
    assert "npx aws-cdk" not in text  # the CLI is the one pinned in infra/package-lock.json
