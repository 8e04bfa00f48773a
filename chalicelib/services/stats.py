"""The public statistics, from counters kept as events happen."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.stats import catalogue_block, commitments_block, verification_block
from chalicelib.services.ports import CatalogueRepository, CommitmentRepository, RelayRepository


class StatsService:
    def __init__(
        self, catalogue: CatalogueRepository, relay: RelayRepository, commitments: CommitmentRepository
    ) -> None:
        self._catalogue = catalogue
        self._relay = relay
        self._commitments = commitments

    def figures(self) -> dict[str, Any]:
        return {
            "catalogue": catalogue_block(self._catalogue.catalogue_counts()),
            "verification": verification_block(self._relay.verification_counts()),
            "commitments": commitments_block(self._commitments.commitment_counts()),
        }
