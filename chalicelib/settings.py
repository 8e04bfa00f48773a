"""Configuration from the environment, read when needed and never at import time.

chalice.test.Client sets a stage's environment variables only while a request runs, and
Lambda may reuse a module across configurations in tests, so nothing here is cached.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEV_SECRET = "local-dev-only-secret-never-for-deployed-stages"
LOCAL_STAGE = "local"
# The stages `make run` serves on this machine (API.md, Local endpoints), and a third the tests
# federate: development tokens, keys in files under .local/federation/. No deployed stage may
# take these names (tests/infra checks infra/stages.py).
LOCAL_STAGES = frozenset({LOCAL_STAGE, "peer", "peer2"})
LOCAL_KEYS = Path(__file__).resolve().parent.parent / ".local" / "federation"


@dataclass(frozen=True)
class Settings:
    stage: str
    county: str
    region: str
    table_name: str
    idempotency_table_name: str
    auth_dev_secret: str
    auth_issuer: str
    auth_jwks_url: str
    auth_audience: str
    auth_authorization_endpoint: str
    auth_token_endpoint: str
    workbench_client_id: str
    workbench_scope: str
    cursor_secret: str
    cursor_secret_arn: str
    pseudonym_secret: str
    pseudonym_secret_arn: str
    alert_topic_arn: str
    relay_due_working_days: int
    local_closures: tuple[date, ...]
    lost_notice_periods: tuple[tuple[str, int], ...]
    lost_notice_day_count: str
    newspaper_price_yuan: int
    api_url: str
    federation_key_arn: str
    federation_published_key_arns: tuple[str, ...]
    federation_key_file: str
    federation_directory_file: str
    federation_anchor: str
    federation_anchor_url: str
    federation_anchor_jwks_file: str
    federation_directory_key_arn: str
    federation_directory_key_file: str
    federation_queue_url: str
    federation_queue_retention: int

    @property
    def is_local(self) -> bool:
        return self.stage in LOCAL_STAGES


def get_settings() -> Settings:
    env = os.environ
    stage = env.get("STAGE", LOCAL_STAGE)
    prefix = f"proof-free-{stage}"
    local = stage in LOCAL_STAGES
    dev_fallback = env.get("AUTH_DEV_SECRET", DEV_SECRET) if local else ""
    return Settings(
        stage=stage,
        county=env.get("COUNTY", stage),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", "cn-northwest-1"),
        table_name=env.get("TABLE_NAME", prefix),
        idempotency_table_name=env.get("IDEMPOTENCY_TABLE_NAME", f"{prefix}-idempotency"),
        auth_dev_secret=env.get("AUTH_DEV_SECRET", DEV_SECRET),
        auth_issuer=env.get("AUTH_ISSUER", ""),
        auth_jwks_url=env.get("AUTH_JWKS_URL", ""),
        auth_audience=env.get("AUTH_AUDIENCE", ""),
        # The workbench's sign-in (GET /workbench): its client id at the identity provider, and
        # the provider's endpoints where it offers no discovery document (a broker's).
        auth_authorization_endpoint=env.get("AUTH_AUTHORIZATION_ENDPOINT", ""),
        auth_token_endpoint=env.get("AUTH_TOKEN_ENDPOINT", ""),
        workbench_client_id=env.get("WORKBENCH_CLIENT_ID", ""),
        workbench_scope=env.get("WORKBENCH_SCOPE", "openid"),
        # Signs list cursors. Deployed stages name a secret (*_ARN) read at run time
        # (wiring.cursor_secret); the development fallback is for stage `local` only.
        cursor_secret=env.get("CURSOR_SECRET", dev_fallback),
        cursor_secret_arn=env.get("CURSOR_SECRET_ARN", ""),
        # Keys the index of requests by subject, so no ID number is ever a key in the clear.
        pseudonym_secret=env.get("PSEUDONYM_SECRET", dev_fallback),
        pseudonym_secret_arn=env.get("PSEUDONYM_SECRET_ARN", ""),
        alert_topic_arn=env.get("ALERT_TOPIC_ARN", ""),
        relay_due_working_days=int(env.get("RELAY_DUE_WORKING_DAYS", "5")),
        # "doc_type=days,..." overrides or adds document types and their publication periods.
        lost_notice_periods=tuple(
            (name.strip(), int(days)) for name, _, days in _pairs(env.get("LOST_NOTICE_PERIODS", ""))
        ),
        # "working" counts the publication periods in official working days, not calendar days.
        lost_notice_day_count=env.get("LOST_NOTICE_DAY_COUNT", "calendar"),
        newspaper_price_yuan=int(env.get("NEWSPAPER_NOTICE_PRICE_YUAN", "300")),
        # Days this stage is closed besides the official calendar's holidays (chinese-calendar).
        # RELAY_HOLIDAYS is the name it had when it was the only list of holidays.
        local_closures=tuple(
            date.fromisoformat(day.strip())
            for day in env.get("LOCAL_CLOSURES", env.get("RELAY_HOLIDAYS", "")).split(",")
            if day.strip()
        ),
        api_url=env.get("API_URL", ""),
        # The stage's signing key: a KMS key in AWS; a PEM file on this machine (made if absent).
        federation_key_arn=env.get("FEDERATION_KEY_ARN", ""),
        # The stage's other signing keys (KMS), published beside it: a new one before it signs,
        # an old one after, so that what it signed still verifies.
        federation_published_key_arns=tuple(
            arn.strip() for arn in env.get("FEDERATION_PUBLISHED_KEY_ARNS", "").split(",") if arn.strip()
        ),
        federation_key_file=env.get("FEDERATION_KEY_FILE", str(LOCAL_KEYS / f"{stage}.pem") if local else ""),
        # The pinned directory of the federation's stages and their public keys (a JSON file);
        # without one, a stage is a federation of one.
        federation_directory_file=env.get("FEDERATION_DIRECTORY_FILE", ""),
        # The federation's anchor: its stage name and URL, and its directory keys as this stage
        # pinned them when deployed (a JWKS file); the anchor itself holds the directory key.
        federation_anchor=env.get("FEDERATION_ANCHOR", ""),
        federation_anchor_url=env.get("FEDERATION_ANCHOR_URL", ""),
        federation_anchor_jwks_file=env.get("FEDERATION_ANCHOR_JWKS_FILE", ""),
        federation_directory_key_arn=env.get("FEDERATION_DIRECTORY_KEY_ARN", ""),
        federation_directory_key_file=env.get("FEDERATION_DIRECTORY_KEY_FILE", ""),
        # Where outgoing messages wait for delivery to their peer, retried with back-off.
        federation_queue_url=env.get("FEDERATION_QUEUE_URL", ""),
        # How long the queue keeps a message (seconds; SQS's most, 14 days, unless the stack says
        # otherwise): a message queued longer ago than this is put back on it from the table.
        federation_queue_retention=int(env.get("FEDERATION_QUEUE_RETENTION_SECONDS", str(14 * 86400))),
    )


def _pairs(text: str) -> list[tuple[str, str, str]]:
    return [item.partition("=") for item in text.split(",") if item.strip()]
