"""Supervision: complaints, inspections and their findings."""

from __future__ import annotations

from chalicelib.adapters.supervision_repository import DynamoSupervisionRepository
from chalicelib.services.supervision import SupervisionService
from chalicelib.settings import get_settings
from chalicelib.wiring import given
from chalicelib.wiring._catalogue import catalogue_repo
from chalicelib.wiring._stage import bind_tables


def supervision_repo() -> DynamoSupervisionRepository:
    _, connection = bind_tables()
    return DynamoSupervisionRepository(connection)


def supervision() -> SupervisionService:
    county, system = get_settings().county, given()
    return SupervisionService(supervision_repo(), catalogue_repo(), system.clock, system.new_id, county)
