"""Deadlines in working days, counted in China Standard Time (UTC+8, no daylight saving).

China's working days are not simply Monday to Friday: each year the State Council publishes
its holidays and moves some working days onto weekends (调休), so the Sunday before the Spring
Festival may be a working day and a Wednesday in Golden Week is not. A stage may close on more
days of its own. Beyond the years the published calendar covers, only weekends are known: a
deadline counted through such a year says so, and whoever asked decides what to tell.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum

CHINA = timezone(timedelta(hours=8))
SATURDAY = 5


class DayCount(StrEnum):
    """How a period given in days is counted."""

    CALENDAR = "calendar"
    WORKING = "working"  # official working days


@dataclass(frozen=True)
class WorkingCalendar:
    days_off: frozenset[date] = frozenset()  # official holidays, weekdays among them
    weekend_workdays: frozenset[date] = frozenset()  # weekend days made working days (调休)
    known_years: Collection[int] = ()  # the years the official calendar covers
    closures: frozenset[date] = frozenset()  # this stage's own days off

    def is_working_day(self, day: date) -> bool:
        if day in self.closures:
            return False
        if day in self.weekend_workdays:
            return True
        return day not in self.days_off and day.weekday() < SATURDAY

    def exceptions(self, first: date, last: date) -> tuple[list[date], list[date]]:
        """The days from `first` to `last` that Monday to Friday gets wrong: weekdays off
        (holidays, the stage's closures) and weekend days worked (调休)."""
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        off = [day for day in days if day.weekday() < SATURDAY and not self.is_working_day(day)]
        worked = [day for day in days if day.weekday() >= SATURDAY and self.is_working_day(day)]
        return off, worked

    def knows(self, day: date) -> bool:
        return day.year in self.known_years

    def add_working_days(self, start: datetime, days: int) -> Deadline:
        """The same clock time `days` working days after `start`."""
        moment = start.astimezone(CHINA)
        remaining, unknown = days, set()
        while remaining > 0:
            moment += timedelta(days=1)
            if not self.knows(moment.date()):
                unknown.add(moment.year)
            if self.is_working_day(moment.date()):
                remaining -= 1
        return Deadline(moment.astimezone(UTC), tuple(sorted(unknown)))


@dataclass(frozen=True)
class Deadline:
    at: datetime
    # Years the count went through without an official calendar (weekends only were skipped).
    unknown_years: tuple[int, ...] = field(default=())

    @property
    def is_official(self) -> bool:
        return not self.unknown_years
