"""Warm request overhead: each operation through `chalice.test.Client` (the Lambda event and
context Chalice would get), beside a bare handler making the same DynamoDB calls.

The bare handler is what the app would cost with no framework at all: parse the body, send
the very DynamoDB requests the app sent (recorded from one app request, with its new ids
swapped for fresh ones so conditional puts succeed again), and dump the last answer as JSON.
It uses a plain boto3 client created once, as a handler would. The difference between the
two is the app's own work: routing, token check, schema validation, PynamoDB, domain logic,
logging.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore import xform_name

from bench.dynamodb_calls import Call, recording
from bench.world import Operation
from chalicelib.adapters.system import new_id

TARGET_P50_RATIO = 1.5
# ULIDs: the ids the app generates for new items (request, commitment, notice, outbox rows).
_ULID = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJKMNP-TV-Z]{26}(?![0-9A-Za-z])")
_CLAIMED = re.compile(r"(LN#ACTIVE#)[^\"]+")


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float

    @classmethod
    def of(cls, seconds: list[float]) -> Timing:
        cuts = statistics.quantiles(seconds, n=20, method="inclusive")  # 5 % steps: [9] is p50, [18] is p95
        return cls(cuts[9], cuts[18])


@dataclass(frozen=True)
class Overhead:
    operation: str
    app: Timing
    bare: Timing
    calls: str

    @property
    def p50_ratio(self) -> float:
        return self.app.p50 / self.bare.p50


def measure(client: Any, operation: Operation, runs: int) -> Overhead:
    """`runs` timed requests each, app and bare taking turns, after a few untimed ones."""

    def send() -> None:
        operation.send(client)

    for _ in range(5):
        send()
    with recording() as recorded:
        send()
    bare = BareHandler(recorded.calls)
    app_seconds, bare_seconds = [], []
    for _ in range(runs):
        app_seconds.append(_timed(send))
        params = bare.fresh_params()
        bare_seconds.append(_timed(lambda: bare.handle(operation.payload(), params)))  # noqa: B023
    return Overhead(operation.name, Timing.of(app_seconds), Timing.of(bare_seconds), recorded.shape())


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


class BareHandler:
    """The recorded DynamoDB calls of one request, replayed with a plain boto3 client."""

    def __init__(self, calls: list[Call]) -> None:
        self._calls = calls
        self._client = boto3.client("dynamodb")

    def fresh_params(self) -> list[dict[str, Any]]:
        """The recorded requests with every generated id replaced by a new one (made before
        the timing starts: it is the benchmark's work, not the handler's)."""
        text = json.dumps([call.params for call in self._calls], ensure_ascii=False)
        fresh: dict[str, str] = {}
        text = _ULID.sub(lambda m: fresh.setdefault(m.group(0), new_id()), text)
        # Keys that a write claims once (a document on notice): a fresh one per request too.
        text = _CLAIMED.sub(lambda m: fresh.setdefault(m.group(0), f"{m.group(1)}{new_id()}"), text)
        params: list[dict[str, Any]] = json.loads(text)
        return params

    def handle(self, body: str | None, params: list[dict[str, Any]]) -> str:
        if body:
            json.loads(body)
        answer: dict[str, Any] = {}
        for call, call_params in zip(self._calls, params, strict=True):
            answer = getattr(self._client, xform_name(call.operation))(**call_params)
        answer.pop("ResponseMetadata", None)
        return json.dumps(answer, default=str, ensure_ascii=False)
