"""The data the benchmarks run against, and the five operations they measure.

A world is a pair of fresh tables on the local stack holding the Huzhou seed (through the
service layer, as `make run` loads it), padded with copies of one proof item until the
catalogue has the size asked for. The padding goes in with raw BatchWriteItem: 100,000 items
through the API would take far longer and measure nothing.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3

from chalicelib import wiring
from chalicelib.adapters.catalogue_rows import ProofRow
from chalicelib.adapters.lost_notice_rows import notice_pk
from chalicelib.adapters.tables import ensure_tables
from chalicelib.auth import dev_token
from chalicelib.domain.identity import identity_from_claims
from chalicelib.settings import get_settings
from infra.local import seed

CITIZEN_ID = "330521196201010014"  # Deqing, born 1962: a valid ID number (see DESIGN.md)
TEMPLATE_PROOF = "PF-R001"
BATCH = 25  # BatchWriteItem's limit
RELAY_BODY = {
    "target_unit": "hz-gaj",
    "proof_id": "PF-R001",
    "subject": {"name": "王小明", "id_type": "resident_id", "id_number": CITIZEN_ID},
    "case_ref": "湖人社〔2026〕案 001",
    "purpose": "核实申请人与被赡养人的亲属关系",
}

# A driving licence (any number): a holder may have one notice of a document on notice at a
# time (409 notice_exists), so each request declares another licence (Operation.fresh).
NOTICE_BODY = {
    "doc_type": "driving_licence",
    "doc_number": "330100000001",
    "issuing_unit": "hz-gaj",
    "statement": "本人机动车驾驶证于2026年11月20日在湖州火车站遗失，声明作废。",
    "lost_on": "2026-11-20",
    "request_reissue": True,
    "accepted": True,
}


@dataclass(frozen=True)
class Operation:
    """One API operation as a client sends it."""

    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    token: str | None
    status: int
    fresh: Callable[[], dict[str, Any]] | None = None  # fields that differ in every request

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def payload(self) -> str | None:
        if self.body is None:
            return None
        return json.dumps({**self.body, **(self.fresh() if self.fresh else {})}, ensure_ascii=False)

    def send(self, client: Any) -> None:
        """One request through a `chalice.test.Client`; raises unless it gets its status."""
        method = getattr(client.http, self.method.lower())
        response = method(self.path, headers=self.headers(), body=self.payload() or "")
        if response.status_code != self.status:
            raise RuntimeError(f"{self.name}: {response.status_code} {response.body[:300]!r}")


def another_licence() -> dict[str, Any]:
    """A licence number not declared before in this process."""
    return {"doc_number": f"3301{next(_LICENCES):08d}"}


_LICENCES = itertools.count(2)


def enter(stack_env: dict[str, str], name: str) -> dict[str, str]:
    """Point this process at fresh tables named after `name` and create them."""
    env = {
        **stack_env,
        "STAGE": "local",
        "COUNTY": "local",
        "TABLE_NAME": f"bench-{name}",
        "IDEMPOTENCY_TABLE_NAME": f"bench-{name}-idempotency",
    }
    os.environ.update(env)
    ensure_tables(boto3.client("dynamodb"), get_settings())
    wiring.bootstrap()
    return env


def build(catalogue_size: int) -> None:
    """The seed, then copies of one proof item until the catalogue holds `catalogue_size`, and
    copies of one lost notice until the board holds as many."""
    seed.load(seed.data())
    pad_catalogue(catalogue_size)
    pad_board(catalogue_size)


def pad_catalogue(catalogue_size: int) -> None:
    """Copies of one seed proof item, PF-BENCH-000000 on, until the catalogue holds
    `catalogue_size` items (a second call with a larger size adds the difference)."""
    missing = catalogue_size - len(seed.data()["proofs"])
    _copies(ProofRow.key(TEMPLATE_PROOF), TEMPLATE_PROOF, [f"PF-BENCH-{n:06d}" for n in range(missing)])


def pad_board(board_size: int) -> None:
    """One notice published through the service, then raw copies of it (ids BENCH...) until the
    board holds `board_size` notices."""
    claims = {"sub": "bench", "role": "citizen", "name": "王小明", "id_number": CITIZEN_ID}
    body = {**NOTICE_BODY, **another_licence()}  # each call publishes a template of its own
    template_id = wiring.lost_notices().publish(identity_from_claims(claims), body).notice_id
    _copies((notice_pk(template_id), "A"), template_id, [f"BENCH{n:021d}" for n in range(board_size - 1)])


def _copies(key: tuple[str, str], old_id: str, new_ids: list[str]) -> None:
    """Raw copies of the item at `key`, each with `old_id` replaced by one of `new_ids`, written
    with BatchWriteItem from four threads."""
    client = boto3.client("dynamodb")
    table = get_settings().table_name
    template = client.get_item(TableName=table, Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}})["Item"]
    batches = [new_ids[start : start + BATCH] for start in range(0, len(new_ids), BATCH)]

    def write(ids: list[str]) -> None:
        items = [{"PutRequest": {"Item": _copy(template, old_id, new_id)}} for new_id in ids]
        pending: dict[str, Any] = {table: items}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, batches))


def _copy(item: dict[str, Any], old_id: str, new_id: str) -> dict[str, Any]:
    text = json.dumps(item, ensure_ascii=False).replace(old_id, new_id)
    return json.loads(text)


def token(role: str, **claims: Any) -> str:
    base = {"sub": f"bench-{role}", "role": role, "exp": int(time.time()) + 24 * 3600}
    return dev_token(get_settings(), {**base, **claims})


def searches() -> list[Operation]:
    """Searches that match nothing: the most a ?q= request can read (SEARCH_WINDOW)."""
    return [
        Operation("proof search, no match", "GET", "/proofs?q=%E6%97%A0%E6%AD%A4&limit=1", None, None, 200),
        Operation(
            "board search, no match", "GET", "/lost-notices?q=%E6%97%A0%E6%AD%A4&limit=1", None, None, 200
        ),
    ]


def operations(get_json: Callable[[str], Any]) -> list[Operation]:
    """The five main operations, on the seed's ids; `get_json` reads a public path."""
    citizen = token("citizen", name="王小明", id_number=CITIZEN_ID)
    notice_version = get_json("/proofs/PF-M001/commitment-notice")["notice_version"]
    commitment = {
        "proof_id": "PF-M001",
        "matter_code": "HZ-MZ-001",
        "notice_version": notice_version,
        "accepted": True,
    }
    agency = token("agency", unit_id="hz-rsj")
    return [
        Operation("proof lookup", "GET", f"/proofs/{TEMPLATE_PROOF}", None, None, 200),
        Operation("matter requirements", "GET", "/matters/HZ-MZ-001/requirements", None, None, 200),
        Operation("relay create", "POST", "/verification-requests", RELAY_BODY, agency, 201),
        Operation("commitment submit", "POST", "/commitments", commitment, citizen, 201),
        Operation("notice publish", "POST", "/lost-notices", NOTICE_BODY, citizen, 201, another_licence),
    ]
