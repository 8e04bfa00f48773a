"""Load a catalogue (units, then proof items, then matters) into a stage over its HTTP API.

    python -m scripts.load_catalogue --api https://<api>/api/ --file catalogue.json
    (token of a catalogue_admin in env CATALOGUE_TOKEN; make load-catalogue API=... FILE=...)

The file has the shape of infra/local/seed.json: {"units": [...], "proofs": [...],
"matters": [...]}, each record the body of its POST. Records already there (409) are left as
they are, so an interrupted load is simply run again. Any other refusal stops the load with
the API's message; nothing of a record's content is printed (a name may be personal data in a
unit's contact fields).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import requests

STEPS = (
    ("units", "units", "unit_id"),
    ("proofs", "proofs", "proof_id"),
    ("matters", "matters", "matter_code"),
)


def post(api: str, path: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = requests.post(
        api.rstrip("/") + "/" + path,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    return response.status_code, response.json() if is_json else {}


def load(api: str, token: str, catalogue: dict[str, Any]) -> dict[str, dict[str, int]]:
    """POST every record in order; count what was created and what was there already."""
    report: dict[str, dict[str, int]] = {}
    for key, path, id_field in STEPS:
        counts = report.setdefault(key, {"created": 0, "already_there": 0})
        for record in catalogue.get(key, []):
            status, answer = post(api, path, token, record)
            if status == 201:
                counts["created"] += 1
            elif status == 409:
                counts["already_there"] += 1
            else:
                refusal = f"{status} {answer.get('code')}: {answer.get('message')}"
                raise SystemExit(f"{key} {record.get(id_field, '?')}: {refusal}")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--api", required=True, help="the stage's base URL, e.g. https://<id>.execute-api.../api/"
    )
    parser.add_argument("--file", required=True, type=Path)
    args = parser.parse_args()
    token = os.environ.get("CATALOGUE_TOKEN", "")
    if not token:
        print(
            "set CATALOGUE_TOKEN to a catalogue_admin token of the stage's identity provider", file=sys.stderr
        )
        return 2
    report = load(args.api, token, json.loads(args.file.read_text(encoding="utf-8")))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
