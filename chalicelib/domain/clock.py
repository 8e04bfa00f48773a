"""RFC 3339 UTC timestamps as the API writes them (`2026-11-26T08:00:00Z`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

# Every service is given one of these: the time now, in UTC. Records store it as text
# (format_time); working-day arithmetic uses it as is.
Clock = Callable[[], datetime]


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# The times this service compares as text (format_time) must have four-digit years: a time
# outside this range is refused rather than normalised into a wrong order.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


# RFC 3339 §5.6 `date-time`, and nothing else that ISO 8601 or datetime.fromisoformat takes
# (week dates `2026-W49-3`, basic format `20261202T011000Z`, a space for the T, no offset).
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 time with an offset, in UTC from 1970 to 9998; ValueError otherwise."""
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        raise ValueError("not an RFC 3339 date-time")
    # Python takes at most 6 fractional digits: a nanosecond time is cut to microseconds.
    trimmed = re.sub(r"(\.[0-9]{6})[0-9]+", r"\1", text.upper()).replace("Z", "+00:00")
    moment = datetime.fromisoformat(trimmed)
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        raise ValueError("out of range") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError("out of range")
    return utc


# The dates a person reads (the board, a notice's period, an inspection's deadline) are China's:
# a notice published at 00:30 in Huzhou is published that day, not the day before as in UTC.
# A fixed offset, not a time zone database: China has kept UTC+8 without daylight saving since
# 1991, and Lambda's Python runtime ships no tz database.
CHINA = timezone(timedelta(hours=8), "CST")


def china_date(moment: datetime | str) -> date:
    """The date in China at `moment` (a datetime, or an RFC 3339 time as records store it)."""
    instant = parse_time(moment) if isinstance(moment, str) else moment
    return instant.astimezone(CHINA).date()


def stamps(clock: Clock) -> Callable[[], str]:
    """The clock's time as records store it."""
    return lambda: format_time(clock())
