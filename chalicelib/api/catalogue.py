"""Proof catalogue routes: items, their public change log."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.api.idempotency import idempotent
from chalicelib.api.inputs import body, caller, pager, query
from chalicelib.api.routing import endpoint
from chalicelib.domain.catalogue import EDITABLE_FIELDS, ProofChange
from chalicelib.domain.clock import format_time, parse_time
from chalicelib.domain.errors import validation_error
from chalicelib.domain.identity import Role
from chalicelib.services.ports import ProofFilter

catalogue = Blueprint(__name__)


@endpoint(catalogue, "/proofs", "POST", status=201)
def create_proof():
    request = catalogue.current_request
    admin = caller(request, Role.CATALOGUE_ADMIN)
    data = body(request, "proof-create")
    return idempotent(
        catalogue,
        admin,
        "POST /proofs",
        data,
        lambda: wiring.catalogue().create_proof(data).to_dict(),
    )


@endpoint(catalogue, "/proofs/{proof_id}")
def get_proof(proof_id):
    return wiring.catalogue().proof(proof_id).to_dict()


@endpoint(catalogue, "/proofs")
def list_proofs():
    request = catalogue.current_request
    filters = query(request, "query-proofs")
    paging = pager(request, "/proofs", filters)
    where = ProofFilter(filters.get("disposition"), filters.get("issuing_unit"), filters.get("q"))
    page = wiring.catalogue().search_proofs(where, paging.limit, paging.start)
    return paging.body(page, lambda item: item.to_dict())


@endpoint(catalogue, "/proofs/{proof_id}", "PATCH")
def change_proof(proof_id):
    request = catalogue.current_request
    caller(request, Role.CATALOGUE_ADMIN)
    data = body(request, "proof-patch")
    change = ProofChange(
        expected_version=data["version"],
        reason=data["reason"],
        decision_ref=data.get("decision_ref"),
        fields={k: data[k] for k in ("disposition", "rule", *EDITABLE_FIELDS) if k in data},
    )
    return wiring.catalogue().change_proof(proof_id, change).to_dict()


@endpoint(catalogue, "/catalogue/changes")
def list_changes():
    request = catalogue.current_request
    filters = query(request, "query-changes")
    since = filters.get("since")
    if since is not None:
        try:
            since = format_time(parse_time(since))
        except ValueError:
            raise validation_error(
                "since must be an RFC 3339 time from 1970 to 9998, such as 2026-11-26T08:00:00Z.",
                "since 须为 1970 至 9998 年间的 RFC 3339 时间，例如 2026-11-26T08:00:00Z。",
                {"parameter": "since"},
            ) from None
    paging = pager(request, "/catalogue/changes", filters)
    page = wiring.catalogue().changes(since, paging.limit, paging.start)
    return paging.body(page, lambda record: record.to_dict())
