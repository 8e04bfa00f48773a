"""Units registry routes."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.api.inputs import body, caller
from chalicelib.api.routing import endpoint
from chalicelib.domain.identity import Role

units = Blueprint(__name__)


@endpoint(units, "/units", "POST", status=201)
def register_unit():
    caller(units.current_request, Role.CATALOGUE_ADMIN)
    data = body(units.current_request, "unit-create")
    return wiring.catalogue().register_unit(data).to_dict()


@endpoint(units, "/units/{unit_id}")
def get_unit(unit_id):
    return wiring.catalogue().unit(unit_id).to_dict()
