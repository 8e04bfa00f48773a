"""The clock and the id generator the services are given."""

from __future__ import annotations

from datetime import UTC, datetime

from ulid import ULID

from chalicelib.domain.clock import format_time


def clock() -> datetime:
    return datetime.now(UTC)


def now() -> str:
    return format_time(clock())


def new_id() -> str:
    """A ULID: unique, and sorted by creation time."""
    return str(ULID())
