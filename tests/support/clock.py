"""The services' clock in tests: T0 until the test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


class Clock:
    """The services' clock, set by the test: T0 until moved with `at`."""

    def __init__(self) -> None:
        self.moment = T0

    def __call__(self) -> datetime:
        return self.moment

    def at(self, **delta: float) -> None:
        self.moment = T0 + timedelta(**delta)
