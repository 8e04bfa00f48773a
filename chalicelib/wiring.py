"""Composition root: builds the services with their adapters, once per configuration."""

from __future__ import annotations

from functools import lru_cache

from pynamodb.connection import Connection

from chalicelib.adapters import system, tables
from chalicelib.adapters.catalogue_repository import DynamoCatalogueRepository
from chalicelib.adapters.idempotency import PowertoolsIdempotency
from chalicelib.services.catalogue import CatalogueService
from chalicelib.services.stats import StatsService
from chalicelib.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


@lru_cache(maxsize=4)
def _connection(region: str) -> Connection:
    # Reused across invocations: building a botocore client is the costly part.
    return Connection(region=region)


def _catalogue_repo() -> DynamoCatalogueRepository:
    config = get_settings()
    tables.bind(config)  # cheap; keeps the models on this configuration's table
    return DynamoCatalogueRepository(_connection(config.region))


def catalogue() -> CatalogueService:
    return CatalogueService(_catalogue_repo(), system.now, system.new_id)


def stats() -> StatsService:
    return StatsService(_catalogue_repo())


@lru_cache(maxsize=8)
def _idempotency(config: Settings) -> PowertoolsIdempotency:
    return PowertoolsIdempotency(config)


def idempotency() -> PowertoolsIdempotency:
    return _idempotency(get_settings())
