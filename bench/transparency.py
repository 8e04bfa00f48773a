"""What the transparency log costs: DynamoDB capacity and KMS calls per trail event and per
checkpoint (the real code on DynamoDB Local), and, for a stage with a million trail events
(simulated: the stored subtrees in memory, as the table would hold them), the time to build a
checkpoint and a proof, and how many hashes and stored subtrees each needs.

Proofs must stay logarithmic in the number of events: at a million events an inclusion proof
has at most 20 hashes and a consistency proof at most 40, and none reads more than 2 * 20
stored subtrees (one BatchGetItem)."""

from __future__ import annotations

import contextlib
import json
import math
import random
import time
from collections.abc import Iterator
from typing import Any

from bench import world
from bench.billing import transaction_write_units
from bench.dynamodb_calls import recording
from chalicelib import wiring
from chalicelib.adapters.log_queue import PENDING
from chalicelib.domain import merkle

MILLION = 1_000_000
REQUESTS = 20  # answered requests: 3 trail events each
PROOFS_SAMPLED = 200


def measure(stack_env: dict[str, str], simulated: int = MILLION) -> dict[str, Any]:
    return {**_on_dynamodb(stack_env), **_simulated(simulated)}


def _on_dynamodb(stack_env: dict[str, str]) -> dict[str, Any]:
    from chalice.test import Client

    from app import app

    world.enter(stack_env, "transparency")
    world.build(0)
    asker, holder = world.token("agency", unit_id="hz-rsj"), world.token("agency", unit_id="hz-gaj")
    with Client(app, stage_name="local") as client:

        def call(method: str, path: str, body: Any = None, token: str | None = None) -> dict[str, Any]:
            headers = {
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {token}"} if token else {}),
            }
            answer = getattr(client.http, method)(path, headers=headers, body=json.dumps(body or {}))
            assert answer.status_code < 300, answer.body[:300]
            return json.loads(answer.body)

        service = wiring.transparency()
        service.issue_checkpoint()  # the seed's change log: the first checkpoint
        with recording() as written:  # the events' own transactions, queue rows included
            ids = [_answered(call, asker, holder) for _ in range(REQUESTS)]
        events = 3 * REQUESTS
        with _counting_signatures() as event_signs, recording() as sequenced:
            assert service.sequence() == events
        with _counting_signatures() as signs, recording() as checkpointed:
            run = service.issue_checkpoint()
        assert run.checkpoint is not None
        with recording() as proved:
            trail = call("get", f"/verification-requests/{ids[0]}/trail?inclusion=true", token=asker)
        assert len(trail["inclusion"]) == 3
    queued = [
        item
        for call in written.calls
        for item in call.params.get("TransactItems", [])
        if PENDING in json.dumps(item)
    ]
    return {
        "events": events,
        "queue row per event (WCU billed)": transaction_write_units({"TransactItems": queued}) / events,
        "sequencing per event (RCU)": sequenced.read_units / events,
        "sequencing per event (WCU billed)": sequenced.billed_write_units / events,
        "KMS Sign per event (beyond the event's own)": event_signs.count / events,
        "checkpoint (RCU)": checkpointed.read_units,
        "checkpoint (WCU billed)": checkpointed.billed_write_units,
        "KMS Sign per checkpoint": signs.count,
        "trail with 3 inclusion proofs (RCU)": proved.read_units,
    }


def _answered(call: Any, asker: str, holder: str) -> str:
    request_id = call("post", "/verification-requests", world.RELAY_BODY, asker)["request_id"]
    call("post", f"/verification-requests/{request_id}/accept", {}, holder)
    call(
        "post",
        f"/verification-requests/{request_id}/respond",
        {"outcome": "confirmed", "attestation": {}},
        holder,
    )
    return request_id


class _Signatures:
    count = 0


@contextlib.contextmanager
def _counting_signatures() -> Iterator[_Signatures]:
    """Count the signatures the stage's notary makes meanwhile (each one a KMS Sign in AWS)."""
    counter, notary = _Signatures(), wiring.notary()
    sign = notary.sign

    def counted(data: bytes) -> bytes:
        counter.count += 1
        return sign(data)

    notary.sign = counted  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        notary.sign = sign  # type: ignore[method-assign]


def _simulated(size: int) -> dict[str, Any]:
    """A log of `size` leaves (a million) appended as the job does, then a checkpoint's root and
    random proofs, each computed from the stored subtrees alone (fetched as one batch first)."""
    stored: dict[tuple[int, int], bytes] = {}
    frontier = merkle.Frontier()
    started = time.perf_counter()
    for i in range(size):
        for level, index, value in frontier.append(merkle.leaf_hash(i.to_bytes(8, "big"))):
            stored[(level, index)] = value
    appended = time.perf_counter() - started

    def timed(compute: Any) -> tuple[float, int, Any]:
        began = time.perf_counter()
        keys = merkle.reads(compute)  # what one BatchGetItem would fetch
        fetched = {key: stored[key] for key in keys}
        value = compute(lambda level, index: fetched[(level, index)])
        return time.perf_counter() - began, len(keys), value

    root_time, root_reads, root = timed(lambda node: merkle.root(node, size))
    assert root == frontier.root()
    draw = random.Random(17)  # noqa: S311 - which leaves to prove, not a secret
    inclusion, consistency = [], []
    for _ in range(PROOFS_SAMPLED):
        index = draw.randrange(size)
        inclusion.append(timed(lambda node, i=index: merkle.inclusion_proof(node, i, size)))
        old = draw.randrange(1, size)
        consistency.append(timed(lambda node, o=old: merkle.consistency_proof(node, o, size)))
    return {
        "simulated events (n)": size,
        "stored subtrees at n": len(stored),
        "append per event at n (s)": appended / size,
        "checkpoint root at n (s)": root_time,
        "checkpoint root reads at n": root_reads,
        "inclusion proof at n (s, max)": max(t for t, _, _ in inclusion),
        "inclusion hashes at n (max)": max(len(p) for _, _, p in inclusion),
        "inclusion reads at n (max)": max(r for _, r, _ in inclusion),
        "consistency proof at n (s, max)": max(t for t, _, _ in consistency),
        "consistency hashes at n (max)": max(len(p) for _, _, p in consistency),
        "consistency reads at n (max)": max(r for _, r, _ in consistency),
        "log2(n)": math.ceil(math.log2(size)),
    }
