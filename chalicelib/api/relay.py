"""Verification relay routes (远程协查)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.api.idempotency import idempotent
from chalicelib.api.inputs import body, caller, pager, query
from chalicelib.api.routing import endpoint
from chalicelib.domain.identity import EVERYONE, Role
from chalicelib.domain.relay import Party

relay = Blueprint(__name__)


@endpoint(relay, "/verification-requests", "POST", status=201)
def create_request():
    agency = caller(relay.current_request, Role.AGENCY)
    data = body(relay.current_request, "verification-create")
    return idempotent(
        relay,
        agency,
        "POST /verification-requests",
        data,
        lambda: wiring.relay().create(agency, data).to_receipt(),
    )


@endpoint(relay, "/verification-requests/{request_id}")
def get_request(request_id):
    return wiring.relay().view(caller(relay.current_request, *EVERYONE), request_id)


@endpoint(relay, "/verification-requests")
def list_requests():
    request = relay.current_request
    agency = caller(request, Role.AGENCY)
    filters = query(request, "query-verification")
    box = filters.get("box", "inbox")
    paging = pager(request, "/verification-requests", {**filters, "box": box})
    page = wiring.relay().inbox_or_outbox(agency, box, filters.get("status"), paging.limit, paging.start)
    party = Party.REQUESTER if box == "outbox" else Party.TARGET
    return paging.body(page, lambda item: item.to_view(party))


@endpoint(relay, "/verification-requests/{request_id}/accept", "POST")
def accept_request(request_id):
    agency = caller(relay.current_request, Role.AGENCY)
    body(relay.current_request, "empty-action", empty_as={})
    return wiring.relay().accept(agency, request_id).to_view(Party.TARGET)


@endpoint(relay, "/verification-requests/{request_id}/respond", "POST")
def respond_to_request(request_id):
    agency = caller(relay.current_request, Role.AGENCY)
    data = body(relay.current_request, "verification-respond")
    return wiring.relay().respond(agency, request_id, data).to_view(Party.TARGET)


@endpoint(relay, "/verification-requests/{request_id}/reject", "POST")
def reject_request(request_id):
    agency = caller(relay.current_request, Role.AGENCY)
    data = body(relay.current_request, "verification-reject")
    return wiring.relay().reject(agency, request_id, data).to_view(Party.TARGET)


@endpoint(relay, "/verification-requests/{request_id}/trail")
def request_trail(request_id):
    who = caller(relay.current_request, *EVERYONE)
    return wiring.relay().trail(who, request_id)


@endpoint(relay, "/me/verification-requests")
def requests_about_me():
    request = relay.current_request
    citizen = caller(request, Role.CITIZEN)
    paging = pager(request, f"/me/verification-requests#{citizen.sub}", {})
    page = wiring.relay().about_me(citizen, paging.limit, paging.start)
    return paging.body(page, lambda item: item.to_citizen_view())
