"""Supervision: complaints, inspections and their findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.adapters.supervision_repository import DynamoSupervisionRepository
from chalicelib.services.supervision import SupervisionService
from chalicelib.wiring._catalogue import catalogue_repo

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def supervision_repo(c: Container) -> DynamoSupervisionRepository:
    return DynamoSupervisionRepository(c.connection)


def build_supervision(c: Container) -> SupervisionService:
    given = c.given
    return SupervisionService(
        supervision_repo(c), catalogue_repo(c), given.clock, given.new_id, c.settings.county
    )
