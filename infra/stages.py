"""The deployed stages: the city and one per county of Huzhou, each a stack of its own."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGION = "cn-northwest-1"  # AWS China (Ningxia); the Chinese regions offer no Lambda X-Ray nor SnapStart
# The Lambda runtime every stage runs on: the Python of .python-version, which `make install`
# builds .venv with. Chalice packages for the Python that runs it (wheels and bytecode), so
# `make synth` refuses any other interpreter (infra/app.py). python3.13 runs on Amazon Linux 2023
# until 2029-06-30; python3.11 may no longer be created or updated in the China regions
# (https://docs.amazonaws.cn/lambda/latest/dg/python-programming-model.html).
PYTHON_RUNTIME = "python" + (Path(__file__).resolve().parents[1] / ".python-version").read_text().strip()
# The once-per-account stack beside the stages (infra/account.py).
ACCOUNT_STACK = "apigateway-account"
# The federation's directory as every stage pins it: generated at synth from STAGES and the
# keys and URLs the operators pinned in infra/federation.json, shipped inside the package.
FEDERATION_DIRECTORY = "chalicelib/_federation/directory.json"
PINNED = Path(__file__).resolve().parent / "federation.json"


@dataclass(frozen=True)
class Stage:
    name: str  # Chalice stage, stack name suffix, COUNTY in alerts
    label: str
    # API Gateway throttling for the stage (requests per second, burst)
    rate_limit: int = 100
    burst_limit: int = 200
    # Alarm when more requests than this are overdue at once (the dashboard shows the backlog).
    overdue_backlog_alarm: int = 20


STAGES = (
    Stage("huzhou", "湖州市 Huzhou (city)", rate_limit=300, burst_limit=600),
    Stage("wuxing", "吴兴区 Wuxing"),
    Stage("nanxun", "南浔区 Nanxun"),
    Stage("deqing", "德清县 Deqing"),
    Stage("changxing", "长兴县 Changxing"),
    Stage("anji", "安吉县 Anji"),
)


def directory() -> dict[str, Any]:
    """Every deployed stage, with the API URL and public keys its operators pinned (a stage not
    paired yet has none: messages to it wait in the queue until it is)."""
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    return {
        "stages": [
            {
                "stage": stage.name,
                "label": stage.label,
                "api_url": pinned.get(stage.name, {}).get("api_url", ""),
                "jwks": {"keys": pinned.get(stage.name, {}).get("keys", [])},
            }
            for stage in STAGES
        ]
    }


def stack_names() -> list[str]:
    return [stage.name for stage in STAGES] + [ACCOUNT_STACK]


def main(argv: list[str]) -> int:
    """`python -m infra.stages NAME`: exit 0 if NAME is a stack `make diff/deploy` can take."""
    name = argv[0] if argv else ""
    if name in stack_names():
        return 0
    print(f"STAGE={name!r} is not a stack here; one of: {' '.join(stack_names())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
