"""Cold start: the wall time of importing the app module, as Lambda's init does, in fresh
processes, beside the floor of importing only the libraries the stack is built on.

The app's bytecode is compiled first, as the deployment package ships it (infra/app.py): the
libraries in the virtualenv were compiled when pip installed them, and comparing compiled
libraries with app code parsed from source on every start would measure the wrong thing.
Each process also reports what the import left behind: no AWS client, no PynamoDB
connection, no schema read or compiled.
"""

from __future__ import annotations

import compileall
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# The floor imports each library as the app uses it. `import pynamodb` alone loads a stub
# package (the library is pynamodb.models), so the package roots are timed too, for reference.
LIBRARIES = "boto3, chalice, pynamodb.models, jsonschema, aws_lambda_powertools"
PACKAGE_ROOTS = "boto3, chalice, pynamodb, jsonschema, aws_lambda_powertools"
TARGET_RATIO = 1.3

_PROBE = """
import gc, json, time
started = time.perf_counter()
import {module}
elapsed = time.perf_counter() - started
report = {{"seconds": elapsed}}
if "{module}" == "app":
    import boto3
    from botocore.client import BaseClient
    from pynamodb.connection.base import Connection
    from chalicelib import validation
    objects = gc.get_objects()
    report["aws_clients"] = sum(isinstance(o, BaseClient) for o in objects)
    report["connections"] = sum(isinstance(o, Connection) for o in objects)
    report["default_session"] = boto3.DEFAULT_SESSION is not None
    report["schemas_loaded"] = validation.load_json.cache_info().currsize
    report["validators"] = sum(type(o).__module__ == "jsonschema.validators" for o in objects)
print(json.dumps(report))
"""


@dataclass(frozen=True)
class ColdStart:
    app_seconds: float
    floor_seconds: float
    roots_seconds: float
    left_at_import: dict[str, int]

    @property
    def ratio(self) -> float:
        return self.app_seconds / self.floor_seconds

    @property
    def ratio_to_roots(self) -> float:
        return self.app_seconds / self.roots_seconds

    @property
    def nothing_built_at_import(self) -> bool:
        return not any(self.left_at_import.values())


RUNS = 5  # fresh processes of each import, taking turns


def measure(runs: int = RUNS) -> ColdStart:
    """Median of `runs` fresh processes each, app and floors taking turns (so drift in the
    machine's load hits all alike), after one untimed start of each to warm the page cache."""
    compileall.compile_dir(PROJECT / "chalicelib", quiet=1)
    compileall.compile_file(PROJECT / "app.py", quiet=1)
    modules = ("app", LIBRARIES, PACKAGE_ROOTS)
    runs_of: dict[str, list[dict[str, float]]] = {module: [] for module in modules}
    for round_number in range(runs + 1):
        for module in modules:
            report = probe(module)
            if round_number:  # round 0 only warms the page cache
                runs_of[module].append(report)
    app = runs_of["app"]
    left = {key: max(int(run[key]) for run in app) for key in app[0] if key != "seconds"}
    app_s, floor_s, roots_s = (statistics.median(r["seconds"] for r in runs_of[m]) for m in modules)
    return ColdStart(app_s, floor_s, roots_s, left)


def probe(module: str) -> dict[str, float]:
    """Import `module` in a fresh process; its import time, and for the app what it left built."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return report
