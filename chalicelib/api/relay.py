"""Verification relay routes (远程协查)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import Call, endpoint
from chalicelib.domain.commands import Answer, NewRequest, Rejection
from chalicelib.domain.identity import EVERYONE, Audience, Role

relay = Blueprint(__name__)

PARTIES = "agency (requester or target unit), supervisor"
TARGET = "agency (the target unit)"
STATE_CONFLICTS = {409: "invalid_state"}


@endpoint(
    relay,
    method="POST",
    path="/verification-requests",
    summary="Ask another unit to verify a fact",
    roles=(Role.AGENCY,),
    body="verification-create",
    status=201,
    response="verification-request",
    idempotent=True,
    refuses={404: "unit_not_found, proof_not_found", 422: "proof_cancelled"},
)
def create_request(call: Call) -> dict[str, Any]:
    return wiring.relay().create(call.who, call.command(NewRequest)).to_view(Audience.RECEIPT)


@endpoint(
    relay,
    method="GET",
    path="/verification-requests/{request_id}",
    summary="A request, as the caller may see it",
    roles=EVERYONE,
    audience=PARTIES,
    response="verification-request",
)
def get_request(call: Call, request_id: str) -> dict[str, Any]:
    return wiring.relay().view(call.who, request_id)


@endpoint(
    relay,
    method="GET",
    path="/verification-requests",
    summary="The caller unit's inbox or outbox, newest first",
    roles=(Role.AGENCY,),
    query="query-verification",
    page_of="verification-request",
)
def list_requests(call: Call) -> dict[str, Any]:
    box = call.filters.get("box", "inbox")
    paging = call.pager(box=box)  # with or without ?box=inbox, one listing
    page = wiring.relay().inbox_or_outbox(
        call.who, box, call.filters.get("status"), paging.limit, paging.start
    )
    return paging.body(page, lambda item: item.to_view(Audience.ENTITLED))  # inbox or outbox, a party


@endpoint(
    relay,
    method="POST",
    path="/verification-requests/{request_id}/accept",
    summary="The target unit takes the request on",
    roles=(Role.AGENCY,),
    audience=TARGET,
    body="empty-action",
    response="verification-request",
    refuses=STATE_CONFLICTS,
)
def accept_request(call: Call, request_id: str) -> dict[str, Any]:
    return wiring.relay().accept(call.who, request_id).to_view(Audience.ENTITLED)


@endpoint(
    relay,
    method="POST",
    path="/verification-requests/{request_id}/respond",
    summary="The target unit answers",
    roles=(Role.AGENCY,),
    audience=TARGET,
    body="verification-respond",
    response="verification-request",
    refuses=STATE_CONFLICTS,
)
def respond_to_request(call: Call, request_id: str) -> dict[str, Any]:
    return wiring.relay().respond(call.who, request_id, call.command(Answer)).to_view(Audience.ENTITLED)


@endpoint(
    relay,
    method="POST",
    path="/verification-requests/{request_id}/reject",
    summary="The target unit declines",
    roles=(Role.AGENCY,),
    audience=TARGET,
    body="verification-reject",
    response="verification-request",
    refuses=STATE_CONFLICTS,
)
def reject_request(call: Call, request_id: str) -> dict[str, Any]:
    return wiring.relay().reject(call.who, request_id, call.command(Rejection)).to_view(Audience.ENTITLED)


@endpoint(
    relay,
    method="GET",
    path="/verification-requests/{request_id}/trail",
    summary="Every event, hash-chained, and whether it recomputes",
    roles=EVERYONE,
    audience=PARTIES,
    query="query-trail",
    response="trail",
)
def request_trail(call: Call, request_id: str) -> dict[str, Any]:
    trail = wiring.relay().trail(call.who, request_id)
    if call.filters.get("inclusion") == "true":
        trail |= wiring.log_proofs().inclusion(request_id, [event["seq"] for event in trail["events"]])
    return trail


@endpoint(
    relay,
    method="GET",
    path="/me/verification-requests",
    summary="Which units asked about the calling citizen",
    roles=(Role.CITIZEN,),
    query="query-page",
    page_of="my-verification-request",
)
def requests_about_me(call: Call) -> dict[str, Any]:
    paging = call.pager()
    page = wiring.relay().about_me(call.who, paging.limit, paging.start)
    return paging.body(page, lambda item: item.to_view(Audience.SUBJECT))
