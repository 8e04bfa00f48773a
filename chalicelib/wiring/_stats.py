"""The public figures, read from every capability's records."""

from __future__ import annotations

from chalicelib.services.stats import StatsService
from chalicelib.settings import get_settings
from chalicelib.wiring._catalogue import catalogue_repo
from chalicelib.wiring._commitments import commitment_repo
from chalicelib.wiring._lost_notices import lost_notice_repo
from chalicelib.wiring._relay import relay_repo
from chalicelib.wiring._supervision import supervision_repo


def stats() -> StatsService:
    price = get_settings().newspaper_price_yuan
    repos = (catalogue_repo(), relay_repo(), commitment_repo(), lost_notice_repo(), supervision_repo())
    return StatsService(*repos, price)
