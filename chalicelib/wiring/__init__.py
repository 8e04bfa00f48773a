"""Composition root: the stage's services, built once per process from its settings.

`container()` is the process's `Container`. It is built at the first request from the
environment (not at import: chalice.test.Client sets a stage's environment only while a request
runs), or installed before that by `bootstrap(settings, given)`: tests and benchmarks build
their own, with their clock or their peers.

A container builds each service on first use and keeps it. The service's capability module
(`_relay.py`, `_catalogue.py`, ...) is imported only then, so a cold start loads the code its
request uses and no other (bench: cold first response). `relay()`, `catalogue()`, ... below are
typed shortcuts to the process's container, for the routes and the jobs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import system, tables
from chalicelib.domain.clock import Clock
from chalicelib.settings import Settings, get_settings

# What every request needs (the tables and PynamoDB, botocore under them, the settings) loads
# with the app, in Lambda's init; each capability's own code waits for its first request.
from chalicelib.wiring import _stage

if TYPE_CHECKING:
    from pynamodb.connection import Connection

    from chalicelib.adapters.idempotency import PowertoolsIdempotency
    from chalicelib.adapters.official_calendar import OfficialCalendar
    from chalicelib.adapters.peers import SqsQueue
    from chalicelib.services.alerts import AlertDispatcher
    from chalicelib.services.catalogue import CatalogueService
    from chalicelib.services.commitment_checks import CommitmentChecks
    from chalicelib.services.commitments import CommitmentService
    from chalicelib.services.directory import DirectoryService
    from chalicelib.services.federation import FederationService
    from chalicelib.services.lost_notices import LostNoticeService
    from chalicelib.services.ports import MessageQueue, Notary, PeerClient
    from chalicelib.services.relay import RelayService
    from chalicelib.services.stats import StatsService
    from chalicelib.services.supervision import SupervisionService
    from chalicelib.services.transparency import TransparencyService
    from chalicelib.services.transparency_proofs import LogProofs
    from chalicelib.services.witness import WitnessService


@dataclass(frozen=True)
class Given:
    """What the services are given from outside the stage's settings; tests and benchmarks
    replace it. `peers` and `queue` left None are the stage's own (HTTP, its SQS queue)."""

    clock: Clock = system.clock
    new_id: Callable[[], str] = system.new_id
    draw: Callable[[], float] = system.draw
    peers: PeerClient | None = None
    queue: MessageQueue | None = None


