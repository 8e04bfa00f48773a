"""The clock and the id generator the services are given."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from chalicelib.domain.clock import format_time


def clock() -> datetime:
    return datetime.now(UTC)


def now() -> str:
    return format_time(clock())


def new_id() -> str:
    """A ULID: unique, and sorted by creation time."""
    from ulid import ULID  # on first use: its import costs ~3.5 ms that public reads never need

    return str(ULID())


_random = secrets.SystemRandom()


def draw() -> float:
    """Uniform in [0, 1) from the OS's randomness: an applicant cannot predict the sample."""
    return _random.random()
