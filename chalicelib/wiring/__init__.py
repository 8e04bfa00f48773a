"""Composition root: builds the services with their adapters for the current configuration.

Every builder reads the configuration (it may change between requests in tests, see
settings.py), points the row classes at that configuration's tables (`bind_tables`: the one
side effect here) and hands each service the same things: a clock, an id maker, a random draw.
Tests replace those with `overridden(clock=...)` instead of patching modules."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pynamodb.connection import Connection

from chalicelib.adapters import secrets, system, tables
from chalicelib.adapters.catalogue_repository import DynamoCatalogueRepository
from chalicelib.adapters.commitment_repository import DynamoCommitmentRepository
from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.adapters.idempotency import PowertoolsIdempotency
from chalicelib.adapters.lost_notice_repository import DynamoLostNoticeRepository
from chalicelib.adapters.official_calendar import OfficialCalendar
from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.adapters.relay_repository import DynamoRelayRepository
from chalicelib.adapters.sns_publisher import SnsPublisher, sns_client
from chalicelib.adapters.supervision_repository import DynamoSupervisionRepository
from chalicelib.domain.alerts import Alert
from chalicelib.domain.clock import Clock, stamps
from chalicelib.domain.federation import Directory, Member
from chalicelib.domain.lost_notices import periods_for
from chalicelib.domain.working_days import DayCount
from chalicelib.observability import logger
from chalicelib.services.alerts import AlertDispatcher
from chalicelib.services.catalogue import CatalogueService, ProofFinder
from chalicelib.services.commitment_checks import CommitmentChecks
from chalicelib.services.commitments import CommitmentService
from chalicelib.services.federation import FederationService
from chalicelib.services.lost_notices import LostNoticeService
from chalicelib.services.ports import MessageQueue, Notary, PeerClient
from chalicelib.services.relay import RelayConfig, RelayService
from chalicelib.services.relay_peers import PeerRequests
from chalicelib.services.stats import StatsService
from chalicelib.services.supervision import SupervisionService
from chalicelib.settings import Settings, get_settings

if TYPE_CHECKING:
    from chalicelib.adapters.peers import SqsQueue
    from chalicelib.adapters.transparency_repository import DynamoTransparencyLog
    from chalicelib.services.transparency import TransparencyService
    from chalicelib.services.transparency_proofs import LogProofs
    from chalicelib.services.witness import WitnessService

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # where app.py and chalicelib/ are


@dataclass(frozen=True)
class Given:
    """What the services are given from the system; tests override it."""

    clock: Clock = system.clock
    new_id: Callable[[], str] = system.new_id
    draw: Callable[[], float] = system.draw


_given = Given()


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


def bind_tables() -> tuple[Settings, Connection]:
    """Point the row classes at this configuration's tables (cheap), and connect."""
    config = get_settings()
    tables.bind(config)
    return config, tables.dynamodb(config.region)


def _catalogue_repo() -> DynamoCatalogueRepository:
    config, connection = bind_tables()
    return DynamoCatalogueRepository(connection, config.stage)


def _relay_repo() -> DynamoRelayRepository:
    config, connection = bind_tables()
    return DynamoRelayRepository(connection, _pseudonym(config), config.stage)


def catalogue() -> CatalogueService:
    config, repo = get_settings(), _catalogue_repo()
    return CatalogueService(
        repo, _given.clock, _given.new_id, config.county, config.stage, _peer_stages, _proofs(repo)
    )


def _proofs(repo: DynamoCatalogueRepository) -> ProofFinder:
    """This stage's proof items, and its peers' as mirrored here."""
    return ProofFinder(repo, DynamoFederationRepository(), _peer_stages)


def _peer_stages() -> list[str]:
    return [member.stage for member in notary().directory.peers()]


def calendar(config: Settings) -> OfficialCalendar:
    return OfficialCalendar(config.local_closures, logger.warning)


