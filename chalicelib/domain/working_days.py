"""Due dates in working days, counted in China Standard Time (UTC+8, no daylight saving)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))
SATURDAY = 5


def add_working_days(start: datetime, days: int, holidays: Collection[date] = ()) -> datetime:
    """The same clock time `days` working days after `start`: weekends and the given public
    holidays do not count."""
    moment = start.astimezone(CHINA)
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < SATURDAY and moment.date() not in holidays:
            remaining -= 1
    return moment.astimezone(UTC)
