"""Supervision routes (督查): complaints, inspections, a unit's record."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.api.idempotency import idempotent
from chalicelib.api.inputs import body, caller, pager, query
from chalicelib.api.routing import endpoint
from chalicelib.domain.identity import Role

supervision = Blueprint(__name__)


@endpoint(supervision, "/complaints", "POST", status=201)
def file_complaint():
    citizen = caller(supervision.current_request, Role.CITIZEN)
    data = body(supervision.current_request, "complaint-create")
    return idempotent(
        supervision,
        citizen,
        "POST /complaints",
        data,
        lambda: wiring.supervision().file_complaint(citizen, data).to_view(),
    )


@endpoint(supervision, "/complaints")
def list_complaints():
    request = supervision.current_request
    caller(request, Role.SUPERVISOR)
    filters = query(request, "query-complaints")
    paging = pager(request, "/complaints", filters)
    page = wiring.supervision().complaints(filters.get("status"), paging.limit, paging.start)
    return paging.body(page, lambda complaint: complaint.to_view())


@endpoint(supervision, "/complaints/{complaint_id}")
def get_complaint(complaint_id):
    return wiring.supervision().view_complaint(caller(supervision.current_request, *Role), complaint_id)


@endpoint(supervision, "/complaints/{complaint_id}/resolve", "POST")
def resolve_complaint(complaint_id):
    caller(supervision.current_request, Role.SUPERVISOR)
    data = body(supervision.current_request, "complaint-resolve")
    return wiring.supervision().resolve(complaint_id, data).to_view()


@endpoint(supervision, "/inspections", "POST", status=201)
def record_inspection():
    supervisor = caller(supervision.current_request, Role.SUPERVISOR)
    data = body(supervision.current_request, "inspection-create")
    service = wiring.supervision()
    return service.record_inspection(supervisor, data).to_view(service.today())


@endpoint(supervision, "/inspections/{inspection_id}")
def get_inspection(inspection_id):
    caller(supervision.current_request, Role.SUPERVISOR)
    service = wiring.supervision()
    return service.inspection(inspection_id).to_view(service.today())


@endpoint(supervision, "/inspections/{inspection_id}/findings/{n}/rectify", "POST")
def rectify_finding(inspection_id, n):
    caller(supervision.current_request, Role.SUPERVISOR)
    data = body(supervision.current_request, "finding-rectify")
    service = wiring.supervision()
    return service.rectify(inspection_id, int(n), data["note"]).to_view(service.today())


@endpoint(supervision, "/units/{unit_id}/supervision")
def unit_record(unit_id):
    caller(supervision.current_request, Role.SUPERVISOR)
    return wiring.supervision().unit_record(unit_id)
