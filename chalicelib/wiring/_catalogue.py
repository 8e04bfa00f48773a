"""The proof catalogue: this stage's units, proof items and matters, and its peers' mirrored."""

from __future__ import annotations

from chalicelib.adapters.catalogue_repository import DynamoCatalogueRepository
from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.services.catalogue import CatalogueService, ProofFinder
from chalicelib.settings import get_settings
from chalicelib.wiring import given
from chalicelib.wiring._stage import bind_tables, peer_stages


def catalogue_repo() -> DynamoCatalogueRepository:
    config, connection = bind_tables()
    return DynamoCatalogueRepository(connection, config.stage)


def catalogue() -> CatalogueService:
    config, repo, system = get_settings(), catalogue_repo(), given()
    return CatalogueService(
        repo, system.clock, system.new_id, config.county, config.stage, peer_stages, proofs(repo)
    )


def proofs(repo: DynamoCatalogueRepository) -> ProofFinder:
    """This stage's proof items, and its peers' as mirrored here."""
    return ProofFinder(repo, DynamoFederationRepository(), peer_stages)
