"""Public figures and the API's own description."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import endpoint
from chalicelib.validation import load_json

public = Blueprint(__name__)


@endpoint(public, method="GET", path="/stats", summary="Public figures, kept by counters", response="stats")
def stats(call):
    return wiring.stats().figures()


@endpoint(public, method="GET", path="/openapi.json", summary="This document")
def openapi(call):
    return load_json("openapi.json")
