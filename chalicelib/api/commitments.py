"""Written commitment routes (告知承诺)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import Call, endpoint
from chalicelib.domain.commands import CheckStart, NewCommitment, Verification
from chalicelib.domain.identity import EVERYONE, Audience, Role

commitments = Blueprint(__name__)

STATE_CONFLICTS = {409: "invalid_state"}
HANDLING = "agency (handling unit: the matter's unit or the proof's issuing unit)"


@endpoint(
    commitments,
    method="GET",
    path="/proofs/{proof_id}/commitment-notice",
    summary="The written notice to read before committing",
    response="commitment-notice",
    refuses={404: "commitment_notice_not_found"},
)
def commitment_notice(call: Call, proof_id: str) -> dict[str, Any]:
    return wiring.commitments().notice(proof_id)


@endpoint(
    commitments,
    method="POST",
    path="/commitments",
    summary="Commit in writing instead of bringing the proof",
    roles=(Role.CITIZEN,),
    body="commitment-create",
    status=201,
    response="commitment",
    idempotent=True,
    refuses={
        403: "commitment_barred",
        404: "proof_not_found, matter_not_found",
        409: "notice_outdated",
        422: "commitment_not_allowed",
    },
)
def submit_commitment(call: Call) -> dict[str, Any]:
    return wiring.commitments().submit(call.who, call.command(NewCommitment)).to_view(Audience.RECEIPT)


@endpoint(
    commitments,
    method="GET",
    path="/commitments/{commitment_id}",
    summary="A commitment",
    roles=EVERYONE,
    audience="citizen (owner), agency (handling unit), supervisor",
    response="commitment",
)
def get_commitment(call: Call, commitment_id: str) -> dict[str, Any]:
    return wiring.commitments().view(call.who, commitment_id)


@endpoint(
    commitments,
    method="GET",
    path="/commitments",
    summary="The caller unit's commitments (verification_due: those picked for checking)",
    roles=(Role.AGENCY,),
    query="query-commitments",
    page_of="commitment",
)
def list_commitments(call: Call) -> dict[str, Any]:
    paging = call.pager()
    handling = call.filters.get("as") == "handling_unit"
    page = wiring.commitments().for_unit(
        call.who, call.filters.get("status"), paging.limit, paging.start, handling
    )
    return paging.body(page, lambda item: item.to_view(Audience.PUBLIC))  # the unit reads them masked


@endpoint(
    commitments,
    method="GET",
    path="/me/commitments",
    summary="The calling citizen's commitments",
    roles=(Role.CITIZEN,),
    query="query-page",
    page_of="commitment",
)
def my_commitments(call: Call) -> dict[str, Any]:
    paging = call.pager()
    page = wiring.commitments().mine(call.who, paging.limit, paging.start)
    return paging.body(page, lambda item: item.to_view(Audience.ENTITLED))  # the applicant's own


@endpoint(
    commitments,
    method="POST",
    path="/commitments/{commitment_id}/withdraw",
    summary="The applicant withdraws",
    roles=EVERYONE,
    audience="citizen (owner)",
    body="empty-action",
    response="commitment",
    refuses={403: "forbidden", **STATE_CONFLICTS},
)
def withdraw_commitment(call: Call, commitment_id: str) -> dict[str, Any]:
    commitment = wiring.commitments().withdraw(call.who, commitment_id)
    return commitment.to_view(commitment.audience_for(call.who))


@endpoint(
    commitments,
    method="POST",
    path="/commitments/{commitment_id}/verification",
    summary="The handling unit records the check",
    roles=EVERYONE,
    audience=HANDLING,
    body="commitment-verification",
    response="commitment",
    refuses={403: "forbidden", 422: "note_required", **STATE_CONFLICTS},
)
def verify_commitment(call: Call, commitment_id: str) -> dict[str, Any]:
    commitment = wiring.commitments().verify(call.who, commitment_id, call.command(Verification))
    return commitment.to_view(commitment.audience_for(call.who))


@endpoint(
    commitments,
    method="POST",
    path="/commitments/{commitment_id}/relay-check",
    summary="The handling unit asks the proof's issuing unit, through the relay, to check the commitment",
    roles=EVERYONE,
    audience="agency (the matter's unit)",
    body="commitment-check",
    status=201,
    response="commitment",
    refuses={
        403: "forbidden",
        404: "proof_not_found, unit_not_found",
        409: "invalid_state, check_in_progress",
        422: "proof_cancelled",
    },
)
def start_relay_check(call: Call, commitment_id: str) -> dict[str, Any]:
    commitment = wiring.commitment_checks().start(call.who, commitment_id, call.command(CheckStart))
    return commitment.to_view(commitment.audience_for(call.who))
