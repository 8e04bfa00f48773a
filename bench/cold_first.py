"""Cold first response: what a citizen waiting on a cold Lambda feels, from the process's start
to the first response returned, for the app beside the handler a team would otherwise write
by hand with boto3 alone, making the same DynamoDB calls.

Each run is a fresh process, as a cold start is. The app's process imports `app` and calls
its handler with the API Gateway event of the request (the Lambda entry point, token check
included); the bare process imports boto3, makes a client and sends the DynamoDB requests the
app sent for the same request (recorded from it, with fresh ids), then dumps the answer as
JSON. The two take turns, after one untimed start of each (the page cache), and the median of
the runs is compared; the import and the first request are reported apart.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from chalice.local import LambdaEventConverter, RouteMatcher

from bench.cold_start import PROJECT
from bench.dynamodb_calls import recording
from bench.warm import BareHandler
from bench.world import Operation

RUNS = 11  # the issue asks for at least 7; a run varies by ±10 %, the median of 11 far less
TARGETS = {"proof lookup": 1.2, "relay create": 1.3}

_APP = """
import json, os, sys, time
os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "proof-free-local-APIHandler"  # as Lambda sets it
began = time.perf_counter()
import app
imported = time.perf_counter()

class Context:  # what Lambda hands the handler
    function_name = "proof-free-local-APIHandler"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws-cn:lambda:cn-northwest-1:000000000000:function:" + function_name
    aws_request_id = "cold-first"
    log_group_name = "/aws/lambda/proof-free-local-APIHandler"
    log_stream_name = "cold-first"
    def get_remaining_time_in_millis(self):
        return 30000

answer = app.app(json.loads(sys.argv[1]), Context())
answered = time.perf_counter()
print(json.dumps({"import": imported - began, "first": answered - imported,
                  "status": answer["statusCode"], "at": time.time()}))
"""

_BARE = """
import json, sys, time
began = time.perf_counter()
import boto3
imported = time.perf_counter()
body, calls = json.loads(sys.argv[1])
if body:
    json.loads(body)
client = boto3.client("dynamodb")
answer = {}
for operation, params in calls:
    answer = getattr(client, operation)(**params)
answer.pop("ResponseMetadata", None)
json.dumps(answer, default=str, ensure_ascii=False)
answered = time.perf_counter()
report = {"import": imported - began, "first": answered - imported, "status": 200, "at": time.time()}
print(json.dumps(report))
"""


# A deployed stage's first write also builds a KMS client (its key) and a Secrets Manager client
# (its pseudonym key) beside the DynamoDB one; the local stages sign with a key file and take
# their secrets from the environment, so the first response above does not show them. Timed
# after the import, DynamoDB's first, as a first write builds them.
DEPLOYED_CLIENTS = ("dynamodb", "kms", "secretsmanager")

_APP_CLIENTS = """
import sys, time
import app
from chalicelib.adapters import aws_clients, tables
began = time.perf_counter()
tables.dynamodb("cn-northwest-1").client
for service in sys.argv[1].split(",")[1:]:
    aws_clients.client(service, "cn-northwest-1")
print(time.perf_counter() - began)
"""

_BARE_CLIENTS = """
import sys, time
import boto3
began = time.perf_counter()
for service in sys.argv[1].split(","):
    boto3.client(service, region_name="cn-northwest-1")
print(time.perf_counter() - began)
"""


@dataclass(frozen=True)
class Side:
    total: float  # process start to the first response, median
    imported: float  # median of the import part
    first: float  # median of the first request part


@dataclass(frozen=True)
class ColdFirst:
    operation: str
    app: Side
    bare: Side
    target: float

    @property
    def ratio(self) -> float:
        return self.app.total / self.bare.total


def measure(app: Any, client: Any, operation: Operation, runs: int = RUNS) -> ColdFirst:
    """`runs` fresh processes each for `operation`, app and bare taking turns."""
    with recording() as recorded:
        operation.send(client)
    bare = BareHandler(recorded.calls)
    event = json.dumps(_event(app, operation))

    def bare_run() -> dict[str, float]:
        fresh = zip(recorded.calls, bare.fresh_params(), strict=True)
        calls = [[xform_name(call.operation), params] for call, params in fresh]
        return _run(_BARE, json.dumps([operation.payload(), calls]), 200)

    app_runs, bare_runs = _in_turns(runs, lambda: _run(_APP, event, operation.status), bare_run)
    return ColdFirst(operation.name, _median(app_runs), _median(bare_runs), TARGETS[operation.name])


def deployed_clients(runs: int = RUNS) -> tuple[float, float]:
    """Median seconds to build DEPLOYED_CLIENTS after the import: the app's, boto3's."""
    services = ",".join(DEPLOYED_CLIENTS)
    app_runs, bare_runs = _in_turns(
        runs,
        lambda: float(_last_line(_printed(_APP_CLIENTS, services))),
        lambda: float(_last_line(_printed(_BARE_CLIENTS, services))),
    )
    return statistics.median(app_runs), statistics.median(bare_runs)


def _in_turns[T](runs: int, app: Callable[[], T], bare: Callable[[], T]) -> tuple[list[T], list[T]]:
    """`runs` results of each, taking turns, after one untimed round (it warms the page cache)."""
    app_runs, bare_runs = [], []
    for round_number in range(runs + 1):
        app_run, bare_run = app(), bare()
        if round_number:
            app_runs.append(app_run)
            bare_runs.append(bare_run)
    return app_runs, bare_runs


def _event(app: Any, operation: Operation) -> dict[str, Any]:
    """The API Gateway event of the request, as Chalice's local gateway builds it."""
    converter = LambdaEventConverter(RouteMatcher(list(app.routes)))
    body = operation.payload()
    return converter.create_lambda_event(operation.method, operation.path, operation.headers(), body)


def _run(probe: str, argument: str, status: int) -> dict[str, float]:
    started = time.time()
    printed = _printed(probe, argument)
    report = json.loads(_last_line(printed))
    if report["status"] != status:
        raise RuntimeError(f"the cold process answered {report['status']}: {printed[-500:]}")
    return {"total": report["at"] - started, "import": report["import"], "first": report["first"]}


def _printed(probe: str, argument: str) -> str:
    """What a fresh process running `probe` in the project prints."""
    done = subprocess.run(
        [sys.executable, "-c", probe, argument], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    return done.stdout


def _last_line(printed: str) -> str:
    return printed.strip().splitlines()[-1]


def _median(runs: list[dict[str, float]]) -> Side:
    return Side(*(statistics.median(run[part] for run in runs) for part in ("total", "import", "first")))
