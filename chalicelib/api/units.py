"""Units registry routes."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import Call, endpoint
from chalicelib.domain.commands import NewUnit
from chalicelib.domain.identity import Role

units = Blueprint(__name__)


@endpoint(
    units,
    method="POST",
    path="/units",
    summary="Register a unit",
    roles=(Role.CATALOGUE_ADMIN,),
    body="unit-create",
    status=201,
    response="unit",
    refuses={409: "unit_exists", 422: "unknown_unit, invalid_parent_unit"},
)
def register_unit(call: Call) -> dict[str, Any]:
    return wiring.catalogue().register_unit(call.command(NewUnit)).to_view()


@endpoint(units, method="GET", path="/units/{unit_id}", summary="Get a unit", response="unit")
def get_unit(call: Call, unit_id: str) -> dict[str, Any]:
    return wiring.catalogue().unit(unit_id).to_view()