class Container:
    """One stage's services and what they share, each built on first use and then kept."""

    def __init__(self, settings: Settings, given: Given | None = None) -> None:
        self.settings = settings
        self.given = given or Given()

    # What the capabilities share.

    @cached_property
    def connection(self) -> Connection:
        return tables.dynamodb(self.settings.region)

    @cached_property
    def calendar(self) -> OfficialCalendar:
        return _stage.calendar(self.settings)

    @cached_property
    def pseudonym(self) -> Callable[[str], str]:
        return _stage.pseudonym(self.settings)

    @cached_property
    def cursor_secret(self) -> str:
        return _stage.cursor_secret(self.settings)

    @cached_property
    def notary(self) -> Notary:
        return _stage.notary(self.settings, lambda pinned: self.directory.trusted(pinned))

    @cached_property
    def directory(self) -> DirectoryService:
        from chalicelib.wiring._directory import build_directory

        return build_directory(self)

    def peer_stages(self) -> list[str]:
        return [member.stage for member in self.notary.directory.peers()]

    def witness_stages(self) -> list[str]:
        """The stages this stage sends its checkpoints to (the directory's `witnesses`)."""
        return [m.stage for m in self.notary.directory.witnesses_of(self.settings.stage)]

    @cached_property
    def peer_client(self) -> PeerClient:
        return self.given.peers or _stage.peer_client()

    @cached_property
    def federation_queue(self) -> SqsQueue | None:
        """The stage's queue of messages waiting for their peer (none on a stage of its own)."""
        return _stage.federation_queue(self.settings)

    @cached_property
    def idempotency(self) -> PowertoolsIdempotency:
        return _stage.idempotency(self.settings)

    # The services, one per capability.

    @cached_property
    def catalogue(self) -> CatalogueService:
        from chalicelib.wiring._catalogue import build_catalogue

        return build_catalogue(self)

    @cached_property
    def relay(self) -> RelayService:
        from chalicelib.wiring._relay import build_relay

        return build_relay(self)

    @cached_property
    def federation(self) -> FederationService:
        from chalicelib.wiring._federation import build_federation

        return build_federation(self)

    @cached_property
    def commitments(self) -> CommitmentService:
        from chalicelib.wiring._commitments import build_commitments

        return build_commitments(self)

    @cached_property
    def commitment_checks(self) -> CommitmentChecks:
        from chalicelib.wiring._commitment_checks import build_commitment_checks

        return build_commitment_checks(self)

    @cached_property
    def lost_notices(self) -> LostNoticeService:
        from chalicelib.wiring._lost_notices import build_lost_notices

        return build_lost_notices(self)

    @cached_property
    def supervision(self) -> SupervisionService:
        from chalicelib.wiring._supervision import build_supervision

        return build_supervision(self)

    @cached_property
    def stats(self) -> StatsService:
        from chalicelib.wiring._stats import build_stats

        return build_stats(self)

    @cached_property
    def dispatcher(self) -> AlertDispatcher:
        from chalicelib.wiring._alerts import build_dispatcher

        return build_dispatcher(self)

    @cached_property
    def transparency(self) -> TransparencyService:
        from chalicelib.wiring._transparency import build_transparency

        return build_transparency(self)

    @cached_property
    def log_proofs(self) -> LogProofs:
        from chalicelib.wiring._transparency import build_log_proofs

        return build_log_proofs(self)

    @cached_property
    def witness(self) -> WitnessService:
        from chalicelib.wiring._transparency import build_witness

        return build_witness(self)


_installed: Container | None = None


def container() -> Container:
    """The process's container: built from the environment when first asked for."""
    return _installed or bootstrap()


def bootstrap(settings: Settings | None = None, given: Given | None = None) -> Container:
    """Build a container from `settings` (the environment's now, if none) and make it the
    process's. The row classes are pointed at its tables here, once (PynamoDB names a model's
    table in the class), so one process serves one stage at a time."""
    return install(Container(settings or get_settings(), given))


def install(built: Container) -> Container:
    """Make `built` the process's container (a benchmark that plays two stages switches)."""
    global _installed
    tables.bind(built.settings)
    _installed = built
    return built


def reset() -> None:
    """Forget the process's container: the next request builds one from the environment."""
    global _installed
    _installed = None


@contextmanager
def overridden(**replacements: Any) -> Iterator[Container]:
    """The process's container rebuilt with another clock, id maker or draw (tests), until the
    block ends."""
    before = container()
    try:
        yield install(Container(before.settings, dataclasses.replace(before.given, **replacements)))
    finally:
        install(before)


# Typed shortcuts to the process's container, for the routes and the jobs.


def settings() -> Settings:
    return container().settings


def clock() -> datetime:
    """The time now, from the clock the services are given."""
    return container().given.clock()


def catalogue() -> CatalogueService:
    return container().catalogue


def relay() -> RelayService:
    return container().relay


def federation() -> FederationService:
    return container().federation


def commitments() -> CommitmentService:
    return container().commitments


def commitment_checks() -> CommitmentChecks:
    return container().commitment_checks


def lost_notices() -> LostNoticeService:
    return container().lost_notices


def supervision() -> SupervisionService:
    return container().supervision


def stats() -> StatsService:
    return container().stats


def dispatcher() -> AlertDispatcher:
    return container().dispatcher


def transparency() -> TransparencyService:
    return container().transparency


def log_proofs() -> LogProofs:
    return container().log_proofs


def witness() -> WitnessService:
    return container().witness


def directory() -> DirectoryService:
    return container().directory


def notary() -> Notary:
    return container().notary


def cursor_secret() -> str:
    return container().cursor_secret


def idempotency() -> PowertoolsIdempotency:
    return container().idempotency


def federation_queue() -> SqsQueue | None:
    return container().federation_queue
