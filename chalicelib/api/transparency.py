"""The stage's transparency log: its signed checkpoints and the proofs that check them (public)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import Call, endpoint

transparency = Blueprint(__name__)


@endpoint(
    transparency,
    method="GET",
    path="/transparency/checkpoint",
    summary="The latest checkpoint this stage signed: its Merkle tree of trail events and its change log",
    response="checkpoint",
    refuses={404: "checkpoint_not_found"},
)
def latest_checkpoint(call: Call) -> dict[str, Any]:
    return wiring.log_proofs().latest()


@endpoint(
    transparency,
    method="GET",
    path="/transparency/checkpoints/{number}",
    summary="An earlier checkpoint, by its number",
    response="checkpoint",
    refuses={404: "checkpoint_not_found"},
)
def checkpoint_by_number(call: Call, number: str) -> dict[str, Any]:
    return wiring.log_proofs().checkpoint(int(number))


@endpoint(
    transparency,
    method="GET",
    path="/transparency/consistency",
    summary="The proof that the tree of `to` leaves extends the tree of `from` leaves (RFC 9162)",
    query="query-consistency",
    response="consistency",
    refuses={404: "checkpoint_not_found", 422: "tree_size_unknown"},
)
def consistency(call: Call) -> dict[str, Any]:
    return wiring.log_proofs().consistency(int(call.filters["from"]), int(call.filters["to"]))


@endpoint(
    transparency,
    method="GET",
    path="/transparency/witnessed/{stage}",
    summary="What this stage holds of a stage's checkpoints (its own: its latest), and any dispute",
    response="witnessed",
)
def witnessed(call: Call, stage: str) -> dict[str, Any]:
    return wiring.witness().witnessed(stage)
