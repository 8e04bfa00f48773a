"""Lost-document notice routes, and the public notice board page."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib import wiring
from chalicelib.api import board_page
from chalicelib.api.errors import error_body, servable_body
from chalicelib.api.routing import Call, endpoint
from chalicelib.domain.commands import NewNotice
from chalicelib.domain.errors import DomainError, InvalidInput
from chalicelib.domain.identity import EVERYONE, Audience, Role

lost_notices = Blueprint(__name__)

STATE_CONFLICTS = {409: "invalid_state"}


@endpoint(
    lost_notices,
    method="POST",
    path="/lost-notices",
    summary="Publish a lost-document notice, free",
    roles=(Role.CITIZEN,),
    body="lost-notice-create",
    status=201,
    response="lost-notice",
    idempotent=True,
    refuses={404: "unit_not_found", 409: "notice_exists", 422: "not_holder, issuing_unit_elsewhere"},
)
def publish_notice(call: Call) -> dict[str, Any]:
    return wiring.lost_notices().publish(call.who, call.command(NewNotice)).to_view(Audience.RECEIPT)


@endpoint(
    lost_notices,
    method="GET",
    path="/lost-notices",
    summary="The public board, newest first (numbers and names masked)",
    query="query-lost-notices",
    page_of="lost-notice",
)
def notice_board(call: Call) -> dict[str, Any]:
    paging = call.pager()
    where = (call.filters.get("doc_type"), call.filters.get("q"))
    page = wiring.lost_notices().board(*where, paging.limit, paging.start)
    return paging.body(page, lambda notice: notice.to_view(Audience.PUBLIC))


@endpoint(
    lost_notices,
    method="GET",
    path="/lost-notices/{notice_id}",
    summary="A notice: masked for the public, whole for its holder",
    reads_token=True,
    response="lost-notice",
)
def get_notice(call: Call, notice_id: str) -> dict[str, Any]:
    return wiring.lost_notices().view(call.caller, notice_id)


@endpoint(
    lost_notices,
    method="GET",
    path="/me/lost-notices",
    summary="The calling citizen's notices",
    roles=(Role.CITIZEN,),
    query="query-page",
    page_of="lost-notice",
)
def my_notices(call: Call) -> dict[str, Any]:
    paging = call.pager()
    page = wiring.lost_notices().mine(call.who, paging.limit, paging.start)
    return paging.body(page, lambda notice: notice.to_view(Audience.ENTITLED))  # the holder's own


@endpoint(
    lost_notices,
    method="POST",
    path="/lost-notices/{notice_id}/withdraw",
    summary="The holder withdraws (e.g. the document was found)",
    roles=EVERYONE,
    audience="citizen (holder)",
    body="empty-action",
    response="lost-notice",
    refuses={403: "forbidden", **STATE_CONFLICTS},
)
def withdraw_notice(call: Call, notice_id: str) -> dict[str, Any]:
    notice = wiring.lost_notices().withdraw(call.who, notice_id)
    return notice.to_view(notice.audience_for(call.who))


@endpoint(
    lost_notices,
    method="POST",
    path="/lost-notices/{notice_id}/reissue",
    summary="The issuing unit reissues, after the notice period",
    roles=EVERYONE,
    audience="agency (issuing unit)",
    body="empty-action",
    response="lost-notice",
    refuses={403: "forbidden", **STATE_CONFLICTS, 422: "reissue_not_requested"},
)
def reissue_document(call: Call, notice_id: str) -> dict[str, Any]:
    notice = wiring.lost_notices().reissue(call.who, notice_id)
    return notice.to_view(notice.audience_for(call.who))


def _board_error_page(request: Request, error: DomainError) -> Response | None:
    """A refused search on the web page is shown on the page; other refusals stay JSON."""
    if not isinstance(error, InvalidInput):
        return None
    params: dict[str, str] = dict(request.query_params or {})
    lang = board_page.language(params.get("lang"))
    problem = error_body(error.code, error.message, error.message_zh)
    return _html(board_page.render(lang, params, None, problem), 400)


@endpoint(
    lost_notices,
    method="GET",
    path="/board",
    summary="The notice board as an HTML page (Chinese; ?lang=en for English)",
    query="query-lost-notices",
    response="html",
    errors_as=_board_error_page,
)
def board(call: Call) -> Response:
    """The board as a web page: the same search and paging as GET /lost-notices, a search
    going on through several windows before it shows an empty page, and units by name."""
    params = dict(call.request.query_params or {})
    paging = call.pager("/lost-notices")  # the page and the JSON board share their cursors
    doc_type, text = call.filters.get("doc_type"), call.filters.get("q")
    service = wiring.lost_notices()
    page = (
        service.search_board(doc_type, text, paging.limit, paging.start, board_page.SEARCH_WINDOWS)
        if text
        else service.board(doc_type, None, paging.limit, paging.start)
    )
    listing = paging.body(page, lambda notice: notice.to_view(Audience.PUBLIC))
    units = wiring.catalogue().unit_names([item["issuing_unit"] for item in listing["items"]])
    lang = board_page.language(params.get("lang"))
    return _html(board_page.render(lang, params, listing, None, units), 200)


def _html(text: str, status: int) -> Response:
    html = servable_body(text)
    return Response(body=html, status_code=status, headers={"Content-Type": "text/html; charset=utf-8"})
