"""What `make bootstrap | diff | deploy | import | redrive STAGE=<stage>` do before anything
reaches AWS: refuse a planned stage, refuse credentials of another account than the stage's,
and name the stage's region to every AWS call (China credentials work only in the China
regions; without a region the CDK CLI asks STS in us-east-1 and fails). Then the CDK CLI runs
with that region, or, for `redrive`, the dead-letter queue is moved back here.

    python -m infra.operator --cdk "<cdk command>" ACTION STAGE [CDK arguments ...]

docs/runbook.md says when to use each.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.local.stack import PROJECT
from infra.stages import SYNTH_STAGES, Stage, find, stages

ACTIONS = ("bootstrap", "diff", "deploy", "import", "redrive")


class Refused(Exception):
    """The operator's command cannot go on; the message says why and what to do."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cdk", default="cdk", help="the CDK CLI command (the Makefile's pinned one)")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("stack", help="a stage, or its account stack <stage>-apigateway-account")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="more arguments for the CDK CLI")
    args = parser.parse_args(argv)
    try:
        stage = deployable(args.stack)
        checked_account(stage, sts(stage.region))
        # The CDK CLI runs the app (cdk.json), which then synthesizes this stage only.
        env = {
            **os.environ,
            "AWS_REGION": stage.region,
            "AWS_DEFAULT_REGION": stage.region,
            SYNTH_STAGES: stage.name,
        }
        if args.action == "redrive":
            moved = redrive(stage, env)
            print(f"moved {moved} message(s) from the dead-letter queue back to the delivery queue")
            return 0
        command = [*shlex.split(args.cdk), *cdk_arguments(args.action, stage, args.stack, args.rest)]
    except Refused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return 2
    os.execvpe(command[0], command, env)  # noqa: S606 - the pinned CDK CLI, with the stage's region


def deployable(name: str) -> Stage:
    listed = stages()
    stage = find(name, listed)
    if stage is None:
        names = " ".join(n for s in listed for n in (s.name, s.account_stack))
        raise Refused(f"STAGE={name!r} is not a stack here; one of: {names}")
    if not stage.deployed:
        raise Refused(
            f"stage {stage.name} is planned, not deployed: give it its account, identity provider "
            "and alarm addresses in SETTINGS of infra/stages.py and set deployed=True (docs/runbook.md)"
        )
    return stage


def sts(region: str) -> Any:
    """STS of the stage's region: in the China partition, China credentials answer there only."""
    return boto3.session.Session().client("sts", region_name=region)


def checked_account(stage: Stage, client: Any) -> None:
    """The credentials at hand must be the stage's account's (a deploy into another account
    would build the stage there)."""
    try:
        account = client.get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as error:
        raise Refused(
            f"no usable AWS credentials for {stage.region} ({type(error).__name__}): sign in to "
            f"stage {stage.name}'s account {stage.account} (AWS_PROFILE or the usual variables)"
        ) from None
    if account != stage.account:
        raise Refused(
            f"these credentials are for account {account}; stage {stage.name} is deployed in "
            f"account {stage.account}: use that account's credentials"
        )


def cdk_arguments(action: str, stage: Stage, stack: str, rest: list[str]) -> list[str]:
    if action == "bootstrap":
        # The environment string stays aws:// in China: the CLI refuses aws-cn://.
        return ["bootstrap", f"aws://{stage.account}/{stage.region}", *rest]
    if action == "import":
        mapping = import_mapping(stage, stack)  # beside the assembly it synthesized for it
        return ["import", stack, "--app", str(mapping.parent), "--resource-mapping", str(mapping), *rest]
    return [action, stack, *rest]


# Re-creating a stage over what its deleted stack retained (docs/runbook.md)

IMPORTABLE = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::KMS::Key": "KeyId",
    "AWS::SecretsManager::Secret": "Id",
}


def import_mapping(stage: Stage, stack: str) -> Path:
    """Synthesize the stage and write the CDK CLI's --resource-mapping for what of its retained
    resources exists in the account (looked up in the stage's region)."""
    outdir = Path(tempfile.mkdtemp(prefix=f"import-{stack}-"))
    subprocess.run(
        [sys.executable, "-m", "infra.app", "--outdir", str(outdir), "--stage", stage.name],
        cwd=PROJECT,
        check=True,
        env={**os.environ, "AWS_DEFAULT_REGION": stage.region},
    )
    template = json.loads((outdir / f"{stack}.template.json").read_text(encoding="utf-8"))
    mapping = retained_identifiers(template, AwsLookup(stage.region))
    if not mapping:
        raise Refused(f"nothing of stage {stage.name} was retained in {stage.region}: deploy it anew")
    path = outdir / "resource-mapping.json"
    path.write_text(json.dumps(mapping, indent=1), encoding="utf-8")
    print(f"importing {len(mapping)} retained resources: {', '.join(sorted(mapping))}", file=sys.stderr)
    return path


