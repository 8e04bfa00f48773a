"""Fixtures that start the local stack (DynamoDB Local + moto server) once per test session.

Unit tests need none of this; integration and e2e tests ask for `api` or `stack_env`.
"""

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

from chalicelib.adapters.tables import ensure_tables
from chalicelib.auth import dev_token
from chalicelib.settings import get_settings
from infra.local import stack
from infra.local.launch import launcher

PROJECT = Path(__file__).resolve().parent.parent
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
    return env


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


CITY_UNIT = {
    "unit_id": "hz-gaj",
    "name": "湖州市公安局",
    "name_en": "Huzhou Public Security Bureau",
    "level": "city",
    "county": "huzhou",
}


def proof_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "亲属关系证明",
        "name_en": "Proof of kinship",
        "issuing_unit": "hz-gaj",
        "legal_basis": "《中华人民共和国户口登记条例》",
        "disposition": "remote_verification",
        "rule": "inter_agency_check",
        **overrides,
    }


@pytest.fixture
def unit(api, admin_token) -> dict[str, Any]:
    """A registered city unit that issues proofs."""
    response = api.post("/units", CITY_UNIT, token=admin_token)
    assert response.status_code == 201, response.data
    return response.data


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    with launcher(tmp_path_factory.mktemp("make-run")) as running:
        yield running


SUBJECT_ID = "330521196201010014"  # Deqing, born 1962: a valid ID that python-stdnum refuses


def citizen_token(id_number: str = SUBJECT_ID, name: str = "王小明", **claims: Any) -> str:
    return make_token("citizen", name=name, id_number=id_number, **claims)


def agency_token(unit_id: str) -> str:
    return make_token("agency", unit_id=unit_id, sub_suffix=unit_id)


@pytest.fixture
def relay_setup(api, admin_token) -> dict[str, Any]:
    """Units hz-gaj (holds records) and hz-rsj (asks), proof items in several dispositions."""
    for unit_id, name in (("hz-gaj", "湖州市公安局"), ("hz-rsj", "湖州市人社局"), ("hz-mzj", "湖州市民政局")):
        body = {"unit_id": unit_id, "name": name, "level": "city", "county": "huzhou"}
        assert api.post("/units", body, token=admin_token).status_code == 201
    proofs = {
        "PF-R001": {},
        "PF-C001": {"disposition": "cancelled", "rule": "no_legal_basis"},
        "PF-E001": {"disposition": "existing_credential", "rule": "existing_credential"},
        "PF-K001": {"disposition": "retained", "rule": None, "guidance": "窗口办理"},
    }
    for proof_id, overrides in proofs.items():
        response = api.post("/proofs", proof_body(proof_id=proof_id, **overrides), token=admin_token)
        assert response.status_code == 201, response.data
    return {
        "requester": agency_token("hz-rsj"),
        "target": agency_token("hz-gaj"),
        "other": agency_token("hz-mzj"),
    }


def relay_body(**overrides: Any) -> dict[str, Any]:
    return {
        "target_unit": "hz-gaj",
        "proof_id": "PF-R001",
        "subject": {"name": "王小明", "id_type": "resident_id", "id_number": SUBJECT_ID},
        "case_ref": "湖人社〔2026〕案 001",
        "purpose": "核实申请人与被赡养人的亲属关系",
        **overrides,
    }


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


@pytest.fixture
def commitment_setup(api, admin_token) -> dict[str, Any]:
    """Unit hz-mzj handles PF-M001 (all checked) and PF-M002 (25% sample); matter HZ-MZ-001."""
    for unit_id in ("hz-mzj", "hz-gaj"):
        body = {"unit_id": unit_id, "name": unit_id, "level": "city", "county": "huzhou"}
        assert api.post("/units", body, token=admin_token).status_code == 201
    proofs = {
        "PF-M001": {"commitment": {"verification": "all", "verify_within_days": 20}},
        "PF-M002": {"commitment": {"verification": "sample", "sample_rate": 0.25, "verify_within_days": 30}},
    }
    for proof_id, overrides in proofs.items():
        body = proof_body(
            proof_id=proof_id,
            issuing_unit="hz-mzj",
            disposition="commitment",
            rule="written_commitment",
            **overrides,
        )
        assert api.post("/proofs", body, token=admin_token).status_code == 201
    api.post(
        "/proofs",
        proof_body(
            proof_id="PF-D001", issuing_unit="hz-mzj", disposition="data_sharing", rule="data_sharing"
        ),
        token=admin_token,
    )
    matter = {
        "matter_code": "HZ-MZ-001",
        "name": "最低生活保障申请",
        "unit_id": "hz-mzj",
        "proofs": ["PF-M001", "PF-M002", "PF-D001"],
    }
    assert api.post("/matters", matter, token=admin_token).status_code == 201
    return {"agency": agency_token("hz-mzj"), "other": agency_token("hz-gaj"), "citizen": citizen_token()}


def commit_body(api, proof_id: str = "PF-M001", **overrides: Any) -> dict[str, Any]:
    version = (
        overrides.pop("notice_version", None)
        or api.get(f"/proofs/{proof_id}/commitment-notice").data["notice_version"]
    )
    return {
        "proof_id": proof_id,
        "matter_code": "HZ-MZ-001",
        "notice_version": version,
        "accepted": True,
        **overrides,
    }


@pytest.fixture
def notice_setup(api, admin_token) -> dict[str, Any]:
    """Issuing units hz-gaj (ID cards) and hz-scjgj (business licences), and a citizen."""
    for unit_id in ("hz-gaj", "hz-scjgj"):
        body = {"unit_id": unit_id, "name": unit_id, "level": "city", "county": "huzhou"}
        assert api.post("/units", body, token=admin_token).status_code == 201
    return {"citizen": citizen_token(), "police": agency_token("hz-gaj"), "market": agency_token("hz-scjgj")}


def notice_body(**overrides: Any) -> dict[str, Any]:
    return {
        "doc_type": "resident_id_card",
        "doc_number": SUBJECT_ID,
        "issuing_unit": "hz-gaj",
        "statement": "本人居民身份证于2026年11月20日在湖州火车站遗失，声明作废。",
        "lost_on": "2026-11-20",
        "request_reissue": True,
        "accepted": True,
        **overrides,
    }
