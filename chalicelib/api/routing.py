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
            except Exception:
                # Logged with its traceback (which holds no request data); the client gets
                # the contract's error body, never a stack trace.
                logger.exception("unhandled error")
                return json_response(error_body(*CHALICE_ERRORS[500]), 500)
            if isinstance(result, Response):
                return result
            return json_response(result, status)

        blueprint.route(path, methods=[method])(respond)
        return view

    return register
