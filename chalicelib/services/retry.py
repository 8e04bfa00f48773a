"""Optimistic concurrency for the use cases: read, decide, write only if nothing changed since
the read; when something did, read and decide again."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain.errors import Conflict
from chalicelib.services.ports import StaleWrite

RETRIES = 5


def until_written[T](attempt: Callable[[], T]) -> T:
    """Run `attempt` (read, decide, conditional write) until its write is not stale; after
    RETRIES stale writes in a row, a 409 `busy` the client may retry."""
    for _ in range(RETRIES):
        try:
            return attempt()
        except StaleWrite:
            continue  # someone else changed the record: decide again on what is stored now
    raise Conflict("busy", "The record is changing right now; try again.", "该记录正在被处理，请稍后重试。")


def settled_or[T](attempt: Callable[[], T], otherwise: T) -> T:
    """until_written for a job: a record still contended after every retry is left for the
    next run (`otherwise` is returned), so the job does not stop at one busy record."""
    try:
        return until_written(attempt)
    except Conflict:
        return otherwise
