"""Written commitment routes (告知承诺)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.api.idempotency import idempotent
from chalicelib.api.inputs import body, caller, pager, query
from chalicelib.api.routing import endpoint
from chalicelib.domain.identity import EVERYONE, Role

commitments = Blueprint(__name__)


@endpoint(commitments, "/proofs/{proof_id}/commitment-notice")
def commitment_notice(proof_id):
    return wiring.commitments().notice(proof_id)


@endpoint(commitments, "/commitments", "POST", status=201)
def submit_commitment():
    citizen = caller(commitments.current_request, Role.CITIZEN)
    data = body(commitments.current_request, "commitment-create")
    return idempotent(
        commitments,
        citizen,
        "POST /commitments",
        data,
        lambda: wiring.commitments().submit(citizen, data).to_receipt(),
    )


@endpoint(commitments, "/commitments/{commitment_id}")
def get_commitment(commitment_id):
    return wiring.commitments().view(caller(commitments.current_request, *EVERYONE), commitment_id)


@endpoint(commitments, "/commitments")
def list_commitments():
    request = commitments.current_request
    agency = caller(request, Role.AGENCY)
    filters = query(request, "query-commitments")
    paging = pager(request, "/commitments", filters)
    page = wiring.commitments().for_unit(agency, filters.get("status"), paging.limit, paging.start)
    return paging.body(page, lambda item: item.to_view(agency))


@endpoint(commitments, "/me/commitments")
def my_commitments():
    request = commitments.current_request
    citizen = caller(request, Role.CITIZEN)
    paging = pager(request, f"/me/commitments#{citizen.sub}", {})
    page = wiring.commitments().mine(citizen, paging.limit, paging.start)
    return paging.body(page, lambda item: item.to_view(citizen))


@endpoint(commitments, "/commitments/{commitment_id}/withdraw", "POST")
def withdraw_commitment(commitment_id):
    who = caller(commitments.current_request, *EVERYONE)
    body(commitments.current_request, "empty-action", empty_as={})
    return wiring.commitments().withdraw(who, commitment_id).to_view(who)


@endpoint(commitments, "/commitments/{commitment_id}/verification", "POST")
def verify_commitment(commitment_id):
    who = caller(commitments.current_request, *EVERYONE)
    data = body(commitments.current_request, "commitment-verification")
    return wiring.commitments().verify(who, commitment_id, data).to_view(who)
