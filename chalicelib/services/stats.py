"""The public statistics."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.stats import catalogue_block
from chalicelib.services.ports import CatalogueRepository


class StatsService:
    def __init__(self, catalogue: CatalogueRepository) -> None:
        self._catalogue = catalogue

    def figures(self) -> dict[str, Any]:
        return {"catalogue": catalogue_block(self._catalogue.catalogue_counts())}