def relay() -> RelayService:
    config = get_settings()
    relay_config = RelayConfig(config.county, config.relay_due_working_days, stage=config.stage)
    return RelayService(
        _relay_repo(),
        _catalogue_repo(),
        _given.clock,
        _given.new_id,
        relay_config,
        calendar(config),
        notary(),
        DynamoFederationRepository(),
    )


def federation(peers: PeerClient | None = None, queue: MessageQueue | None = None) -> FederationService:
    """Receiving and delivering messages between stages (over HTTP and the stage's queue, unless
    given others: the benchmark runs two stages in one process)."""
    stage_notary, catalogue_repo = notary(), _catalogue_repo()
    peer_requests = PeerRequests(relay(), _relay_repo(), catalogue_repo, stage_notary, stamps(_given.clock))
    return FederationService(
        stage_notary,
        DynamoFederationRepository(),
        catalogue_repo,
        peer_requests,
        witness(),
        _given.clock,
        peers=peers or _peer_client(),
        queue=queue or federation_queue(),
    )


def federation_queue() -> SqsQueue | None:
    """The queue of messages waiting for their peer (none on a stage of its own)."""
    config = get_settings()
    return _queue(config.federation_queue_url, config.region) if config.federation_queue_url else None


@lru_cache(maxsize=4)
def _queue(url: str, region: str) -> SqsQueue:
    from chalicelib.adapters.peers import SqsQueue

    return SqsQueue(url, region)


def notary() -> Notary:
    """This stage's key and the federation's directory, built once per container."""
    config = get_settings()
    return _notary(
        config.stage,
        config.federation_key_arn,
        config.federation_key_file,
        config.federation_directory_file,
        config.api_url,
        config.region,
    )


@lru_cache(maxsize=8)
def _notary(
    stage: str, key_arn: str, key_file: str, directory_file: str, api_url: str, region: str
) -> Notary:
    # Imported here, not at the top: only what signs or checks signatures pays for loading
    # `cryptography` and the key (a public read never does; bench: cold start).
    from chalicelib.adapters.notary import StageNotary
    from chalicelib.adapters.signing import stage_signer

    signer = stage_signer(key_arn, key_file, region)
    # A relative path is inside the package (the deployed stages' generated directory).
    path = Path(directory_file) if Path(directory_file).is_absolute() else PACKAGE_ROOT / directory_file
    listed = json.loads(path.read_text(encoding="utf-8")) if directory_file else {}
    return StageNotary(signer, with_own_key(Directory.from_json(stage, listed), signer.public_jwk, api_url))


def with_own_key(directory: Directory, key: dict[str, str], api_url: str) -> Directory:
    """The directory with this stage's own key in its entry: a stage alone, or one whose
    operators have not pinned its key yet, still verifies what it signs itself."""
    own = directory.member(directory.here) or Member(directory.here, directory.here, api_url, ())
    if own.key(key["kid"]) is None:
        own = dataclasses.replace(own, keys=(*own.keys, key))
    others = tuple(m for m in directory.members if m.stage != directory.here)
    return Directory(directory.here, (own, *others))


# The transparency log is built when first used: the requests that never touch it (nearly all)
# load none of it (bench: cold start).


def _transparency_log() -> DynamoTransparencyLog:
    from chalicelib.adapters.transparency_repository import DynamoTransparencyLog

    _, connection = bind_tables()
    return DynamoTransparencyLog(connection)


def transparency() -> TransparencyService:
    from chalicelib.services.transparency import TransparencyService

    config = get_settings()
    return TransparencyService(
        _transparency_log(),
        notary,
        _given.clock,
        _given.new_id,
        config.stage,
        config.county,
        _peer_stages,
    )


def log_proofs() -> LogProofs:
    from chalicelib.services.transparency_proofs import LogProofs

    return LogProofs(_transparency_log())


def witness() -> WitnessService:
    from chalicelib.adapters.witness_repository import DynamoWitnessStore
    from chalicelib.services.witness import WitnessService

    own_log = _transparency_log()
    config, connection = bind_tables()
    return WitnessService(
        DynamoWitnessStore(connection),
        notary(),
        _given.clock,
        _given.new_id,
        config.county,
        lambda: own_log.tree().checkpoint,
        _peer_client,
    )


