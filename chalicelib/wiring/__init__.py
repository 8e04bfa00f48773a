"""Composition root: builds the services with their adapters for the current configuration.

Every builder reads the configuration (it may change between requests in tests, see
settings.py), points the row classes at that configuration's tables (`bind_tables`: the one
side effect here) and hands each service the same things: a clock, an id maker, a random draw.
Tests replace those with `overridden(clock=...)` instead of patching modules.

Each capability's builders live in a module of their own (`_relay.py`, `_catalogue.py`, ...),
named in `BUILT_IN` below, and `wiring.relay` imports its module when first asked for: a cold
start loads the code of the capability its request uses and no other (bench: cold first
response). After that first lookup the builder is an attribute like any other.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.adapters import system
from chalicelib.domain.clock import Clock

# What every request needs (the tables and PynamoDB, botocore under them, the settings) loads
# with the app, in Lambda's init; each capability's own code waits for its first request.
from chalicelib.wiring import _stage  # noqa: F401

# Which module of this package builds each service: `wiring.relay` is `_relay.relay`.
BUILT_IN = {
    "catalogue": "_catalogue",
    "relay": "_relay",
    "federation": "_federation",
    "commitments": "_commitments",
    "commitment_checks": "_commitment_checks",
    "lost_notices": "_lost_notices",
    "supervision": "_supervision",
    "stats": "_stats",
    "dispatcher": "_alerts",
    "transparency": "_transparency",
    "log_proofs": "_transparency",
    "witness": "_transparency",
    "notary": "_stage",
    "cursor_secret": "_stage",
    "idempotency": "_stage",
    "federation_queue": "_stage",
}


def __getattr__(name: str) -> Any:
    """The builder `name`, its module imported on first use, then kept here."""
    if name not in BUILT_IN:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    builder = getattr(importlib.import_module(f"{__name__}.{BUILT_IN[name]}"), name)
    globals()[name] = builder
    return builder


@dataclass(frozen=True)
class Given:
    """What the services are given from the system; tests override it."""

    clock: Clock = system.clock
    new_id: Callable[[], str] = system.new_id
    draw: Callable[[], float] = system.draw


_given = Given()


def given() -> Given:
    """What the services are given now (read at each build: tests override it)."""
    return _given


@contextmanager
def overridden(**replacements: Any) -> Iterator[Given]:
    """Build the services with another clock, id maker or draw while the block runs (tests)."""
    global _given
    before = _given
    _given = dataclasses.replace(before, **replacements)
    try:
        yield _given
    finally:
        _given = before


def clock() -> datetime:
    """The time now, from the clock the services are given."""
    return _given.clock()
