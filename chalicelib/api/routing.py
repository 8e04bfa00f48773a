"""Declaring routes: every view returns plain data; this turns it and any domain error into
a JSON response, so no route handles errors or serialisation itself."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.errors import CHALICE_ERRORS, error_body, error_response, json_response
from chalicelib.domain.errors import DomainError
from chalicelib.observability import logger

# Bodies are parsed as JSON whatever the label: `curl -d` sends form-encoded by default, and a
# token in the Authorization header (which no HTML form can send) guards every write.
BODY_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded"]


def endpoint(
    blueprint: Blueprint, path: str, method: str = "GET", status: int = 200
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def respond(**path_args: str) -> Response:
            try:
                result = view(**path_args)
            except DomainError as error:
                return error_response(error)
            except Exception:  # noqa: BLE001 - the last line of defence against a 5xx body leak
                # Logged with its traceback (which holds no request data); the client gets
                # the contract's error body, never a stack trace.
                logger.exception("unhandled error")
                return json_response(error_body(*CHALICE_ERRORS[500]), 500)
            if isinstance(result, Response):
                return result
            return json_response(result, status)

        blueprint.route(path, methods=[method], content_types=BODY_TYPES)(respond)
        return view

    return register
