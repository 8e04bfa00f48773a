"""The synthesized county stacks: the properties an operator relies on, and the checks
(cdk-nag, cfn-lint) that must stay clean, for this repository's planned stages and for the
deployed stages of tests/infra/example_stages.py. cdk-nag does not look into the SAM resources
that Chalice generates, so these tests check them too. A stage's own settings and what they
change are in test_stage_settings.py."""

import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from chalicelib.adapters import metrics
from chalicelib.settings import LOCAL_STAGES
from infra.app import one_synth_at_a_time, require_runtime
from infra.local.stack import PROJECT
from infra.stages import CHINA_REGIONS, FEDERATION_DIRECTORY, PYTHON_RUNTIME, STAGES
from tests.infra import example_stages
from tests.infra.conftest import CITY, huzhou_stages, read_template

SYNTHESIZED = huzhou_stages()
ALL = SYNTHESIZED + example_stages.STAGES

# One worker synthesizes the stacks once for both files (make test runs two workers).
pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("synth")]


@pytest.fixture(scope="module")
def templates(cdk_out, deployed_out):
    """Every stage's template: the planned ones of this repository, the deployed examples."""
    return {
        stage.name: read_template(outdir, stage.name)
        for outdir, listed in ((cdk_out, SYNTHESIZED), (deployed_out, example_stages.STAGES))
        for stage in listed
    }


