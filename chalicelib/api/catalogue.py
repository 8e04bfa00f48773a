"""Proof catalogue routes: items, their public change log."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import Call, endpoint
from chalicelib.domain.catalogue import EDITABLE_FIELDS, ProofChange
from chalicelib.domain.clock import format_time, parse_time
from chalicelib.domain.commands import NewProof
from chalicelib.domain.errors import validation_error
from chalicelib.domain.identity import Role
from chalicelib.services.ports import ProofFilter

catalogue = Blueprint(__name__)

RULE_REFUSALS = "rule_required, rule_not_allowed, guidance_required, commitment_terms_required"
# Every change links to the catalogue's one chain head: contenders that kept it out past the
# chain head's retries answer this (adapters/catalogue_repository.py).
CHAIN_HEAD_BUSY = "catalogue_busy"


@endpoint(
    catalogue,
    method="POST",
    path="/proofs",
    summary="Add a proof item to the catalogue",
    roles=(Role.CATALOGUE_ADMIN,),
    body="proof-create",
    status=201,
    response="proof",
    idempotent=True,
    refuses={409: "proof_exists", 422: f"unknown_unit, {RULE_REFUSALS}, sample_rate_required"},
    busy=CHAIN_HEAD_BUSY,
)
def create_proof(call: Call) -> dict[str, Any]:
    return wiring.catalogue().create_proof(call.command(NewProof)).to_view()


@endpoint(catalogue, method="GET", path="/proofs/{proof_id}", summary="Get a proof item", response="proof")
def get_proof(call: Call, proof_id: str) -> dict[str, Any]:
    return wiring.catalogue().proof(proof_id).to_view()


@endpoint(
    catalogue,
    method="GET",
    path="/proofs",
    summary="Search the catalogue",
    query="query-proofs",
    page_of="proof",
)
def list_proofs(call: Call) -> dict[str, Any]:
    paging = call.pager()
    where = ProofFilter(
        call.filters.get("disposition"), call.filters.get("issuing_unit"), call.filters.get("q")
    )
    page = wiring.catalogue().search_proofs(where, paging.limit, paging.start)
    return paging.body(page, lambda item: item.to_view())


@endpoint(
    catalogue,
    method="PATCH",
    path="/proofs/{proof_id}",
    summary="Change a proof item (optimistic concurrency on version)",
    roles=(Role.CATALOGUE_ADMIN,),
    body="proof-patch",
    response="proof",
    refuses={409: "version_conflict", 422: RULE_REFUSALS},
    busy=CHAIN_HEAD_BUSY,
)
def change_proof(call: Call, proof_id: str) -> dict[str, Any]:
    data = call.body
    change = ProofChange(
        expected_version=data["version"],
        reason=data["reason"],
        decision_ref=data.get("decision_ref"),
        fields={k: data[k] for k in ("disposition", "rule", *EDITABLE_FIELDS) if k in data},
    )
    return wiring.catalogue().change_proof(proof_id, change).to_view()


@endpoint(
    catalogue,
    method="GET",
    path="/catalogue/changes",
    summary="The public, hash-chained change log, oldest first",
    query="query-changes",
    page_of="change-record",
)
def list_changes(call: Call) -> dict[str, Any]:
    since = call.filters.get("since")
    if since is not None:
        try:
            since = format_time(parse_time(since))
        except ValueError:
            raise validation_error(
                "since must be an RFC 3339 time from 1970 to 9998, such as 2026-11-26T08:00:00Z.",
                "since 须为 1970 至 9998 年间的 RFC 3339 时间，例如 2026-11-26T08:00:00Z。",
                {"parameter": "since"},
            ) from None
    paging = call.pager()
    page = wiring.catalogue().changes(since, paging.limit, paging.start)
    return paging.body(page, lambda record: record.to_view())
