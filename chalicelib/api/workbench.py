"""The handlers' workbench (GET /workbench): a page built on the public API alone
(api/workbench_page.py), and the script and style it loads (chalicelib/static/)."""

from __future__ import annotations

from pathlib import Path

from chalice.app import Blueprint, Response

from chalicelib import wiring
from chalicelib.api import workbench_page
from chalicelib.api.routing import Call, endpoint

workbench = Blueprint(__name__)
STATIC = Path(__file__).resolve().parents[1] / "static"


@endpoint(
    workbench,
    method="GET",
    path="/workbench",
    summary="The verification relay's workbench for a unit's handlers, as an HTML page",
    response="html",
)
def handlers_workbench(call: Call) -> Response:
    config = wiring.settings()
    sign_in = workbench_page.SignIn(
        issuer=config.auth_issuer,
        client_id=config.workbench_client_id,
        scope=config.workbench_scope,
        authorization_endpoint=config.auth_authorization_endpoint,
        token_endpoint=config.auth_token_endpoint,
        development=config.is_local,
    )
    directory = wiring.directory()
    settings = workbench_page.settings_of(
        sign_in,
        config.federation_anchor,
        directory.trusted_anchor_keys(),
        wiring.container().calendar.working_calendar(),
        wiring.clock(),
    )
    return Response(workbench_page.render(settings), status_code=200, headers=workbench_page.headers(sign_in))


@endpoint(
    workbench,
    method="GET",
    path="/workbench/workbench.js",
    summary="The workbench's script (an ES module)",
    response="text/javascript",
)
def workbench_script(call: Call) -> Response:
    return _static("workbench.js", "text/javascript; charset=utf-8")


@endpoint(
    workbench,
    method="GET",
    path="/workbench/workbench.css",
    summary="The workbench's style sheet",
    response="text/css",
)
def workbench_style(call: Call) -> Response:
    return _static("workbench.css", "text/css; charset=utf-8")


def _static(name: str, media_type: str) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": media_type,
        "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
    }
    return Response((STATIC / name).read_text(encoding="utf-8"), status_code=200, headers=headers)
