"""Public figures and the API's own description."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import Call, endpoint
from chalicelib.validation import load_json

public = Blueprint(__name__)


@endpoint(public, method="GET", path="/stats", summary="Public figures, kept by counters", response="stats")
def stats(call: Call) -> dict[str, Any]:
    return wiring.stats().figures()


@endpoint(public, method="GET", path="/openapi.json", summary="This document")
def openapi(call: Call) -> dict[str, Any]:
    document: dict[str, Any] = load_json("openapi.json")
    return document
