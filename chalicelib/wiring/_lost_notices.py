"""Lost-document notices and the reissue of the document."""

from __future__ import annotations

from chalicelib.adapters.lost_notice_repository import DynamoLostNoticeRepository
from chalicelib.domain.lost_notices import periods_for
from chalicelib.domain.working_days import DayCount
from chalicelib.services.lost_notices import LostNoticeService
from chalicelib.settings import get_settings
from chalicelib.wiring import given
from chalicelib.wiring._catalogue import catalogue_repo
from chalicelib.wiring._stage import bind_tables, calendar, pseudonym


def lost_notice_repo() -> DynamoLostNoticeRepository:
    config, connection = bind_tables()
    return DynamoLostNoticeRepository(connection, pseudonym(config))


def lost_notices() -> LostNoticeService:
    config, system = get_settings(), given()
    return LostNoticeService(
        lost_notice_repo(),
        catalogue_repo(),
        system.clock,
        system.new_id,
        config.county,
        periods_for(dict(config.lost_notice_periods)),
        calendar(config),
        DayCount(config.lost_notice_day_count),
        config.stage,
    )
