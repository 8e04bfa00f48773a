"""Every write retry of the service, under one policy.

A change reads, decides, and writes only if nothing changed since the read (optimistic
concurrency). Two things keep a write out, and both are answered alike: try again, after a
pause that grows and is drawn at random (contenders that collided do not collide again), at
most `attempts` times in all:
- StaleWrite: the record changed since it was read: read it and decide again;
- Contended: another transaction held one of its items at that moment (DynamoDB's
  TransactionConflict): nothing was written, and the same write may go again.
After the last attempt a client gets 409 `busy` (every write declares it: api/routing.py); a
job leaves the record for its next run. A write is retried by one loop only: the adapters
commit once per call and raise, never retry.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.domain.errors import Conflict
from chalicelib.services.ports import Contended, StaleWrite


@dataclass(frozen=True)
class Policy:
    attempts: int
    first_pause: float  # seconds: the longest pause before the second attempt
    longest_pause: float

    def pause(self, attempt: int) -> float:
        """The pause before attempt number `attempt` + 1 (from 1 on): at random, up to twice as
        long as the one before it, and never longer than `longest_pause`."""
        return random.uniform(0, min(self.longest_pause, self.first_pause * 2 ** (attempt - 1)))  # noqa: S311


WRITES = Policy(attempts=8, first_pause=0.02, longest_pause=1.0)
# Every change to the catalogue links to the one chain head, and each round one contender gets
# through: N simultaneous changes need N rounds (tests/integration/test_catalogue_races.py).
CHAIN_HEAD = Policy(attempts=60, first_pause=0.004, longest_pause=0.05)
KEPT_OUT: tuple[type[Exception], ...] = (StaleWrite, Contended)


def until_written[T](
    attempt: Callable[[], T], policy: Policy = WRITES, retried: tuple[type[Exception], ...] = KEPT_OUT
) -> T:
    """Run `attempt` (read, decide, conditional write) until its write gets in; after the
    policy's last attempt, a 409 `busy` the client may retry."""
    for number in range(policy.attempts):
        if number:
            time.sleep(policy.pause(number))
        try:
            return attempt()
        except retried:
            continue  # decide again on what is stored now (or send the same write again)
    raise Conflict("busy", "The record is changing right now; try again.", "该记录正在被处理，请稍后重试。")


def committed[T](write: Callable[[], T]) -> T:
    """A write of a new record (its id or key new), sent again while only contended: a
    StaleWrite here says the record exists already, which the caller answers."""
    return until_written(write, retried=(Contended,))


def settled_or[T](attempt: Callable[[], T], otherwise: T) -> T:
    """until_written for a job: a record still contended after every retry is left for the
    next run (`otherwise` is returned), so the job does not stop at one busy record."""
    try:
        return until_written(attempt)
    except Conflict:
        return otherwise
