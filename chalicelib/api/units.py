"""Units registry routes."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import endpoint
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
def register_unit(call):
    return wiring.catalogue().register_unit(call.body).to_view()


@endpoint(units, method="GET", path="/units/{unit_id}", summary="Get a unit", response="unit")
def get_unit(call, unit_id):
    return wiring.catalogue().unit(unit_id).to_view()
