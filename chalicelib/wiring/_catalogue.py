"""The proof catalogue: this stage's units, proof items and matters, and its peers' mirrored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.adapters.catalogue_repository import DynamoCatalogueRepository
from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.services.catalogue import CatalogueService, ProofFinder

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def catalogue_repo(c: Container) -> DynamoCatalogueRepository:
    return DynamoCatalogueRepository(c.connection, c.settings.stage)


def build_catalogue(c: Container) -> CatalogueService:
    repo, given = catalogue_repo(c), c.given
    return CatalogueService(
        repo, given.clock, given.new_id, c.settings.county, c.settings.stage, c.peer_stages, proofs(c, repo)
    )


def proofs(c: Container, repo: DynamoCatalogueRepository) -> ProofFinder:
    """This stage's proof items, and its peers' as mirrored here."""
    return ProofFinder(repo, DynamoFederationRepository(c.connection), c.peer_stages)
