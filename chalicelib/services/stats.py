"""The public statistics, from counters kept as events happen."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.stats import catalogue_block, verification_block
from chalicelib.services.ports import CatalogueRepository, RelayRepository


class StatsService:
    def __init__(self, catalogue: CatalogueRepository, relay: RelayRepository) -> None:
        self._catalogue = catalogue
        self._relay = relay

    def figures(self) -> dict[str, Any]:
        return {
            "catalogue": catalogue_block(self._catalogue.catalogue_counts()),
            "verification": verification_block(self._relay.verification_counts()),
        }
