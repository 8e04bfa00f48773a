"""Lost-document notice routes, and the public notice board page."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import wiring
from chalicelib.api import board_page
from chalicelib.api.errors import error_body, servable_body
from chalicelib.api.idempotency import idempotent
from chalicelib.api.inputs import body, caller, optional_caller, pager, query
from chalicelib.api.routing import endpoint
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identity import EVERYONE, Role

lost_notices = Blueprint(__name__)


@endpoint(lost_notices, "/lost-notices", "POST", status=201)
def publish_notice():
    citizen = caller(lost_notices.current_request, Role.CITIZEN)
    data = body(lost_notices.current_request, "lost-notice-create")
    return idempotent(
        lost_notices,
        citizen,
        "POST /lost-notices",
        data,
        lambda: wiring.lost_notices().publish(citizen, data).to_receipt(),
    )


@endpoint(lost_notices, "/lost-notices")
def notice_board():
    request = lost_notices.current_request
    filters = query(request, "query-lost-notices")
    paging = pager(request, "/lost-notices", filters)
    page = wiring.lost_notices().board(filters.get("doc_type"), filters.get("q"), paging.limit, paging.start)
    return paging.body(page, lambda notice: notice.public_view())


@endpoint(lost_notices, "/lost-notices/{notice_id}")
def get_notice(notice_id):
    return wiring.lost_notices().view(optional_caller(lost_notices.current_request), notice_id)


@endpoint(lost_notices, "/me/lost-notices")
def my_notices():
    request = lost_notices.current_request
    citizen = caller(request, Role.CITIZEN)
    paging = pager(request, f"/me/lost-notices#{citizen.sub}", {})
    page = wiring.lost_notices().mine(citizen, paging.limit, paging.start)
    return paging.body(page, lambda notice: notice.view_for(citizen))


@endpoint(lost_notices, "/lost-notices/{notice_id}/withdraw", "POST")
def withdraw_notice(notice_id):
    who = caller(lost_notices.current_request, *EVERYONE)
    body(lost_notices.current_request, "empty-action", empty_as={})
    return wiring.lost_notices().withdraw(who, notice_id).view_for(who)


@endpoint(lost_notices, "/lost-notices/{notice_id}/reissue", "POST")
def reissue_document(notice_id):
    who = caller(lost_notices.current_request, *EVERYONE)
    body(lost_notices.current_request, "empty-action", empty_as={})
    return wiring.lost_notices().reissue(who, notice_id).view_for(who)


@endpoint(lost_notices, "/board")
def board():
    """The board as a web page: the same search and paging as GET /lost-notices."""
    request = lost_notices.current_request
    params = dict(request.query_params or {})
    lang = board_page.language(params.get("lang"))
    try:
        filters = query(request, "query-lost-notices")
        paging = pager(request, "/lost-notices", filters)
        page = wiring.lost_notices().board(
            filters.get("doc_type"), filters.get("q"), paging.limit, paging.start
        )
        listing = paging.body(page, lambda notice: notice.public_view())
    except InvalidInput as error:
        problem = error_body(error.code, error.message, error.message_zh)
        return _html(board_page.render(lang, params, None, problem), 400)
    return _html(board_page.render(lang, params, listing, None), 200)


def _html(text: str, status: int) -> Response:
    html = servable_body(text)
    return Response(body=html, status_code=status, headers={"Content-Type": "text/html; charset=utf-8"})