def resources(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_a_city_synthesizes_with_each_of_its_counties_each_with_its_account_stack(cdk_out):
    stacks = {path.name.removesuffix(".template.json") for path in cdk_out.glob("*.template.json")}
    province = json.loads((PROJECT / "infra" / "province.json").read_text())
    stages = {CITY} | {c["stage"] for c in province["counties"] if c["city"] == CITY}
    assert len(stages) == 6  # 湖州市 and its 3 counties and 2 districts
    assert stacks == stages | {f"{name}-apigateway-account" for name in stages}
    assert all(not stage.deployed for stage in STAGES)  # until their operators fill them in


def test_the_app_is_packaged_once_for_every_stack_and_leaves_no_copies(cdk_out):
    apps = [
        path for path in Path(cdk_out).glob("asset.*.zip") if "app.py" in zipfile.ZipFile(path).namelist()
    ]
    assert len(apps) == 1
    code = {
        json.dumps(f["Properties"]["CodeUri"]["Key"])
        for stage in SYNTHESIZED
        for f in resources(read_template(cdk_out, stage.name), "AWS::Serverless::Function").values()
    }
    assert len(code) == 1 and apps[0].name.removeprefix("asset.").removesuffix(".zip") in code.pop()
    with one_synth_at_a_time():  # another synth of the suite (the bench's) may be under way
        assert not list((PROJECT / "chalice.out").glob("*/deployment.zip"))


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
        # What the TableThrottles alarm tells the operator to read
        assert main["ContributorInsightsSpecification"] == {"Enabled": True, "Mode": "THROTTLED_KEYS"}


def test_each_stage_has_its_alert_topic_encrypted(templates):
    for stage, template in templates.items():
        topics = [t["Properties"] for t in resources(template, "AWS::SNS::Topic").values()]
        alerts = [t for t in topics if t.get("TopicName") == f"proof-free-{stage}-agency-alerts"]
        assert len(alerts) == 1 and "KmsMasterKeyId" in alerts[0]


def test_the_outbox_stream_reports_partial_batches_and_dead_letters(templates):
    for template in templates.values():
        mapping = template["Resources"][
            logical_id(template, "AWS::Lambda::EventSourceMapping", "OutboxStream")
        ]
        props = mapping["Properties"]
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["BisectBatchOnFunctionError"] is True and props["MaximumRetryAttempts"] == 5
        dlq = props["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        assert template["Resources"][dlq]["Type"] == "AWS::SQS::Queue"
        assert "OUTBOX" in props["FilterCriteria"]["Filters"][0]["Pattern"]
        assert "FEDOUT" in props["FilterCriteria"]["Filters"][0]["Pattern"]  # messages to peers


def as_list(value):
    return value if isinstance(value, list) else [value]


def logical_id(template, kind, prefix):
    (found,) = [name for name in resources(template, kind) if name.startswith(prefix)]
    return found


def test_each_stage_signs_with_a_p256_kms_key_its_functions_may_only_sign_with(templates):
    for name, template in templates.items():
        keys = [k for n, k in resources(template, "AWS::KMS::Key").items() if n.startswith("FederationKey")]
        assert keys  # one per generation of the stage's key (test_stage_settings.py)
        for key in keys:
            assert (key["Properties"]["KeySpec"], key["Properties"]["KeyUsage"]) == (
                "ECC_NIST_P256",
                "SIGN_VERIFY",
            )
            assert key["DeletionPolicy"] == "Retain"  # old trails are checked with its public key
        actions = {
            action
            for policy in resources(template, "AWS::IAM::Policy").values()
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            for action in as_list(statement["Action"])
            if action.startswith("kms:")
        }
        assert actions == {"kms:Sign", "kms:GetPublicKey"}, name


def test_only_the_anchor_has_a_directory_key_and_every_stage_pins_the_anchor(templates):
    from infra.stages import anchor

    pinned = anchor()
    for name, template in templates.items():
        keys = [k for n, k in resources(template, "AWS::KMS::Key").items() if n.startswith("DirectoryKey")]
        functions = resources(template, "AWS::Serverless::Function").values()
        envs = [function["Properties"]["Environment"]["Variables"] for function in functions]
        assert {env["FEDERATION_ANCHOR"] for env in envs} == {pinned["stage"]}
        assert {env["FEDERATION_ANCHOR_JWKS_FILE"] for env in envs} == {
            "chalicelib/_federation/anchor.jwks.json"
        }
        if name != pinned["stage"]:
            assert keys == [] and {env["FEDERATION_DIRECTORY_KEY_ARN"] for env in envs} == {""}, name
            continue
        (key,) = keys
        assert (key["Properties"]["KeySpec"], key["Properties"]["KeyUsage"]) == (
            "ECC_NIST_P256",
            "SIGN_VERIFY",
        )
        assert key["DeletionPolicy"] == "Retain"  # stages verify the versions it signed
        signed_with = [
            statement["Resource"]
            for policy in resources(template, "AWS::IAM::Policy").values()
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if "kms:Sign" in as_list(statement["Action"])
        ]
        directory_key = logical_id(template, "AWS::KMS::Key", "DirectoryKey")
        assert {"Fn::GetAtt": [directory_key, "Arn"]} in signed_with
        assert all(
            env["FEDERATION_DIRECTORY_KEY_ARN"] == {"Fn::GetAtt": [directory_key, "Arn"]} for env in envs
        )


def test_messages_to_peers_wait_in_a_queue_with_back_off_and_a_dead_letter_queue(templates):
    for template in templates.values():
        queue = template["Resources"][logical_id(template, "AWS::SQS::Queue", "FederationQueue")][
            "Properties"
        ]
        assert queue["RedrivePolicy"]["maxReceiveCount"] == 1000
        assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
        assert queue["VisibilityTimeout"] >= 30  # above the function's timeout
        delivery = template["Resources"][
            logical_id(template, "AWS::Lambda::EventSourceMapping", "FederationDelivery")
        ]
        assert delivery["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_every_function_knows_the_key_the_queue_and_the_packaged_directory(templates):
    for template in templates.values():
        for function in resources(template, "AWS::Serverless::Function").values():
            env = function["Properties"]["Environment"]["Variables"]
            assert {"FEDERATION_KEY_ARN", "FEDERATION_QUEUE_URL"} <= set(env)
            assert env["FEDERATION_DIRECTORY_FILE"] == "chalicelib/_federation/directory.json"


def test_alarms_watch_dead_letters_errors_unsent_alerts_the_overdue_backlog_and_throttling(templates):
    for stage in ALL:
        template = templates[stage.name]
        alarms = {
            a["Properties"]["AlarmName"]: a["Properties"]
            for a in resources(template, "AWS::CloudWatch::Alarm").values()
        }
        named = {name.removeprefix(f"proof-free-{stage.name}-"): alarm for name, alarm in alarms.items()}
        assert set(named) == {
            "DeadLetteredAlerts",
            "DeadLetteredMessages",
            "RefusedMessages",
            "ServerErrors",
            "UnsentAlerts",
            "OverdueBacklog",
            "FunctionThrottles",
            "TableThrottles",
            "TransparencyLogDamage",
            "FederationDirectory",
        }
        directory = named["FederationDirectory"]
        expression = next(m["Expression"] for m in directory["Metrics"] if "Expression" in m)
        assert "IF(FILL(unreachable, 0) >= 2, 1, 0)" in expression  # 2 failed polls, 5 minutes apart
        watched = {m["MetricStat"]["Metric"]["MetricName"] for m in directory["Metrics"] if "MetricStat" in m}
        assert watched == {metrics.DIRECTORY_PROBLEMS, metrics.ANCHOR_UNREACHABLE}
        assert named["DeadLetteredAlerts"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert named["ServerErrors"]["MetricName"] == "5XXError"
        unsent = named["UnsentAlerts"]
        assert (unsent["MetricName"], unsent["Namespace"], unsent["Statistic"]) == (
            metrics.OLDEST_UNSENT_ALERT_AGE,
            metrics.NAMESPACE,
            "Maximum",
        )
        assert unsent["Threshold"] == 300 and unsent["ComparisonOperator"] == "GreaterThanThreshold"
        assert unsent["TreatMissingData"] == "breaching"  # a dispatcher that stopped reporting
        assert {"Name": "stage", "Value": stage.name} in unsent["Dimensions"]
        backlog = named["OverdueBacklog"]
        assert (
            backlog["MetricName"] == metrics.OVERDUE_BACKLOG
            and backlog["Threshold"] == stage.overdue_backlog_alarm
        )
        throttles = named["FunctionThrottles"]
        damage = named["TransparencyLogDamage"]  # reported every run: silence breaches too
        assert damage["MetricName"] == metrics.TRANSPARENCY_DAMAGE
        assert damage["TreatMissingData"] == "breaching"
        # the account's, which the stage's functions share: one alarm metric, not one per function
        assert (throttles["Namespace"], throttles["MetricName"], throttles["Statistic"]) == (
            "AWS/Lambda",
            "Throttles",
            "Sum",
        )
        assert "Dimensions" not in throttles and "Metrics" not in throttles
        assert "ThrottledRequests" in json.dumps(named["TableThrottles"]["Metrics"])
        refused = named["RefusedMessages"]
        assert (refused["MetricName"], refused["Threshold"]) == (metrics.FEDERATION_REFUSED, 1)
        assert all(a["AlarmDescription"] for a in alarms.values())


def test_every_alarm_reaches_an_ops_topic_that_cloudwatch_can_publish_to(templates):
    for name, template in templates.items():
        ops_topics = {
            name
            for name, topic in resources(template, "AWS::SNS::Topic").items()
            if "TopicName" not in topic["Properties"]
        }
        (ops,) = ops_topics
        for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
            assert alarm["Properties"]["AlarmActions"] == [{"Ref": ops}]
        # A customer-managed key (CloudWatch cannot use the AWS-managed SNS key) that CloudWatch may use
        key_ref = template["Resources"][ops]["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
        key = template["Resources"][key_ref]
        assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
        grants = [
            s
            for s in key["Properties"]["KeyPolicy"]["Statement"]
            if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        ]
        assert grants and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(grants[0]["Action"])
        # A topic policy that lets CloudWatch publish, for this account's alarms only
        (policy,) = [
            p["Properties"]
            for p in resources(template, "AWS::SNS::TopicPolicy").values()
            if p["Properties"]["Topics"] == [{"Ref": ops}]
        ]
        (allow,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
        assert (
            allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and allow["Action"] == "sns:Publish"
        )
        account = next(s.account for s in ALL if s.name == name)
        # A deployed stage names its account; a planned one leaves it to CloudFormation
        assert allow["Condition"]["StringEquals"]["aws:SourceAccount"] == (
            account or {"Ref": "AWS::AccountId"}
        )
        assert ":alarm:*" in json.dumps(allow["Condition"]["ArnLike"]["aws:SourceArn"])


def test_each_stage_has_a_dashboard_of_its_business_metrics_latency_and_errors(templates):
    for stage in ALL:
        (dashboard,) = resources(templates[stage.name], "AWS::CloudWatch::Dashboard").values()
        assert dashboard["Properties"]["DashboardName"] == f"proof-free-{stage.name}"
        body = json.dumps(dashboard["Properties"]["DashboardBody"])
        for name in (
            metrics.REQUESTS_CREATED,
            metrics.REQUESTS_COMPLETED,
            metrics.REQUESTS_REJECTED,
            metrics.REQUESTS_OVERDUE,
            metrics.OVERDUE_BACKLOG,
            metrics.COMMITMENTS_FILED,
            metrics.FALSE_COMMITMENTS,
            metrics.NOTICES_PUBLISHED,
            metrics.NOTICES_REISSUED,
            metrics.ALERTS_PUBLISHED,
            metrics.ALERT_PUBLISH_FAILURES,
            metrics.OLDEST_UNSENT_ALERT_AGE,
            "Latency",
            "5XXError",
            "4XXError",
        ):
            assert f'\\"{name}\\"' in body, name


def test_the_api_is_regional_throttled_logged_and_answers_unknown_paths_with_the_contract(templates):
    for stage in ALL:
        template = templates[stage.name]
        api = template["Resources"]["RestAPI"]["Properties"]
        assert api["EndpointConfiguration"] == "REGIONAL"  # the China regions offer no edge-optimized API
        (setting,) = api["MethodSettings"]
        assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == (
            stage.rate_limit,
            stage.burst_limit,
        )
        assert (
            "requestId" in api["AccessLogSetting"]["Format"]
            and "querystring" not in api["AccessLogSetting"]["Format"]
        )
        # Inside the API's definition, deployed with it; no resource beside it
        assert not resources(template, "AWS::ApiGateway::GatewayResponse")
        responses = api["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
        for response_type, status, code in (
            ("MISSING_AUTHENTICATION_TOKEN", 404, "route_not_found"),
            ("THROTTLED", 429, "too_many_requests"),
        ):
            body = json.loads(responses[response_type]["responseTemplates"]["application/json"])
            assert responses[response_type]["statusCode"] == str(status)  # a string, as the extension wants
            assert body["code"] == code and body["message"] and body["message_zh"]
        (access_logs,) = [
            g["Properties"]
            for name, g in resources(template, "AWS::Logs::LogGroup").items()
            if name == api["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
        ]
        assert access_logs["RetentionInDays"] == 180


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


def role_policy(template):
    (name,) = [
        name
        for name, policy in resources(template, "AWS::IAM::Policy").items()
        if policy["Properties"]["Roles"][0]["Ref"].startswith("AppRole")
    ]
    return name, template["Resources"][name]["Properties"]["PolicyDocument"]["Statement"]


def test_every_function_runs_with_the_stage_role_and_settings(templates):
    for stage, template in templates.items():
        functions = resources(template, "AWS::Serverless::Function")
        assert {"APIHandler", "DispatchOutbox", "DispatchAlerts", "MarkOverdueRequests"} <= set(functions)
        for logical_id, function in functions.items():
            props = function["Properties"]
            assert props["FunctionName"] == f"proof-free-{stage}-{logical_id}"
            assert props["Role"]["Fn::GetAtt"][0].startswith("AppRole")
            assert props["Runtime"] == PYTHON_RUNTIME and props.get("Tracing") != "Active"
            variables = props["Environment"]["Variables"]
            assert variables["STAGE"] == stage and variables["COUNTY"] == stage
            assert "Ref" in variables["ALERT_TOPIC_ARN"]
            restored = stage == "restored"  # runs on its restored table (test_stage_settings.py)
            assert (
                variables["TABLE_NAME"] == example_stages.RESTORED.name
                if restored
                else "Ref" in variables["TABLE_NAME"]
            )
        scheduled = [f for f in functions.values() if f["Properties"].get("Events")]
        assert len(scheduled) == 7  # five jobs, forwarding messages to peers, the transparency log


def test_signing_keys_are_read_at_run_time_and_the_role_may_only_get_those_two(templates):
    for template in templates.values():
        secrets = set(resources(template, "AWS::SecretsManager::Secret"))
        assert len(secrets) == 2
        for function in resources(template, "AWS::Serverless::Function").values():
            variables = function["Properties"]["Environment"]["Variables"]
            assert "resolve:secretsmanager" not in json.dumps(variables)  # no key value in the configuration
            assert "CURSOR_SECRET" not in variables and "PSEUDONYM_SECRET" not in variables
            assert {
                variables["CURSOR_SECRET_ARN"]["Ref"],
                variables["PSEUDONYM_SECRET_ARN"]["Ref"],
            } == secrets
        _, statements = role_policy(template)
        granted = [s for s in statements if "secretsmanager" in json.dumps(s["Action"])]
        assert [s["Action"] for s in granted] == ["secretsmanager:GetSecretValue"]
        assert {r["Ref"] for r in granted[0]["Resource"]} == secrets


def test_functions_and_the_stream_mapping_wait_for_the_role_policy_on_a_first_deploy(templates):
    for template in templates.values():
        policy, _ = role_policy(template)
        waiting = [
            *resources(template, "AWS::Serverless::Function").values(),
            *resources(template, "AWS::Lambda::EventSourceMapping").values(),
        ]
        assert len(waiting) == 12  # ten functions, the stream's and the federation queue's mappings
        for resource in waiting:
            assert policy in resource["DependsOn"]


def test_each_function_logs_to_a_group_made_first_that_keeps_six_months(templates):
    for template in templates.values():
        groups = resources(template, "AWS::Logs::LogGroup")
        for function in resources(template, "AWS::Serverless::Function").values():
            (group,) = [name for name in function["DependsOn"] if name in groups]
            props = groups[group]["Properties"]
            assert props["LogGroupName"] == f"/aws/lambda/{function['Properties']['FunctionName']}"
            assert props["RetentionInDays"] == 180
        _, statements = role_policy(template)
        assert "logs:CreateLogGroup" not in json.dumps(statements)  # Lambda cannot make one kept forever


def test_the_stages_run_python_3_13_the_python_of_the_virtualenv_and_the_tools():
    # python3.11 may no longer be created or updated in the China regions; 3.13 runs to 2029.
    assert PYTHON_RUNTIME == "python3.13" == f"python{(PROJECT / '.python-version').read_text().strip()}"
    assert sys.version_info[:2] == (3, 13)  # make install built .venv on it
    tools = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]
    assert tools["ruff"]["target-version"] == "py313" and tools["mypy"]["python_version"] == "3.13"


def test_synth_refuses_an_interpreter_other_than_the_stages_runtime():
    require_runtime((3, 13))  # the pinned one passes
    for other in ((3, 11), (3, 12), (3, 14)):
        with pytest.raises(SystemExit, match=f"synth needs {PYTHON_RUNTIME}.*not python3.{other[1]}"):
            require_runtime(other)


def test_each_stages_account_stack_gives_api_gateway_its_logging_role_and_keeps_both(cdk_out):
    for stage in SYNTHESIZED:
        stack = read_template(cdk_out, stage.account_stack)
        (account,) = resources(stack, "AWS::ApiGateway::Account").values()
        role = stack["Resources"][account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]]
        (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
        assert "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(role["Properties"]["ManagedPolicyArns"])
        # The setting names the role: both stay if the stack goes
        assert account["DeletionPolicy"] == "Retain" and role["DeletionPolicy"] == "Retain"


def test_the_deployment_package_carries_the_schemas_bytecode_and_nothing_else(cdk_out):
    packages = [zipfile.ZipFile(path) for path in Path(cdk_out).glob("asset.*.zip")]
    app_package = next(p for p in packages if "app.py" in p.namelist())
    names = app_package.namelist()
    assert "chalicelib/_schemas/openapi.json" in names and "chalicelib/_schemas/proof-create.json" in names
    tag = sys.implementation.cache_tag  # the runtime chalice packages for is this Python's
    assert f"chalicelib/wiring/__pycache__/__init__.{tag}.pyc" in names
    assert "chalicelib/_botocore/endpoints.json" in names
    assert f"chalicelib/domain/__pycache__/relay.{tag}.pyc" in names
    assert not [n for n in names if n.startswith(("tests/", "infra/", ".local/"))]


@pytest.mark.parametrize("outdir", ["cdk_out", "deployed_out"])
def test_cfn_lint_passes_for_the_china_regions(outdir, request):
    files = sorted(str(p) for p in Path(request.getfixturevalue(outdir)).glob("*.template.json"))
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), "--regions", *CHINA_REGIONS, "--", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_packaged_directory_lists_every_stage_of_the_province_with_its_label(cdk_out):
    packages = [zipfile.ZipFile(path) for path in Path(cdk_out).glob("asset.*.zip")]
    app_package = next(p for p in packages if "app.py" in p.namelist())
    packaged = json.loads(app_package.read(FEDERATION_DIRECTORY))
    assert [(m["stage"], m["label"]) for m in packaged["stages"]] == [(s.name, s.label) for s in STAGES]
    assert len(STAGES) == 101  # synthesized for Huzhou's six, the directory is the province's
    assert all(set(m) == {"stage", "label", "api_url", "jwks"} for m in packaged["stages"])


def test_no_stage_takes_a_name_reserved_for_this_machine():
    assert not {stage.name for stage in STAGES + example_stages.STAGES} & LOCAL_STAGES
