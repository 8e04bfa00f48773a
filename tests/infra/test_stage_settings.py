"""A stage's settings live in the repository (infra/stages.py) and are all a stack is built from:
the identity provider, the account, the alarm addresses, the agency accounts, a restored table,
the generations of its signing key. What each changes in the synthesized stacks, and what
lets an operator re-create a stage over what its deleted stack retained."""

import json

import pytest
from moto import mock_aws

from infra.operator import AwsLookup, retained_identifiers
from infra.stages import IdentityProvider, Stage
from tests.infra import example_stages
from tests.infra.conftest import EXAMPLES, huzhou_stages, read_template, synthesize

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("synth")]

PILOT = example_stages.STAGES[0]


def resources(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def functions_env(template):
    return [
        f["Properties"]["Environment"]["Variables"]
        for f in resources(template, "AWS::Serverless::Function").values()
    ]


def manifest(outdir):
    return json.loads((outdir / "manifest.json").read_text())["artifacts"]


# What a stage is: planned or deployed, and refused when a deployed one lacks what it needs


@pytest.mark.parametrize(
    "missing",
    [
        {"account": ""},
        {"account": "12345"},
        {"identity": None},
        {"identity": IdentityProvider("https://idp", "https://idp/jwks", "")},
        {"identity": IdentityProvider("http://idp", "http://idp/jwks", "api")},
        {
            "identity": IdentityProvider(
                "https://idp", "https://idp/jwks", "api", "wb", token_endpoint="http://b/t"
            )
        },
        {"alarm_emails": ()},
        {"alarm_emails": ("not an address",)},
    ],
)
def test_a_deployed_stage_without_its_account_identity_provider_or_alarm_addresses_is_refused(missing):
    settings = {
        "deployed": True,
        "account": example_stages.ACCOUNT,
        "identity": example_stages.IDENTITY,
        "alarm_emails": ("oncall@example.gov.cn",),
    }
    with pytest.raises(ValueError, match=r"stage county: (a deployed stage names|the identity provider's)"):
        Stage("county", "县", **{**settings, **missing})


def test_settings_that_cannot_work_are_refused_even_on_a_planned_stage():
    with pytest.raises(ValueError, match="not a China region"):
        Stage("county", "县", region="us-east-1")
    with pytest.raises(ValueError, match="12-digit"):
        Stage("county", "县", agency_accounts=("12",))
    with pytest.raises(ValueError, match="signing_key"):
        Stage("county", "县", federation_keys=("1",), signing_key="2")


def test_a_synth_with_a_deployed_stage_lacking_its_identity_provider_refuses_to_run(tmp_path):
    module = tmp_path / "broken_stages.py"
    module.write_text(
        "from infra.stages import Stage\n"
        "STAGES = (Stage('county', '县', deployed=True, account='123456789012', alarm_emails=('a@b.cn',)),)\n"
    )
    with pytest.raises(AssertionError, match="a deployed stage names its identity provider"):
        synthesize(tmp_path / "out", "broken_stages", PYTHONPATH=str(tmp_path))


# Nothing from the operator's environment reaches a stack


def test_a_stage_synthesizes_the_same_with_or_without_auth_settings_in_the_environment(
    deployed_out, tmp_path
):
    noisy = synthesize(
        tmp_path / "noisy",
        EXAMPLES,
        AUTH_ISSUER="https://other.example",
        AUTH_JWKS_URL="https://other.example/jwks",
        AUTH_AUDIENCE="other",
        CDK_DEFAULT_ACCOUNT="999999999999",
        CDK_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
    )
    for stage in example_stages.STAGES:
        assert read_template(noisy, stage.name) == read_template(deployed_out, stage.name), stage.name
    # And the deployed stage's functions carry its own identity provider, the planned none
    for env in functions_env(read_template(deployed_out, "pilot")):
        issuer = example_stages.IDENTITY
        assert (env["AUTH_ISSUER"], env["AUTH_JWKS_URL"], env["AUTH_AUDIENCE"]) == (
            issuer.issuer,
            issuer.jwks_url,
            issuer.audience,
        )
        assert (env["WORKBENCH_CLIENT_ID"], env["AUTH_TOKEN_ENDPOINT"]) == (
            "proof-free-workbench",
            "https://broker.example.gov.cn/oauth2/token",
        )
    assert {env["AUTH_ISSUER"] for env in functions_env(read_template(deployed_out, "planned"))} == {""}


def test_a_deployed_stages_stacks_name_its_account_and_region_and_are_protected(deployed_out):
    artifacts = manifest(deployed_out)
    for stage in example_stages.STAGES:
        for name in (stage.name, stage.account_stack):
            stack = artifacts[name]
            expected = f"aws://{stage.account or 'unknown-account'}/{stage.region}"
            assert stack["environment"] == expected, name
            assert stack["properties"]["terminationProtection"] is True, name
        # The account's API Gateway logging role comes first
        assert stage.account_stack in artifacts[stage.name]["dependencies"]


def test_the_repositorys_stages_are_protected_from_deletion_too(cdk_out):
    stacks = [a for a in manifest(cdk_out).values() if a["type"] == "aws:cloudformation:stack"]
    assert len(stacks) == 2 * len(huzhou_stages()) and all(
        a["properties"]["terminationProtection"] for a in stacks
    )


# Agencies and the on-call


def test_the_listed_agency_accounts_may_subscribe_to_the_alert_topic_and_do_nothing_else(deployed_out):
    template = read_template(deployed_out, "pilot")
    (topic,) = [
        n for n, t in resources(template, "AWS::SNS::Topic").items() if "TopicName" in t["Properties"]
    ]
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": topic}]
    ]
    (grant,) = [s for s in policy if s["Effect"] == "Allow"]
    accounts = {json.dumps(p) for p in grant["Principal"]["AWS"]}
    assert len(accounts) == 2 and all(a in " ".join(accounts) for a in example_stages.AGENCIES)
    assert grant["Action"] == "sns:Subscribe" and grant["Resource"] == {"Ref": topic}
    assert grant["Condition"] == {"StringEquals": {"sns:Protocol": ["sqs", "https"]}}
    # A stage that lists none grants none (only the TLS deny)
    planned = read_template(deployed_out, "planned")
    statements = [
        s
        for p in resources(planned, "AWS::SNS::TopicPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert "sns:Subscribe" not in json.dumps(statements)


def test_the_stages_alarm_addresses_are_subscribed_to_its_ops_topic(deployed_out):
    template = read_template(deployed_out, "pilot")
    (ops,) = [
        n for n, t in resources(template, "AWS::SNS::Topic").items() if "TopicName" not in t["Properties"]
    ]
    subscribed = {
        (s["Properties"]["Protocol"], s["Properties"]["Endpoint"])
        for s in resources(template, "AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == {"Ref": ops}
    }
    assert subscribed == {("email", address) for address in PILOT.alarm_emails}
    backlog = next(
        a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["AlarmName"].endswith("OverdueBacklog")
    )  # fmt: skip
    assert backlog["Threshold"] == PILOT.overdue_backlog_alarm  # a threshold of the settings


# Recovery: a restored table, a rotated key


def role_statements(template):
    return [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"][0]["Ref"].startswith("AppRole")
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_a_stage_runs_on_its_restored_table_once_its_settings_name_it(deployed_out):
    template = read_template(deployed_out, "restored")
    restored = example_stages.RESTORED
    assert {env["TABLE_NAME"] for env in functions_env(template)} == {restored.name}
    granted = json.dumps([s for s in role_statements(template) if "dynamodb" in json.dumps(s["Action"])])
    assert f"table/{restored.name}" in granted and f"table/{restored.name}/index/*" in granted
    assert restored.stream_arn in granted
    (own,) = [
        n
        for n, t in resources(template, "AWS::DynamoDB::Table").items()
        if "StreamSpecification" in t["Properties"]
    ]
    assert own not in granted  # the stack's own table stays (retained), out of the role's reach
    assert template["Resources"][own]["DeletionPolicy"] == "Retain"
    (stream,) = [
        m["Properties"]
        for n, m in resources(template, "AWS::Lambda::EventSourceMapping").items()
        if n.startswith("OutboxStream")
    ]
    assert stream["EventSourceArn"] == restored.stream_arn
    assert "proof-free-restored-2026-12-01" in json.dumps(resources(template, "AWS::CloudWatch::Alarm"))


def test_during_a_key_rotation_both_keys_are_kept_one_signs_and_both_are_published(deployed_out):
    template = read_template(deployed_out, "restored")  # keys ("1", "2"), "2" signs
    keys = resources(template, "AWS::KMS::Key")
    first = next(n for n in keys if n.startswith("FederationKey") and not n.startswith("FederationKey2"))
    second = next(n for n in keys if n.startswith("FederationKey2"))
    assert all(keys[k]["DeletionPolicy"] == "Retain" for k in (first, second))
    aliases = {
        a["Properties"]["AliasName"]: a["Properties"]["TargetKeyId"]["Fn::GetAtt"][0]
        for a in resources(template, "AWS::KMS::Alias").values()
    }
    assert aliases == {
        "alias/proof-free-restored-federation": first,
        "alias/proof-free-restored-federation-2": second,
    }
    for env in functions_env(template):
        assert env["FEDERATION_KEY_ARN"] == {"Fn::GetAtt": [second, "Arn"]}
        assert json.dumps(env["FEDERATION_PUBLISHED_KEY_ARNS"]).count(first) == 1
    statements = role_statements(template)
    (sign,) = [s for s in statements if s["Action"] == "kms:Sign"]
    (public,) = [s for s in statements if s["Action"] == "kms:GetPublicKey"]
    assert sign["Resource"] == {"Fn::GetAtt": [second, "Arn"]}  # only the signing key signs
    assert {r["Fn::GetAtt"][0] for r in public["Resource"]} == {first, second}
    # One key: it signs, nothing else is published
    pilot = functions_env(read_template(deployed_out, "pilot"))
    assert {env["FEDERATION_PUBLISHED_KEY_ARNS"] for env in pilot} == {""}


# Re-creating a stage over what its deleted stack retained


def test_what_outlives_a_stage_keeps_a_fixed_name_so_a_new_stack_can_adopt_it(deployed_out):
    template = read_template(deployed_out, "pilot")
    retained = {n: r for n, r in template["Resources"].items() if r.get("DeletionPolicy") == "Retain"}
    kinds = {r["Type"] for r in retained.values()}
    assert {"AWS::DynamoDB::Table", "AWS::Logs::LogGroup", "AWS::KMS::Key", "AWS::KMS::Alias"} <= kinds
    names = {
        "AWS::DynamoDB::Table": "TableName",
        "AWS::Logs::LogGroup": "LogGroupName",
        "AWS::KMS::Alias": "AliasName",
        "AWS::SecretsManager::Secret": "Name",
    }
    for name, resource in retained.items():
        if resource["Type"] in names:
            assert isinstance(resource["Properties"].get(names[resource["Type"]]), str), name
    secrets = {
        s["Properties"].get("Name"): s["DeletionPolicy"]
        for s in resources(template, "AWS::SecretsManager::Secret").values()
    }
    # The pseudonym key is kept under its name (a new one would orphan every index entry); the
    # cursor key goes with the stack (a new one only voids open cursors)
    assert secrets == {"proof-free-pilot/pseudonym-key": "Retain", None: "Delete"}
    access = [
        g
        for g in resources(template, "AWS::Logs::LogGroup").values()
        if "apigateway" in g["Properties"]["LogGroupName"]
    ]
    assert access[0]["Properties"]["LogGroupName"] == "/aws/apigateway/proof-free-pilot-access"


@mock_aws
def test_make_import_maps_each_retained_resource_that_exists_to_its_identifier(deployed_out, monkeypatch):
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_SNS"):
        monkeypatch.delenv(name, raising=False)
    import boto3

    region = PILOT.region
    template = read_template(deployed_out, "pilot")
    # Given what the deleted stack of `pilot` left behind (the idempotency table was not kept)
    boto3.client("dynamodb", region_name=region).create_table(
        TableName="proof-free-pilot",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    boto3.client("logs", region_name=region).create_log_group(
        logGroupName="/aws/lambda/proof-free-pilot-APIHandler"
    )
    kms = boto3.client("kms", region_name=region)
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/proof-free-pilot-federation", TargetKeyId=key)
    secret = boto3.client("secretsmanager", region_name=region).create_secret(
        Name="proof-free-pilot/pseudonym-key", SecretString="kept"
    )["ARN"]

    mapping = retained_identifiers(template, AwsLookup(region))

    by_type = {template["Resources"][name]["Type"]: ids for name, ids in mapping.items()}
    assert by_type["AWS::DynamoDB::Table"] == {"TableName": "proof-free-pilot"}
    assert by_type["AWS::KMS::Key"] == {"KeyId": key}
    assert by_type["AWS::KMS::Alias"] == {"AliasName": "alias/proof-free-pilot-federation"}
    assert by_type["AWS::SecretsManager::Secret"] == {"Id": secret}
    assert {"LogGroupName": "/aws/lambda/proof-free-pilot-APIHandler"} in mapping.values()
    assert len(mapping) == 5  # nothing that does not exist: a deploy creates the rest
