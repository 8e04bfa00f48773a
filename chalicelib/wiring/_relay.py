"""The verification relay on this stage."""

from __future__ import annotations

from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.adapters.relay_repository import DynamoRelayRepository
from chalicelib.services.relay import RelayConfig, RelayService
from chalicelib.settings import get_settings
from chalicelib.wiring import given
from chalicelib.wiring._catalogue import catalogue_repo
from chalicelib.wiring._stage import bind_tables, calendar, notary, pseudonym


def relay_repo() -> DynamoRelayRepository:
    config, connection = bind_tables()
    return DynamoRelayRepository(connection, pseudonym(config), config.stage)


def relay() -> RelayService:
    config, system = get_settings(), given()
    relay_config = RelayConfig(config.county, config.relay_due_working_days, stage=config.stage)
    return RelayService(
        relay_repo(),
        catalogue_repo(),
        system.clock,
        system.new_id,
        relay_config,
        calendar(config),
        notary(),
        DynamoFederationRepository(),
    )
