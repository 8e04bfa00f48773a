"""Declaring routes: every view returns plain data; this turns it and any domain error into
a JSON response, so no route handles errors or serialisation itself."""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.errors import CHALICE_ERRORS, error_body, error_response, json_response
from chalicelib.domain.errors import DomainError, not_found
from chalicelib.domain.text import is_id
from chalicelib.observability import logger

# Bodies are parsed as JSON whatever the label: `curl -d` sends form-encoded by default, and a
# token in the Authorization header (which no HTML form can send) guards every write.
BODY_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded"]

# Every id in a path has the shape of the ids this service writes (schemas' id pattern; ULIDs);
# a finding is numbered. Anything else is a 404 before any table is read: an id longer than
# DynamoDB's key limit would otherwise fail inside DynamoDB, and a huge number inside int().
INDEX = re.compile("[0-9]{1,3}")
PATH_IDS = {
    "unit_id": ("unit", "单位"),
    "proof_id": ("proof", "证明事项"),
    "matter_code": ("matter", "事项"),
    "request_id": ("verification request", "协查请求"),
    "commitment_id": ("commitment", "承诺"),
    "notice_id": ("lost notice", "遗失声明"),
    "complaint_id": ("complaint", "投诉"),
    "inspection_id": ("inspection", "检查"),
    "n": ("finding", "问题"),
}


def endpoint(
    blueprint: Blueprint, path: str, method: str = "GET", status: int = 200
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def respond(**path_args: str) -> Response:
            try:
                check_path_ids(path_args)
                result = view(**path_args)
            except DomainError as error:
                return error_response(error)
            except Exception as error:  # noqa: BLE001 - the last line of defence against a 5xx body leak
                # Logged by kind and place only: an exception's message may quote the value
                # that caused it (an ID number). The client gets the contract's error body.
                logger.error("unhandled error", extra=where(error))
                return json_response(error_body(*CHALICE_ERRORS[500]), 500)
            if isinstance(result, Response):
                return result
            return json_response(result, status)

        blueprint.route(path, methods=[method], content_types=BODY_TYPES)(respond)
        return view

    return register


def check_path_ids(path_args: dict[str, str]) -> None:
    for name, value in path_args.items():
        if not (INDEX.fullmatch(value) if name == "n" else is_id(value)):
            raise not_found(*PATH_IDS.get(name, ("resource", "资源")))  # the value is not repeated


def where(error: BaseException) -> dict[str, Any]:
    """What an unhandled error was and where it was raised, without its message."""
    frames = traceback.extract_tb(error.__traceback__)
    return {
        "error": type(error).__name__,
        "stack": [f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in frames],
    }
