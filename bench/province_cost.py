"""What the province costs with nobody using it: one idle stage a month, from its synthesized
template and China list prices, with its largest items; the 101 stages of infra/province.json;
and the federation's messages a day at 101 stages, each checkpoint sent to k witnesses against
every peer.

Idle means no request all month: what is left are the stage's resources (keys, secrets, the
dashboard, alarms) and its schedules, each run measured here on DynamoDB Local (its time, the
read units it consumed, the log bytes and the metrics it printed). Prices are the China
(Ningxia) list prices where the stored amazonaws.cn pages give them; the others are the global
list price times the China/global ratio of an alarm metric (marked "est."): confirm them before
budgeting.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from bench import prices, world
from bench.dynamodb_calls import READS, Call, recording
from chalicelib.domain.directory import WITNESSES
from chalicelib.services.directory import DIRECTORY_POLL_MINUTES
from infra.local.stack import PROJECT
from infra.stages import STAGES, anchor

MINUTES_A_MONTH = 30 * 24 * 60
RUNS = 20  # timed idle runs of each scheduled function
# What EventBridge hands a scheduled function.
SCHEDULED = {
    "version": "0",
    "id": "bench",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-12-06T08:00:00Z",
    "region": "cn-northwest-1",
    "resources": [],
    "detail": {},
}
COUNTY = "wuxing"  # a county stage; the anchor is a city stage (infra/anchor.json)

ALARM_RATIO = 0.622 / 0.10  # China / global list price of a standard alarm metric
CHINA = "amazonaws.cn/cloudwatch/pricing"
ESTIMATED = "est.: global list price x 0.622/0.10"


@dataclass(frozen=True)
class Price:
    yuan: float
    source: str


PRICES = {
    "kms_key": Price(1.00 * ALARM_RATIO, ESTIMATED),  # a customer-managed key, a month
    "secret": Price(0.40 * ALARM_RATIO, ESTIMATED),  # a secret, a month
    "dashboard": Price(3.00 * ALARM_RATIO, ESTIMATED),  # a dashboard, a month
    "alarm_metric": Price(0.622, CHINA),  # each metric an alarm reads, a month
    "custom_metric": Price(2.0, CHINA),  # each custom metric published in the month
    "log_gb": Price(0.50 * ALARM_RATIO, ESTIMATED),  # log ingestion, a GB
    "api_million": Price(3.50 * ALARM_RATIO, ESTIMATED),  # REST API requests, a million
}
# CloudWatch's free tier, per account (each stage has its own): amazonaws.cn/cloudwatch/pricing.
FREE = {"alarm_metric": 10, "custom_metric": 10, "dashboard": 3, "log_gb": 5.0}


@dataclass(frozen=True)
class Resources:
    """What a stage's template holds that costs whether or not anyone uses it."""

    kms_keys: int
    secrets: int
    dashboards: int
    alarm_metrics: int
    schedules: dict[str, int]  # function logical id -> runs a month


@dataclass(frozen=True)
class IdleRun:
    function: str
    runs_a_month: int
    billed_ms: float
    read_units: float
    log_bytes: int
    metrics: frozenset[str]


def resources(template: dict[str, Any]) -> Resources:
    items = template["Resources"].values()

    def count(kind: str) -> int:
        return sum(1 for r in items if r["Type"] == kind)

    alarms = [r["Properties"] for r in items if r["Type"] == "AWS::CloudWatch::Alarm"]
    # An alarm on a math expression is billed for each metric it reads.
    metrics = sum(sum(1 for m in a["Metrics"] if "MetricStat" in m) if "Metrics" in a else 1 for a in alarms)
    schedules = {
        name: runs_a_month(event["Properties"]["Schedule"])
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
        for event in r["Properties"].get("Events", {}).values()
        if event["Type"] == "Schedule"
    }
    return Resources(
        count("AWS::KMS::Key"),
        count("AWS::SecretsManager::Secret"),
        count("AWS::CloudWatch::Dashboard"),
        metrics,
        schedules,
    )


def runs_a_month(expression: str) -> int:
    """`rate(5 minutes)` -> 8640."""
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression)
    if match is None:
        raise ValueError(f"not a rate: {expression}")
    minutes = int(match[1]) * {"minute": 1, "hour": 60, "day": 1440}[match[2].rstrip("s")]
    return MINUTES_A_MONTH // minutes


