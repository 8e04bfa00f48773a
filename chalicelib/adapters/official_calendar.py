"""China's official working days, from the `chinese-calendar` package (the State Council's
published holidays and shifted working days, 调休), plus a stage's own closures.

The package covers the years whose calendar has been published; a deadline counted through a
later year skips weekends only, and says so in a warning, so that operators know to update
the package. It never refuses the request: a deadline a day early is better than no service.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.working_days import DayCount, WorkingCalendar

Warn = Callable[..., None]


class OfficialCalendar:
    def __init__(self, closures: Collection[date], warn: Warn) -> None:
        self._closures = frozenset(closures)
        self._warn = warn

    def working_calendar(self) -> WorkingCalendar:
        """The official calendar with this stage's closures (what deadlines are counted by)."""
        return published(self._closures)

    def deadline(self, start: datetime, days: int, count: DayCount = DayCount.WORKING) -> datetime:
        if count is DayCount.CALENDAR:
            return start + timedelta(days=days)
        calendar = published(self._closures)
        deadline = calendar.add_working_days(start, days)
        if not deadline.is_official:
            self._warn(
                "Deadline counted without the official calendar: weekends only were skipped",
                extra={
                    "code": "calendar_year_unknown",
                    "years": list(deadline.unknown_years),
                    "known_until": max(calendar.known_years),
                },
            )
        return deadline.at


@functools.cache
def published(closures: frozenset[date]) -> WorkingCalendar:
    # Imported here: only the routes that count a deadline pay for loading the tables.
    from chinese_calendar import constants

    holidays: dict[date, Any] = constants.holidays
    workdays: dict[date, Any] = constants.workdays
    years = {day.year for day in holidays}
    return WorkingCalendar(
        days_off=frozenset(holidays),
        weekend_workdays=frozenset(day for day in workdays if day.weekday() >= 5),
        known_years=range(min(years), max(years) + 1),
        closures=closures,
    )
