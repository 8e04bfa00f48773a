"""Public figures and the API's own description."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import endpoint
from chalicelib.validation import load_json

public = Blueprint(__name__)


@endpoint(public, "/stats")
def stats():
    return wiring.stats().figures()


@endpoint(public, "/openapi.json")
def openapi():
    return load_json("openapi.json")