def synthesized(*stages: str) -> dict[str, dict[str, Any]]:
    """The stages' templates, synthesized as `make synth STAGE=<stage>` does (without cfn-lint)."""
    chosen = [argument for stage in stages for argument in ("--stage", stage)]
    with tempfile.TemporaryDirectory() as outdir:
        subprocess.run(
            [sys.executable, "-m", "infra.app", "--outdir", outdir, *chosen],
            cwd=PROJECT,
            check=True,
            capture_output=True,
            env={name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "CDK_"))},
        )
        return {stage: json.loads((Path(outdir) / f"{stage}.template.json").read_text()) for stage in stages}


def idle_runs(stack_env: dict[str, str], schedules: dict[str, int], timed: int = RUNS) -> list[IdleRun]:
    """Each scheduled function run on a stage where nothing happens (the Huzhou seed, no request)."""
    import app

    world.enter(stack_env, "idle")
    world.build(0)
    # A deployed stage has its delivery queue: the forwarding schedule then reads its outbox.
    queue = boto3.client("sqs").create_queue(QueueName="bench-idle-federation")["QueueUrl"]
    world.enter({**stack_env, "FEDERATION_QUEUE_URL": queue}, "idle")
    measured = []
    for function, runs in sorted(schedules.items()):
        handler = getattr(app, _snake(function))
        handler(SCHEDULED, None)  # warm, as a function run each minute is
        times, reads, logged, names = [], 0.0, 0, set()
        for _ in range(timed):
            with _stdout_captured() as printed, recording() as calls:
                started = time.perf_counter()
                handler(SCHEDULED, None)
                times.append(time.perf_counter() - started)
            reads += sum(billed_reads(call) for call in calls.calls)
            logged += len(printed())
            names |= _metric_names(printed())
        billed = math.ceil(statistics.median(times) * 1000)
        measured.append(IdleRun(function, runs, billed, reads / timed, logged // timed, frozenset(names)))
    return measured


def billed_reads(call: Call) -> float:
    """Read units as the service bills them: DynamoDB Local reports 0 for a read that finds
    nothing, where the service bills its minimum (0.5 per item or query, 1 strongly consistent)."""
    if call.operation not in READS:
        return 0.0
    least = 1.0 if call.params.get("ConsistentRead") else 0.5
    if call.operation == "BatchGetItem":
        keys = [(t, key) for t in call.params["RequestItems"].values() for key in t["Keys"]]
        least *= len(keys)
    return max(call.read_units, least)


def _snake(logical_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", logical_id).lower()


@contextlib.contextmanager
def _stdout_captured() -> Iterator[Callable[[], bytes]]:
    """What the block printed to the process's stdout (Lambda sends it to CloudWatch Logs)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        content = b""
        try:
            yield lambda: content
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            sink.seek(0)
            content = sink.read()


def _metric_names(printed: bytes) -> set[str]:
    """The metrics of the embedded-metric-format lines printed."""
    names = set()
    for line in printed.splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
                names |= {metric["Name"] for metric in directive["Metrics"]}
    return names


# Lambda writes START, END and REPORT lines for every invocation (about 260 bytes), and CloudWatch
# Logs bills 26 bytes more for each event ingested.
PLATFORM_LOG_BYTES = 260 + 3 * 26
GB = 1024**3


@dataclass(frozen=True)
class Item:
    what: str
    yuan: float  # a month, at list prices
    after_free_tier: float  # a month, after CloudWatch's free tier of the stage's own account


def idle_month(held: Resources, runs: list[IdleRun]) -> list[Item]:
    """One idle stage's month, item by item, largest first."""
    price = {name: p.yuan for name, p in PRICES.items()}

    def fixed(what: str, count: int, name: str) -> Item:
        free = FREE.get(name, 0)
        return Item(what, count * price[name], max(count - free, 0) * price[name])

    metrics = sorted(set().union(*(run.metrics for run in runs)))
    items = [
        fixed(f"{held.kms_keys} KMS keys", held.kms_keys, "kms_key"),
        fixed(f"{held.secrets} secrets", held.secrets, "secret"),
        fixed(f"{held.dashboards} dashboard", held.dashboards, "dashboard"),
        fixed(f"{held.alarm_metrics} alarm metrics", held.alarm_metrics, "alarm_metric"),
        fixed(f"{len(metrics)} custom metrics printed when idle", len(metrics), "custom_metric"),
    ]
    for run in runs:
        yuan = run.runs_a_month * _invocation(run.billed_ms, run.read_units)
        items.append(Item(f"{run.function}: {run.runs_a_month:,} idle runs", yuan, yuan))
    logged = sum(run.runs_a_month * (run.log_bytes + PLATFORM_LOG_BYTES) for run in runs) / GB
    items.append(
        Item(
            f"their logs: {logged * 1024:.0f} MB",
            logged * price["log_gb"],
            max(logged - FREE["log_gb"], 0) * price["log_gb"],
        )
    )
    return sorted(items, key=lambda item: -item.yuan)


def _invocation(billed_ms: float, read_units: float) -> float:
    yuan = prices.YUAN
    return (
        billed_ms / 1000 * prices.LAMBDA_MEMORY_GB * yuan.lambda_per_gb_second
        + yuan.lambda_per_million_requests / 1e6
        + read_units * yuan.dynamodb_per_million_read_units / 1e6
    )


def anchor_polls(stages: int, poll_minutes: int, billed_ms: float, read_units: float) -> Item:
    """What the anchor pays to serve every other stage's polls of its directory."""
    polls = (stages - 1) * MINUTES_A_MONTH // poll_minutes
    yuan = polls * (_invocation(billed_ms, read_units) + PRICES["api_million"].yuan / 1e6)
    return Item(f"the anchor: {polls:,} directory polls from {stages - 1} stages", yuan, yuan)


def messages_a_day(stages: int, witnesses: int, poll_minutes: int) -> dict[str, int]:
    """A busy day: every stage signs a checkpoint every 5 minutes (it signs one only when its
    log moved, so an idle stage sends none)."""
    rounds = 24 * 60 // 5
    return {
        f"checkpoints to {witnesses} witnesses each": stages * rounds * witnesses,
        "checkpoints to every peer": stages * rounds * (stages - 1),
        f"directory polls (one per stage every {poll_minutes} min)": (stages - 1) * 24 * 60 // poll_minutes,
    }


# Each scheduled function, run idle, costs at most this a month (issue: "an every-minute
# schedule with nothing to do should cost next to nothing").
IDLE_SCHEDULE_TARGET = 1.0


@dataclass(frozen=True)
class Province:
    stages: int
    county: list[Item]
    anchor_extra: list[Item]
    runs: list[IdleRun]
    messages: dict[str, int]

    def stage_month(self, after_free_tier: bool = False) -> float:
        return sum(i.after_free_tier if after_free_tier else i.yuan for i in self.county)

    def province_month(self, after_free_tier: bool = False) -> float:
        extra = sum(i.after_free_tier if after_free_tier else i.yuan for i in self.anchor_extra)
        return self.stages * self.stage_month(after_free_tier) + extra


def measure(stack_env: dict[str, str], timed: int = RUNS) -> Province:
    city_stage = anchor()["stage"]
    templates = synthesized(COUNTY, city_stage)
    county, city = resources(templates[COUNTY]), resources(templates[city_stage])
    runs = idle_runs(stack_env, county.schedules, timed)
    billed_ms, read_units = _directory_read(timed)
    price = PRICES["kms_key"].yuan
    extra_keys = city.kms_keys - county.kms_keys  # the anchor's directory key
    anchor_extra = [
        Item(
            f"the anchor: {extra_keys} more KMS key (the directory's)", extra_keys * price, extra_keys * price
        ),
        anchor_polls(len(STAGES), DIRECTORY_POLL_MINUTES, billed_ms, read_units),
    ]
    return Province(
        len(STAGES),
        idle_month(county, runs),
        anchor_extra,
        runs,
        messages_a_day(len(STAGES), WITNESSES, DIRECTORY_POLL_MINUTES),
    )


def _directory_read(timed: int) -> tuple[float, float]:
    """GET /federation/directory, warm: its billed milliseconds and read units."""
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as client:
        client.http.get("/federation/directory")
        times, reads = [], 0.0
        for _ in range(timed):
            with recording() as calls:
                started = time.perf_counter()
                answer = client.http.get("/federation/directory")
                times.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.body[:200]
            reads += sum(billed_reads(call) for call in calls.calls)
    return math.ceil(statistics.median(times) * 1000), reads / timed
