"""The one place that maps errors to HTTP responses in the contract's error format."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalice.app import Response

from chalicelib.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
    Unauthenticated,
)

STATUS = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RuleViolation: 422,
}

JSON = "application/json; charset=utf-8"

# Chalice answers some requests itself (unsupported media type, method, crash) with its own
# body; these are rewritten into the contract's format by api/middleware.py.
CHALICE_ERRORS = {
    400: ("validation_error", "The request is malformed.", "请求格式有误。"),
    405: ("method_not_allowed", "This method is not allowed on this resource.", "该资源不支持此方法。"),
    415: (
        "unsupported_media_type",
        "Send JSON with Content-Type: application/json.",
        "请以 application/json 格式提交。",
    ),
    500: ("internal_error", "An internal error occurred; it has been logged.", "服务内部错误，已记录。"),
}


# What a request for a path with no route gets (API Gateway's "missing authentication token").
NO_ROUTE = ("route_not_found", "No such resource.", "请求的资源不存在。")
# What a client over the stage's throttling limits gets from API Gateway (deployed stages only).
THROTTLED = ("too_many_requests", "Too many requests; try again shortly.", "请求过于频繁，请稍后重试。")


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str | list[str]] | None = None
) -> Response:
    return Response(
        body=servable_body(json.dumps(body, ensure_ascii=False, separators=(",", ":"))),
        status_code=status,
        headers={"Content-Type": JSON, **(headers or {})},
    )


def servable_body(text: str) -> str:
    """The body as text that encodes to UTF-8. The door refuses lone surrogates
    (validation.servable), but a record stored before it did must not make a whole page
    unservable: its unencodable characters are replaced, and the rest of the page is served."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def error_body(code: str, message: str, message_zh: str, details: Any = None) -> dict[str, Any]:
    body = {"code": code, "message": message, "message_zh": message_zh}
    if details is not None:
        body["details"] = details
    return body


def error_response(error: DomainError) -> Response:
    status = next(s for kind, s in STATUS.items() if isinstance(error, kind))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = error_body(error.code, error.message, error.message_zh, error.details)
    return json_response(body, status, headers)


def rewrite_chalice_error(response: Response) -> Response:
    """Give Chalice's own error responses the contract's body; leave ours alone."""
    body = response.body
    if not (isinstance(body, dict) and "Code" in body) or response.status_code < 400:
        return response
    code, message, message_zh = CHALICE_ERRORS.get(
        response.status_code, ("error", "The request failed.", "请求失败。")
    )
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    return json_response(error_body(code, message, message_zh), response.status_code, headers)
