"""The deployed stages: the city and one per county of Huzhou, each a stack of its own."""

from __future__ import annotations

import sys
from dataclasses import dataclass

REGION = "cn-northwest-1"  # AWS China (Ningxia); the Chinese regions offer no Lambda X-Ray nor SnapStart
# The Lambda runtime every stage runs on. Chalice packages for the Python that runs it (wheels
# and bytecode), so `make synth` refuses any other interpreter (infra/app.py).
PYTHON_RUNTIME = "python3.11"
# The once-per-account stack beside the stages (infra/account.py).
ACCOUNT_STACK = "apigateway-account"


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
