"""The Idempotency-Key header for writes a mobile client may retry (API.md, Conventions)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import wiring
from chalicelib.api.errors import json_response
from chalicelib.domain.errors import validation_error
from chalicelib.domain.identity import Identity

_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII without spaces


def idempotent(
    blueprint: Blueprint,
    caller: Identity,
    operation: str,
    body: Any,
    produce: Callable[[], dict[str, Any]],
    status: int = 201,
) -> Response:
    """Run `produce` (returning the response body) once per key and whole caller (Identity.key)."""
    headers: Mapping[str, str] = blueprint.current_request.headers or {}
    key = headers.get("idempotency-key")
    if key is None:
        return json_response(produce(), status)
    if not _KEY.match(key):
        raise validation_error(
            "Idempotency-Key must be 1 to 128 printable ASCII characters without spaces.",
            "Idempotency-Key 须为 1 到 128 个不含空格的可打印 ASCII 字符。",
            {"header": "Idempotency-Key"},
        )
    ran = False

    def first() -> dict[str, Any]:
        nonlocal ran
        ran = True
        return {"status": status, "body": produce()}

    result = wiring.idempotency().once(
        scope=f"{caller.key}|{operation}",
        key=key,
        payload=body,
        produce=first,
        lambda_context=blueprint.lambda_context,
    )
    headers = {} if ran else {"Idempotency-Replayed": "true"}
    return json_response(result["body"], int(result["status"]), headers)
