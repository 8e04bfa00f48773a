"""The public statistics, from counters kept as events happen (no table is ever scanned)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.stats import (
    catalogue_block,
    commitments_block,
    lost_notices_block,
    supervision_block,
    verification_block,
)
from chalicelib.services.ports import (
    CatalogueRepository,
    CommitmentRepository,
    LostNoticeRepository,
    RelayRepository,
    SupervisionRepository,
)


class StatsService:
    def __init__(
        self,
        catalogue: CatalogueRepository,
        relay: RelayRepository,
        commitments: CommitmentRepository,
        lost_notices: LostNoticeRepository,
        supervision: SupervisionRepository,
        newspaper_price_yuan: int,
    ) -> None:
        self._catalogue = catalogue
        self._relay = relay
        self._commitments = commitments
        self._lost_notices = lost_notices
        self._supervision = supervision
        self._newspaper_price_yuan = newspaper_price_yuan

    def figures(self) -> dict[str, Any]:
        return {
            "catalogue": catalogue_block(self._catalogue.catalogue_counts()),
            "verification": verification_block(self._relay.verification_counts()),
            "commitments": commitments_block(self._commitments.commitment_counts()),
            "lost_notices": lost_notices_block(
                self._lost_notices.notice_counts(), self._newspaper_price_yuan
            ),
            "supervision": supervision_block(self._supervision.supervision_counts()),
        }
