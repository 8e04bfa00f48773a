"""The verification relay on this stage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.adapters.relay_repository import DynamoRelayRepository
from chalicelib.services.relay import RelayConfig, RelayService
from chalicelib.wiring._catalogue import catalogue_repo

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def relay_repo(c: Container) -> DynamoRelayRepository:
    return DynamoRelayRepository(c.connection, c.pseudonym, c.settings.stage)


def build_relay(c: Container) -> RelayService:
    config, given = c.settings, c.given
    relay_config = RelayConfig(config.county, config.relay_due_working_days, stage=config.stage)
    return RelayService(
        relay_repo(c),
        catalogue_repo(c),
        given.clock,
        given.new_id,
        relay_config,
        c.calendar,
        c.notary,
        DynamoFederationRepository(c.connection),
    )
