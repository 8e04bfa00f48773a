"""The clock and the id generator the services are given."""

from __future__ import annotations

import secrets
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


_random = secrets.SystemRandom()


def draw() -> float:
    """Uniform in [0, 1) from the OS's randomness: an applicant cannot predict the sample."""
    return _random.random()
