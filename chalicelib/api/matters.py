"""Matters and what a citizen must bring for each."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import Call, endpoint
from chalicelib.domain.commands import NewMatter
from chalicelib.domain.identity import Role

matters = Blueprint(__name__)


@endpoint(
    matters,
    method="POST",
    path="/matters",
    summary="Register a matter and the proofs it lists",
    roles=(Role.CATALOGUE_ADMIN,),
    body="matter-create",
    status=201,
    response="matter",
    refuses={409: "matter_exists", 422: "unknown_unit, unknown_proof"},
    busy=None,  # one conditional put
)
def create_matter(call: Call) -> dict[str, Any]:
    return wiring.catalogue().create_matter(call.command(NewMatter)).to_view()


@endpoint(matters, method="GET", path="/matters/{matter_code}", summary="Get a matter", response="matter")
def get_matter(call: Call, matter_code: str) -> dict[str, Any]:
    return wiring.catalogue().matter(matter_code).to_view()


@endpoint(
    matters,
    method="GET",
    path="/matters/{matter_code}/requirements",
    summary="What a citizen must do, proof by proof",
    response="requirements",
)
def matter_requirements(call: Call, matter_code: str) -> dict[str, Any]:
    return wiring.catalogue().matter_requirements(matter_code)
