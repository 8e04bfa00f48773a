"""Structured logs through Powertools Logger, one line per request, with a correlation id;
the business metrics a request or job recorded, printed when it ends.

Logged: method, route template (not the concrete path), status and duration. Never bodies,
query strings, headers or tokens, which may carry names and ID numbers.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.adapters import metrics
from chalicelib.adapters.system import new_id
from chalicelib.api.errors import rewrite_chalice_error
from chalicelib.settings import get_settings

# The process's own stdout, not whatever sys.stdout is when this module is first imported
# (a test runner swaps it per test, and a closed stream would swallow every later line).
logger = Logger(service="proof-free-city", logger_handler=logging.StreamHandler(sys.__stdout__))
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def correlation_id(request: Any) -> str:
    offered = (request.headers or {}).get("x-correlation-id", "")
    if _SAFE_ID.match(offered):
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
            "route": (request.context or {}).get("resourcePath"),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    flush_metrics()
    return response


def flush_metrics() -> None:
    """Print the business metrics the request or job recorded (adapters/metrics.py)."""
    metrics.flush(get_settings().stage)
