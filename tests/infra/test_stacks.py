"""The synthesized county stacks: the properties an operator relies on, and the checks
(cdk-nag, cfn-lint) that must stay clean. cdk-nag does not look into the SAM resources that
Chalice generates, so these tests check them too."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra.local.stack import PROJECT
from infra.stages import REGION, STAGES

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def templates(cdk_out):
    return {stage.name: json.loads((cdk_out / f"{stage.name}.template.json").read_text()) for stage in STAGES}


def resources(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_one_stack_per_county_and_the_city(templates):
    assert set(templates) == {"huzhou", "wuxing", "nanxun", "deqing", "changxing", "anji"}


def test_tables_are_recoverable_protected_and_encrypted(templates):
    for template in templates.values():
        tables = resources(template, "AWS::DynamoDB::Table")
        assert len(tables) == 2
        for table in tables.values():
            props = table["Properties"]
            assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
            assert props["DeletionProtectionEnabled"] is True and table["DeletionPolicy"] == "Retain"
            assert props["SSESpecification"]["SSEEnabled"] is True
        main = next(t["Properties"] for t in tables.values() if "GlobalSecondaryIndexes" in t["Properties"])
        assert [i["IndexName"] for i in main["GlobalSecondaryIndexes"]] == [
            "gsi1",
            "gsi2",
            "gsi3",
            "gsi4",
            "gsi5",
        ]
        assert [i["IndexName"] for i in main["LocalSecondaryIndexes"]] == ["lsi1"]
        assert main["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"


def test_each_stage_has_its_alert_topic_encrypted(templates):
    for stage, template in templates.items():
        topics = [t["Properties"] for t in resources(template, "AWS::SNS::Topic").values()]
        alerts = [t for t in topics if t.get("TopicName") == f"proof-free-{stage}-agency-alerts"]
        assert len(alerts) == 1 and "KmsMasterKeyId" in alerts[0]


def test_the_outbox_stream_reports_partial_batches_and_dead_letters(templates):
    for template in templates.values():
        (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping").values()
        props = mapping["Properties"]
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["BisectBatchOnFunctionError"] is True and props["MaximumRetryAttempts"] == 5
        dlq = props["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        assert template["Resources"][dlq]["Type"] == "AWS::SQS::Queue"
        assert "OUTBOX" in props["FilterCriteria"]["Filters"][0]["Pattern"]


def test_alarms_watch_dead_letters_and_server_errors(templates):
    for template in templates.values():
        alarms = [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()]
        metrics = {a.get("MetricName") for a in alarms}
        assert {"ApproximateNumberOfMessagesVisible", "5XXError"} <= metrics
        assert all(a["AlarmActions"] for a in alarms)


def test_the_api_is_throttled_logged_and_answers_unknown_paths_with_the_contract(templates):
    for stage in STAGES:
        template = templates[stage.name]
        api = template["Resources"]["RestAPI"]["Properties"]
        (setting,) = api["MethodSettings"]
        assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == (
            stage.rate_limit,
            stage.burst_limit,
        )
        assert (
            "requestId" in api["AccessLogSetting"]["Format"]
            and "querystring" not in api["AccessLogSetting"]["Format"]
        )
        responses = [
            r["Properties"] for r in resources(template, "AWS::ApiGateway::GatewayResponse").values()
        ]
        no_route = next(r for r in responses if r["ResponseType"] == "MISSING_AUTHENTICATION_TOKEN")
        assert (
            no_route["StatusCode"] == "404"
            and "route_not_found" in no_route["ResponseTemplates"]["application/json"]
        )


def test_iam_names_its_tables_topic_and_queue_instead_of_star(templates):
    for template in templates.values():
        for policy in resources(template, "AWS::IAM::Policy").values():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                targets = (
                    statement["Resource"]
                    if isinstance(statement["Resource"], list)
                    else [statement["Resource"]]
                )
                if "*" in targets:
                    assert statement["Action"] == "dynamodb:ListStreams", statement  # no resource-level form
        assert "DefaultRole" not in template["Resources"]  # Chalice's broad role is not used


def test_every_function_runs_with_the_stage_role_and_settings(templates):
    for stage, template in templates.items():
        functions = resources(template, "AWS::Serverless::Function")
        assert {"APIHandler", "DispatchOutbox", "DispatchAlerts", "MarkOverdueRequests"} <= set(functions)
        for function in functions.values():
            props = function["Properties"]
            assert props["Role"]["Fn::GetAtt"][0].startswith("AppRole")
            assert props["Runtime"] == "python3.11" and props.get("Tracing") != "Active"
            variables = props["Environment"]["Variables"]
            assert variables["STAGE"] == stage and variables["COUNTY"] == stage
            assert "Ref" in variables["TABLE_NAME"] and "Ref" in variables["ALERT_TOPIC_ARN"]
            assert "resolve:secretsmanager" in json.dumps(variables["CURSOR_SECRET"])
        scheduled = [f for f in functions.values() if f["Properties"].get("Events")]
        assert len(scheduled) == 5


def test_the_deployment_package_carries_the_schemas_bytecode_and_nothing_else(cdk_out):
    packages = [zipfile.ZipFile(path) for path in Path(cdk_out).glob("asset.*.zip")]
    app_package = next(p for p in packages if "app.py" in p.namelist())
    names = app_package.namelist()
    assert "chalicelib/_schemas/openapi.json" in names and "chalicelib/_schemas/proof-create.json" in names
    tag = sys.implementation.cache_tag  # the runtime chalice packages for is this Python's
    assert f"chalicelib/__pycache__/wiring.{tag}.pyc" in names
    assert f"chalicelib/domain/__pycache__/relay.{tag}.pyc" in names
    assert not [n for n in names if n.startswith(("tests/", "infra/", ".local/"))]


def test_cfn_lint_passes_for_the_china_region(cdk_out):
    files = sorted(str(p) for p in Path(cdk_out).glob("*.template.json"))
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), "--regions", REGION, "--", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
