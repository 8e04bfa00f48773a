"""The HTTP middleware: one log line per request with a correlation id (method, route template,
status, duration; never bodies, query strings, headers or tokens, which may carry names and ID
numbers), Chalice's own error answers rewritten into the contract's format, no caching of what
a token was sent for, and the request's business metrics printed when it ends. And, for every
event in Lambda, the one that turns the cyclic collector back on after the first (app.py)."""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable
from typing import Any

from chalicelib import wiring
from chalicelib.adapters.system import new_id
from chalicelib.api.errors import rewrite_chalice_error
from chalicelib.observability import flush_metrics, logger, masked_path, names_no_one

# What a caller may offer as its correlation id, taken and logged only in the shape of an id
# (a ULID or a UUID) that hides no personal number: anything else is replaced by a new one.
_ULID = re.compile(r"[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def correlation_id(request: Any) -> str:
    offered: str = (request.headers or {}).get("x-correlation-id", "")
    if (_ULID.fullmatch(offered) or _UUID.fullmatch(offered)) and names_no_one(offered):
        return offered
    return (request.context or {}).get("requestId") or new_id()


def http_middleware(request: Any, get_response: Callable[[Any], Any]) -> Any:
    cid = correlation_id(request)
    logger.set_correlation_id(cid)
    started = time.perf_counter()
    response = rewrite_chalice_error(get_response(request))
    response.headers["X-Correlation-Id"] = cid
    if (request.headers or {}).get("authorization"):
        # What a caller sees with a token may be theirs alone (a whole ID number): no cache,
        # shared or private, may keep it.
        response.headers["Cache-Control"] = "no-store"
    logger.info(
        "request",
        extra={
            "method": request.method,
            "route": masked_path((request.context or {}).get("resourcePath") or ""),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    flush_metrics(lambda: wiring.settings().stage)
    return response


def resume_collector_after_first(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """In Lambda, for every event: once the first is answered, resume the collector."""
    try:
        return get_response(event)
    finally:
        if not gc.isenabled():
            resume_collector()


def resume_collector() -> None:
    """Freeze what the process built so far out of the cyclic collector's sight, then turn the
    collector back on (app.py turns it off)."""
    gc.freeze()
    gc.enable()
