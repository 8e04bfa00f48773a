"""A hostile peer over real HTTP: messages of every type signed with the real key of the `peer`
stage that `make run` federates with `local`, their bodies drawn by Hypothesis from a valid
message of the type with hostile strings, numbers and nesting put in its fields (or in place
of the whole body). `local` never answers 5xx, and on a 4xx it keeps nothing but the refusal
itself (its table gains no item but the answer kept under the message's id).

A compromised or buggy peer holds a key the directory lists: its signature passes, and what it
signs is input like any other (tests/integration/test_federation.py has the classes one by one)."""

import time
from datetime import UTC, datetime

import boto3
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ulid import ULID

from chalicelib.adapters import jws
from chalicelib.adapters.signing import FileSigner
from chalicelib.domain.clock import format_time
from chalicelib.domain.federation import MESSAGE_TYPES
from chalicelib.domain.trail import next_event
from infra.local.launch import launcher
from tests.e2e.test_hostile_fuzz import HOSTILE_TEXT, HOSTILE_VALUE
from tests.support import SUBJECT_ID

# One worker runs the module against one launcher (make test runs two workers).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("hostile_peer")]

AT = "2026-11-26T08:00:00Z"
HASH = "ab" * 32
SIGNATURE = {"kid": "k", "value": "A" * 86}
CHECKPOINT = {
    "stage": "peer",
    "number": 1,
    "tree_size": 1,
    "root_hash": HASH,
    "changelog": {"seq": 0, "hash": None},
    "issued_at": AT,
    "hash": HASH,
    "signature": SIGNATURE,
}
STATE = dict.fromkeys(
    ("completed_at", "rejected_at", "cancelled_at", "outcome", "attestation", "note", "reject_reason")
) | {"status": "accepted", "updated_at": AT, "accepted_at": AT}


def valid_body(type_: str, signer: FileSigner) -> dict:
    """A body of `type_` as the peer would send it (its ids need not exist on `local`)."""
    event = next_event(0, None, "created", AT, "dq-gaj", None, "peer")
    event = event.signed(signer.kid, signer.sign(event.signed_bytes)).to_view()
    unit = {
        "unit_id": "dq-fz",
        "name": "德清县测试局",
        "level": "county",
        "county": "deqing",
        "stage": "peer",
    }
    proof = {
        "proof_id": "PF-FZ",
        "name": "测试证明",
        "issuing_unit": "dq-gaj",
        "legal_basis": "《测试条例》",
        "disposition": "remote_verification",
        "rule": "inter_agency_check",
        "version": 1,
        "created_at": AT,
        "updated_at": AT,
        "stage": "peer",
    }
    request = dict.fromkeys(
        ("accepted_at", "completed_at", "rejected_at", "cancelled_at", "outcome", "attestation", "note")
    ) | {
        "request_id": str(ULID()),
        "status": "pending",
        "requester_unit": "dq-gaj",
        "target_unit": "hz-gaj",
        "proof_id": "PF-C001",
        "subject": {"name": "王小明", "id_type": "resident_id", "id_number": SUBJECT_ID},
        "case_ref": "德公〔2026〕协 001",
        "purpose": "核实户籍",
        "created_at": AT,
        "due_at": AT,
        "updated_at": AT,
        "reject_reason": None,
        "requester_stage": "peer",
        "target_stage": "local",
        "delivered_at": None,
        "commitment_id": None,
    }
    return {
        "unit.registered": unit,
        "proof.changed": proof,
        "request.created": {"request": request, "event": event},
        "request.event": {"request_id": request["request_id"], "event": event | {"seq": 2}, "state": STATE},
        "request.cancel": {"request_id": request["request_id"], "requester_unit": "dq-gaj", "reason": "撤回"},
        "checkpoint.issued": {"checkpoint": CHECKPOINT, "consistency": [], "changes": []},
        "checkpoint.disputed": {"checkpoint": CHECKPOINT | {"stage": "local"}, "held": None, "reason": "x"},
    }[type_]


def poisoned(body, path: list, value):
    """`body` with the field at `path` (keys into nested objects) replaced by `value`."""
    if not path or not isinstance(body, dict):
        return value
    key, rest = path[0], path[1:]
    inner = body.get(key) if key in body else {}
    return {**body, key: poisoned(inner, rest, value)}


def field_paths(body, prefix=()) -> list[list]:
    paths = []
    for key, value in body.items():
        paths.append([*prefix, key])
        if isinstance(value, dict):
            paths += field_paths(value, (*prefix, key))
    return paths


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    state = tmp_path_factory.mktemp("hostile-peer")
    with launcher(state) as running:
        signer = FileSigner(state / "federation" / "peer.pem")
        table = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{running['ports']['dynamodb']}",
            region_name="cn-northwest-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        settle(table)
        yield running, signer, table


def settle(table, quiet: float = 3.0, within: float = 60.0) -> None:
    """Wait until the stages' start (seeds, each other's units and catalogues) is over."""
    deadline = time.monotonic() + within
    seen, since = keys(table), time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.5)
        now = keys(table)
        if now != seen:
            seen, since = now, time.monotonic()


def keys(table) -> set[str]:
    pages = table.get_paginator("scan").paginate(TableName="proof-free-local", ProjectionExpression="pk, sk")
    return {f"{item['pk']['S']}|{item['sk']['S']}" for page in pages for item in page["Items"]}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("type_", sorted(MESSAGE_TYPES))
def test_a_hostile_peer_never_gets_a_5xx_and_a_refused_message_leaves_only_its_refusal(door, type_):
    running, signer, table = door
    template = valid_body(type_, signer)
    paths = field_paths(template)

    @settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        path=st.sampled_from(paths),
        value=HOSTILE_VALUE,
        whole=st.one_of(st.none(), st.dictionaries(HOSTILE_TEXT, HOSTILE_VALUE, max_size=4)),
        extra=st.dictionaries(st.sampled_from(["protocol", "x", "body"]), HOSTILE_VALUE, max_size=1),
    )
    def fuzz(path, value, whole, extra):
        message_id = str(ULID())
        message = {
            "message_id": message_id,
            "from_stage": "peer",
            "to_stage": "local",
            "type": type_,
            "sent_at": format_time(datetime.now(UTC)),
            "body": poisoned(template, path, value) if whole is None else whole,
            **extra,
        }
        before = keys(table)
        try:
            token = jws.sign_compact(message, signer.kid, signer.sign)
        except (ValueError, TypeError):  # a value JSON cannot carry (a lone surrogate, NaN)
            return
        response = requests.post(
            f"{running['base']}/federation/messages",
            data=token,
            headers={"Content-Type": "application/jose"},
            timeout=30,
        )
        assert response.status_code < 500, (type_, path, response.status_code, response.text[:300])
        if response.status_code >= 400:
            assert {"code", "message", "message_zh"} <= set(response.json()), response.text[:300]
            kept = {key for key in keys(table) - before if not key.startswith("FED#IN#peer#")}
            # The stage's own background work (its queue and log) is not the message's doing.
            assert not {k for k in kept if not k.startswith(BACKGROUND)}, (type_, path, sorted(kept)[:5])

    fuzz()


# Items `local` writes by itself (its transparency log and checkpoints, its outbox of alerts and
# of messages to the peer), which a peer's refused message never causes.
BACKGROUND = ("TLOG", "OUTBOX|", "FEDOUT|")
