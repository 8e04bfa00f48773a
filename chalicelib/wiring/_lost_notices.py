"""Lost-document notices and the reissue of the document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.adapters.lost_notice_repository import DynamoLostNoticeRepository
from chalicelib.domain.lost_notices import periods_for
from chalicelib.domain.working_days import DayCount
from chalicelib.services.lost_notices import LostNoticeService
from chalicelib.wiring._catalogue import catalogue_repo

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def lost_notice_repo(c: Container) -> DynamoLostNoticeRepository:
    return DynamoLostNoticeRepository(c.connection, c.pseudonym)


def build_lost_notices(c: Container) -> LostNoticeService:
    config, given = c.settings, c.given
    return LostNoticeService(
        lost_notice_repo(c),
        catalogue_repo(c),
        given.clock,
        given.new_id,
        config.county,
        periods_for(dict(config.lost_notice_periods)),
        c.calendar,
        DayCount(config.lost_notice_day_count),
        config.stage,
    )
