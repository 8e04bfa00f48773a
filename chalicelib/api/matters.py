"""Matters and what a citizen must bring for each."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.api.inputs import body, caller
from chalicelib.api.routing import endpoint
from chalicelib.domain.identity import Role

matters = Blueprint(__name__)


@endpoint(matters, "/matters", "POST", status=201)
def create_matter():
    caller(matters.current_request, Role.CATALOGUE_ADMIN)
    data = body(matters.current_request, "matter-create")
    return wiring.catalogue().create_matter(data).to_dict()


@endpoint(matters, "/matters/{matter_code}")
def get_matter(matter_code):
    return wiring.catalogue().matter(matter_code).to_dict()


@endpoint(matters, "/matters/{matter_code}/requirements")
def matter_requirements(matter_code):
    return wiring.catalogue().matter_requirements(matter_code)