def _peer_client() -> PeerClient:
    from chalicelib.adapters.peers import HttpPeerClient  # only what talks to peers pays for it

    return HttpPeerClient()


def _commitment_repo() -> DynamoCommitmentRepository:
    config, connection = bind_tables()
    return DynamoCommitmentRepository(connection, _pseudonym(config))


def commitments() -> CommitmentService:
    config, catalogue_repo = get_settings(), _catalogue_repo()
    return CommitmentService(
        _commitment_repo(),
        catalogue_repo,
        _given.clock,
        _given.new_id,
        _given.draw,
        config.county,
        calendar(config),
        _proofs(catalogue_repo),
    )


def commitment_checks() -> CommitmentChecks:
    config = get_settings()
    return CommitmentChecks(
        _commitment_repo(),
        _relay_repo(),
        relay(),
        _given.clock,
        _given.new_id,
        calendar(config),
        config.relay_due_working_days,  # the handling unit decides within the relay's own limit
        config.county,
    )


def _lost_notice_repo() -> DynamoLostNoticeRepository:
    config, connection = bind_tables()
    return DynamoLostNoticeRepository(connection, _pseudonym(config))


def lost_notices() -> LostNoticeService:
    config = get_settings()
    return LostNoticeService(
        _lost_notice_repo(),
        _catalogue_repo(),
        _given.clock,
        _given.new_id,
        config.county,
        periods_for(dict(config.lost_notice_periods)),
        calendar(config),
        DayCount(config.lost_notice_day_count),
    )


def _supervision_repo() -> DynamoSupervisionRepository:
    _, connection = bind_tables()
    return DynamoSupervisionRepository(connection)


def supervision() -> SupervisionService:
    county = get_settings().county
    return SupervisionService(_supervision_repo(), _catalogue_repo(), _given.clock, _given.new_id, county)


def stats() -> StatsService:
    price = get_settings().newspaper_price_yuan
    repos = (_catalogue_repo(), _relay_repo(), _commitment_repo(), _lost_notice_repo(), _supervision_repo())
    return StatsService(*repos, price)


def dispatcher() -> AlertDispatcher:
    config, _ = bind_tables()  # binds the rows (the outbox among them) to this configuration's table
    publisher = _publisher(config, os.environ.get("AWS_ENDPOINT_URL_SNS", ""))
    relay_service, checks = relay(), commitment_checks()

    def after_publish(alert: Alert) -> None:
        relay_service.record_alerted(alert)
        checks.follow(alert)

    return AlertDispatcher(DynamoOutbox(), publisher, after_publish)


@lru_cache(maxsize=8)
def _publisher(config: Settings, endpoint: str) -> SnsPublisher:  # noqa: ARG001 - endpoint: cache key
    return SnsPublisher(sns_client(config.region), config.alert_topic_arn, config.stage)


def _pseudonym(config: Settings) -> Callable[[str], str]:
    secret = _secret(config.pseudonym_secret, config.pseudonym_secret_arn, "PSEUDONYM_SECRET", config)
    key = hashlib.sha256(secret.encode()).digest()
    return lambda value: hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def cursor_secret() -> str:
    config = get_settings()
    return _secret(config.cursor_secret, config.cursor_secret_arn, "CURSOR_SECRET", config)


def _secret(value: str, arn: str, name: str, config: Settings) -> str:
    """A signing key: from Secrets Manager when the stage names one (read once per container),
    else the value itself (stage `local` falls back to the development secret)."""
    if arn:
        return secrets.secret_string(arn, config.region)
    if value:
        return value
    raise RuntimeError(f"stage {config.stage} has neither {name}_ARN nor {name}")


@lru_cache(maxsize=8)
def _idempotency(config: Settings) -> PowertoolsIdempotency:
    return PowertoolsIdempotency(config)


def idempotency() -> PowertoolsIdempotency:
    return _idempotency(get_settings())
