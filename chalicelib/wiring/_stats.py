"""The public figures, read from every capability's records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.services.stats import StatsService
from chalicelib.wiring._catalogue import catalogue_repo
from chalicelib.wiring._commitments import commitment_repo
from chalicelib.wiring._lost_notices import lost_notice_repo
from chalicelib.wiring._relay import relay_repo
from chalicelib.wiring._supervision import supervision_repo

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def build_stats(c: Container) -> StatsService:
    repos = (catalogue_repo(c), relay_repo(c), commitment_repo(c), lost_notice_repo(c), supervision_repo(c))
    return StatsService(*repos, c.settings.newspaper_price_yuan)
