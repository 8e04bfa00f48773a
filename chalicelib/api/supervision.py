"""Supervision routes (督查): complaints, inspections, a unit's record."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import Call, endpoint
from chalicelib.domain.commands import NewComplaint, NewInspection, Resolution
from chalicelib.domain.identity import EVERYONE, Audience, Role

supervision = Blueprint(__name__)

SUPERVISOR = (Role.SUPERVISOR,)


@endpoint(
    supervision,
    method="POST",
    path="/complaints",
    summary="Complain that a unit demanded a proof",
    roles=(Role.CITIZEN,),
    body="complaint-create",
    status=201,
    response="complaint",
    idempotent=True,
    refuses={404: "unit_not_found, proof_not_found, matter_not_found"},
)
def file_complaint(call: Call) -> dict[str, Any]:
    return wiring.supervision().file_complaint(call.who, call.command(NewComplaint)).to_view(Audience.RECEIPT)


@endpoint(
    supervision,
    method="GET",
    path="/complaints",
    summary="Complaints, newest first",
    roles=SUPERVISOR,
    query="query-complaints",
    page_of="complaint",
)
def list_complaints(call: Call) -> dict[str, Any]:
    paging = call.pager()
    page = wiring.supervision().complaints(call.filters.get("status"), paging.limit, paging.start)
    return paging.body(page, lambda complaint: complaint.to_view())


@endpoint(
    supervision,
    method="GET",
    path="/complaints/{complaint_id}",
    summary="A complaint",
    roles=EVERYONE,
    audience="supervisor, citizen (complainant)",
    response="complaint",
)
def get_complaint(call: Call, complaint_id: str) -> dict[str, Any]:
    return wiring.supervision().view_complaint(call.who, complaint_id)


@endpoint(
    supervision,
    method="POST",
    path="/complaints/{complaint_id}/resolve",
    summary="Resolve with a finding and the action taken",
    roles=SUPERVISOR,
    body="complaint-resolve",
    response="complaint",
    refuses={409: "invalid_state"},
)
def resolve_complaint(call: Call, complaint_id: str) -> dict[str, Any]:
    return wiring.supervision().resolve(complaint_id, call.command(Resolution)).to_view()


@endpoint(
    supervision,
    method="POST",
    path="/inspections",
    summary="Record an inspection of a unit and its findings",
    roles=SUPERVISOR,
    body="inspection-create",
    status=201,
    response="inspection",
    refuses={404: "unit_not_found", 422: "unknown_proof"},
)
def record_inspection(call: Call) -> dict[str, Any]:
    service = wiring.supervision()
    return service.record_inspection(call.who, call.command(NewInspection)).to_view(service.today())


@endpoint(
    supervision,
    method="GET",
    path="/inspections/{inspection_id}",
    summary="An inspection",
    roles=SUPERVISOR,
    response="inspection",
)
def get_inspection(call: Call, inspection_id: str) -> dict[str, Any]:
    service = wiring.supervision()
    return service.inspection(inspection_id).to_view(service.today())


@endpoint(
    supervision,
    method="POST",
    path="/inspections/{inspection_id}/findings/{n}/rectify",
    summary="Mark finding n (0-based) rectified",
    roles=SUPERVISOR,
    body="finding-rectify",
    response="inspection",
    refuses={409: "invalid_state"},
)
def rectify_finding(call: Call, inspection_id: str, n: str) -> dict[str, Any]:
    service = wiring.supervision()
    return service.rectify(inspection_id, int(n), call.body["note"]).to_view(service.today())


@endpoint(
    supervision,
    method="GET",
    path="/units/{unit_id}/supervision",
    summary="A unit's record: complaints, refused requests, findings",
    roles=SUPERVISOR,
    response="unit-supervision",
)
def unit_record(call: Call, unit_id: str) -> dict[str, Any]:
    return wiring.supervision().unit_record(unit_id)
