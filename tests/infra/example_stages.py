"""Deployed stages for the infra tests (PROOF_FREE_STAGES=tests.infra.example_stages): this
repository's own stages are all planned until their operators fill in their settings."""

from infra.stages import IdentityProvider, RestoredTable, Stage

ACCOUNT = "123456789012"  # moto's default account: its STS answers with it
OTHER_ACCOUNT = "210987654321"
AGENCIES = ("111111111111", "222222222222")
IDENTITY = IdentityProvider(
    issuer="https://idp.example.gov.cn",
    jwks_url="https://idp.example.gov.cn/.well-known/jwks.json",
    audience="proof-free-city",
    workbench_client_id="proof-free-workbench",
    token_endpoint="https://broker.example.gov.cn/oauth2/token",
)
RESTORED = RestoredTable(
    name="proof-free-restored-2026-12-01",
    stream_arn="arn:aws-cn:dynamodb:cn-northwest-1:123456789012:table/proof-free-restored-2026-12-01/stream/2026-12-01T09:00:00.000",
)

STAGES = (
    Stage(
        "pilot",
        "试点 Pilot",
        deployed=True,
        account=ACCOUNT,
        identity=IDENTITY,
        alarm_emails=("oncall@example.gov.cn", "bigdata@example.gov.cn"),
        agency_accounts=AGENCIES,
        overdue_backlog_alarm=7,
    ),
    # After a point-in-time restore and in the middle of a key rotation: key 2 signs, 1 is kept.
    Stage(
        "restored",
        "恢复 Restored",
        deployed=True,
        account=ACCOUNT,
        identity=IDENTITY,
        alarm_emails=("oncall@example.gov.cn",),
        restored_table=RESTORED,
        federation_keys=("1", "2"),
        signing_key="2",
    ),
    Stage(
        "elsewhere",
        "他账户 Elsewhere",
        deployed=True,
        account=OTHER_ACCOUNT,
        identity=IDENTITY,
        alarm_emails=("oncall@example.gov.cn",),
    ),
    Stage("planned", "规划 Planned"),
)