class AwsLookup:
    """Which retained resources exist, and the identifiers CloudFormation imports them by."""

    def __init__(self, region: str) -> None:
        session = boto3.session.Session(region_name=region)
        self._dynamodb, self._logs = session.client("dynamodb"), session.client("logs")
        self._kms, self._secrets = session.client("kms"), session.client("secretsmanager")

    def table(self, name: str) -> str | None:
        return _absent_is_none(lambda: self._dynamodb.describe_table(TableName=name) and name)

    def log_group(self, name: str) -> str | None:
        groups = self._logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        return name if any(group["logGroupName"] == name for group in groups) else None

    def key_of_alias(self, alias: str) -> str | None:
        return _absent_is_none(lambda: self._kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"])

    def secret(self, name: str) -> str | None:
        return _absent_is_none(lambda: self._secrets.describe_secret(SecretId=name)["ARN"])


def _absent_is_none(lookup: Any) -> str | None:
    try:
        return lookup()  # type: ignore[no-any-return]
    except ClientError as error:
        if error.response["Error"]["Code"] in ("ResourceNotFoundException", "NotFoundException"):
            return None
        raise


def retained_identifiers(template: dict[str, Any], lookup: AwsLookup) -> dict[str, dict[str, str]]:
    """{logical id: {identifier: value}} for each resource the template retains that exists."""
    resources = template["Resources"]
    retained = {
        name: resource
        for name, resource in resources.items()
        if resource.get("DeletionPolicy") == "Retain" and resource["Type"] in IMPORTABLE
    }
    aliases = {  # a key is found through its alias (its id is not in the template)
        resource["Properties"]["TargetKeyId"]["Fn::GetAtt"][0]: resource["Properties"]["AliasName"]
        for resource in retained.values()
        if resource["Type"] == "AWS::KMS::Alias"
    }
    mapping = {}
    for name, resource in retained.items():
        found = _existing(resource["Type"], resource["Properties"], aliases.get(name), lookup)
        if found:
            mapping[name] = {IMPORTABLE[resource["Type"]]: found}
    return mapping


def _existing(kind: str, props: dict[str, Any], alias: str | None, lookup: AwsLookup) -> str | None:
    """The identifier of the retained resource, if it exists in the account."""
    if kind == "AWS::DynamoDB::Table":
        return lookup.table(props["TableName"])
    if kind == "AWS::Logs::LogGroup":
        return lookup.log_group(props["LogGroupName"])
    if kind == "AWS::KMS::Alias":
        return props["AliasName"] if lookup.key_of_alias(props["AliasName"]) else None
    if kind == "AWS::KMS::Key":
        return lookup.key_of_alias(alias) if alias else None
    return lookup.secret(props["Name"]) if "Name" in props else None  # a secret kept by its name


# The dead-letter queue, moved back by hand (SQS's own redrive is not offered in the China
# regions: https://docs.amazonaws.cn/en_us/aws/latest/userguide/sqs.html)


def redrive(stage: Stage, env: dict[str, str]) -> int:
    outputs = stack_outputs(stage)
    client = boto3.session.Session(region_name=env["AWS_REGION"]).client("sqs")
    return move_messages(client, outputs["FederationDeadLetterQueueUrl"], outputs["FederationQueueUrl"])


def stack_outputs(stage: Stage) -> dict[str, str]:
    client = boto3.session.Session(region_name=stage.region).client("cloudformation")
    (described,) = client.describe_stacks(StackName=stage.name)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def move_messages(sqs: Any, source: str, target: str) -> int:
    """Move every message of `source` to `target`, each sent before it is deleted (a failure
    between the two leaves a duplicate, which the receiving stage applies once)."""
    moved = 0
    while batch := sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages", []
    ):
        for message in batch:
            sqs.send_message(QueueUrl=target, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


if __name__ == "__main__":
    sys.exit(main())
