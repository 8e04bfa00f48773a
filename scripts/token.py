"""Print a development token for stage `local` (make token ROLE=... [UNIT=...] ...)."""

from __future__ import annotations

import argparse
import sys
import time

from chalicelib.auth import dev_token
from chalicelib.domain.identity import REQUIRED_CLAIMS, Role
from chalicelib.settings import get_settings

# A well-formed sample resident ID (Wuxing district, born 1990); not a real person's.
SAMPLE_ID_NUMBER = "330502199001011236"
SAMPLE_NAME = "张三"
DEFAULT_UNITS = {Role.AGENCY: "hz-gaj"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", required=True)
    parser.add_argument("--unit", default="")
    parser.add_argument("--id-number", default="")
    parser.add_argument("--name", default="")
    parser.add_argument("--sub", default="")
    parser.add_argument("--hours", type=float, default=12)
    args = parser.parse_args()
    try:
        role = Role(args.role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        print(f"ROLE must be one of: {roles}", file=sys.stderr)
        return 2
    claims = {
        "sub": args.sub or f"dev-{role.value}",
        "role": role.value,
        "iat": int(time.time()),
        "exp": int(time.time() + args.hours * 3600),
    }
    values = {
        "unit_id": args.unit or DEFAULT_UNITS.get(role, ""),
        "id_number": args.id_number or SAMPLE_ID_NUMBER,
        "name": args.name or SAMPLE_NAME,
    }
    claims.update({claim: values[claim] for claim in REQUIRED_CLAIMS[role]})
    print(dev_token(get_settings(), claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
