"""The runbook (docs/runbook.md) stays true to the commands and the stacks: every `make` target it
names exists, every `aws` command names its region, its alarm table lists exactly the alarms a
stage has, and it keeps the prerequisites a China deployment cannot do without."""

import re

import pytest

from infra.local.stack import PROJECT
from tests.infra.conftest import read_template

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("synth")]

RUNBOOK = PROJECT / "docs" / "runbook.md"


def runbook() -> str:
    return RUNBOOK.read_text(encoding="utf-8")


def test_every_make_target_the_runbook_names_exists():
    targets = set(re.findall(r"^([a-z][a-z -]*):", (PROJECT / "Makefile").read_text(), re.MULTILINE))
    targets = {name for line in targets for name in line.split()}
    named = set(re.findall(r"\bmake ([a-z][a-z-]*)", runbook()))
    assert {"bootstrap", "diff", "deploy", "import", "redrive", "load-catalogue"} <= named
    assert named <= targets, named - targets


def aws_commands(text: str) -> list[str]:
    """Each `aws ...` command of the text, its continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return re.findall(r"(?:^|`|\s)(aws [a-z0-9-]+ [a-z0-9-]+[^\n`]*)", joined)


def test_every_aws_command_names_its_region():
    commands = aws_commands(runbook())
    assert len(commands) >= 10
    assert [c for c in commands if "--region" not in c] == []
    # and so does the advice the alarms carry, and the README
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert [c for c in aws_commands(readme) if "--region" not in c] == []


def test_the_alarm_table_lists_every_alarm_of_a_stage_and_no_other(cdk_out):
    template = read_template(cdk_out, "wuxing")
    alarms = {
        r["Properties"]["AlarmName"].removeprefix("proof-free-wuxing-")
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    table = runbook().split("## Alarms: what each means and what to do")[1].split("\n## ")[0]
    listed = set(re.findall(r"^\| `([A-Za-z]+)` \|", table, re.MULTILINE))
    assert listed == alarms and len(alarms) == 10


def test_the_runbook_keeps_the_china_prerequisites_and_no_refused_command():
    text = runbook()
    assert "ICP" in text and "Ningxia" in text and "PIP_INDEX_URL" in text
    assert "docs.amazonaws.cn" in text  # the China pages it relies on
    assert "aws-cn://" not in text  # cdk bootstrap wants aws://
    assert "npx aws-cdk" not in text  # the CLI is the one pinned in infra/package-lock.json
    assert "start-message-move-task" not in text  # not offered in the China regions
    assert "contributor insights" in text  # what the TableThrottles advice names is on


def test_the_readme_points_to_the_runbook_and_the_delivery_design():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert "docs/runbook.md" in readme and "docs/federation.md" in readme
    assert (PROJECT / "docs" / "federation.md").exists()
