"""RFC 3339 UTC timestamps as the API writes them (`2026-11-26T08:00:00Z`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

# Every service is given one of these: the time now, in UTC. Records store it as text
# (format_time); working-day arithmetic uses it as is.
Clock = Callable[[], datetime]


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# The times this service compares as text (format_time) must have four-digit years: a time
# outside this range is refused rather than normalised into a wrong order.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 time with an offset, in UTC from 1970 to 9998; ValueError otherwise."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("an RFC 3339 time needs an offset or Z")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        raise ValueError("out of range") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError("out of range")
    return utc


def stamps(clock: Clock) -> Callable[[], str]:
    """The clock's time as records store it."""
    return lambda: format_time(clock())
