"""The local stack (DynamoDB Local + moto server) once per test session, fresh tables per test,
the app behind chalice.test.Client, development tokens, and starting calls together."""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib import wiring
from chalicelib.adapters.tables import ensure_tables
from chalicelib.auth import dev_token
from chalicelib.settings import get_settings
from infra.local import stack

PROJECT = Path(__file__).resolve().parents[2]


_table_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def local_stack():
    started = stack.start(
        stack.free_port(), stack.free_port(), data_dir=None, log_dir=PROJECT / ".local" / "test-logs"
    )
    yield started
    started.stop()


@pytest.fixture
def stack_env(local_stack, monkeypatch) -> dict[str, str]:
    """Environment of a test that talks to the local stack, with tables of its own."""
    name = f"test-{os.getpid()}-{next(_table_numbers)}"
    env = {
        **local_stack.env,
        "STAGE": "local",
        "COUNTY": "local",
        "TABLE_NAME": name,
        "IDEMPOTENCY_TABLE_NAME": f"{name}-idempotency",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    ensure_tables(boto3.client("dynamodb"), get_settings())
    wiring.bootstrap()
    return env


def set_stage_env(monkeypatch, name: str, value: str | None) -> None:
    """Set (None: remove) one of the stage's environment variables in the middle of a test, and
    build the process's container again from the environment, with the test's clock kept."""
    if value is None:
        monkeypatch.delenv(name, raising=False)
    else:
        monkeypatch.setenv(name, value)
    wiring.bootstrap(given=wiring.container().given)


class Api:
    """chalice.test.Client with JSON helpers and tokens for each role."""

    def __init__(self, client) -> None:
        self.client = client

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ):
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else (None if body is None else json.dumps(body))
        http = getattr(self.client.http, method.lower())
        kwargs = {"headers": all_headers}
        if payload is not None:
            kwargs["body"] = payload
        response = http(path, **kwargs)
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        response.data = json.loads(response.body) if response.body and is_json else None
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)


def make_token(role: str, **claims: Any) -> str:
    now = int(time.time())
    base = {"sub": f"test-{role}-{claims.pop('sub_suffix', '1')}", "role": role, "exp": now + 3600}
    return dev_token(get_settings(), {**base, **claims})


@pytest.fixture
def api(stack_env):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as client:
        yield Api(client)


@pytest.fixture
def admin_token(stack_env) -> str:
    return make_token("catalogue_admin")


SUBJECT_ID = "330521196201010014"  # Deqing, born 1962: a valid ID that python-stdnum refuses


def citizen_token(id_number: str = SUBJECT_ID, name: str = "王小明", **claims: Any) -> str:
    return make_token("citizen", name=name, id_number=id_number, **claims)


def agency_token(unit_id: str) -> str:
    return make_token("agency", unit_id=unit_id, sub_suffix=unit_id)


def run_together(calls):
    """Start every call at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def stream_event(table_items):
    """What the table's stream hands the dispatch_outbox Lambda for these new items."""
    return {
        "Records": [
            {
                "eventID": str(n),
                "eventName": "INSERT",
                "eventSource": "aws:dynamodb",
                "dynamodb": {"NewImage": item, "SequenceNumber": f"{n:021d}", "StreamViewType": "NEW_IMAGE"},
            }
            for n, item in enumerate(table_items, start=1)
        ]
    }
