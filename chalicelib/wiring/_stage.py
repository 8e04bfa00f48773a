"""What every capability's builders share: the stage's tables, calendar, key and secrets."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pynamodb.connection import Connection

from chalicelib.adapters import secrets, tables
from chalicelib.adapters.idempotency import PowertoolsIdempotency
from chalicelib.adapters.official_calendar import OfficialCalendar
from chalicelib.domain.federation import Directory, Member
from chalicelib.observability import logger
from chalicelib.services.ports import Notary, PeerClient
from chalicelib.settings import Settings, get_settings

if TYPE_CHECKING:
    from chalicelib.adapters.peers import SqsQueue

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # where app.py and chalicelib/ are


def bind_tables() -> tuple[Settings, Connection]:
    """Point the row classes at this configuration's tables (cheap), and connect."""
    config = get_settings()
    tables.bind(config)
    return config, tables.dynamodb(config.region)


def calendar(config: Settings) -> OfficialCalendar:
    return OfficialCalendar(config.local_closures, logger.warning)


def notary() -> Notary:
    """This stage's key and the federation's directory, built once per container."""
    config = get_settings()
    return _notary(
        config.stage,
        config.federation_key_arn,
        config.federation_published_key_arns,
        config.federation_key_file,
        config.federation_directory_file,
        config.api_url,
        config.region,
    )


@lru_cache(maxsize=8)
def _notary(
    stage: str,
    key_arn: str,
    published_arns: tuple[str, ...],
    key_file: str,
    directory_file: str,
    api_url: str,
    region: str,
) -> Notary:
    # Imported here, not at the top: only what signs or checks signatures pays for loading
    # `cryptography` and the key (a public read never does; bench: cold start).
    from chalicelib.adapters.notary import StageNotary
    from chalicelib.adapters.signing import kms_public_jwks, stage_signer

    signer = stage_signer(key_arn, key_file, region)
    own_keys = [signer.public_jwk, *kms_public_jwks(published_arns, region)]
    # A relative path is inside the package (the deployed stages' generated directory).
    path = Path(directory_file) if Path(directory_file).is_absolute() else PACKAGE_ROOT / directory_file
    listed = json.loads(path.read_text(encoding="utf-8")) if directory_file else {}
    return StageNotary(signer, with_own_keys(Directory.from_json(stage, listed), own_keys, api_url))


def with_own_keys(directory: Directory, keys: list[dict[str, str]], api_url: str) -> Directory:
    """The directory with this stage's own keys in its entry (the signing key and the others its
    settings publish): a stage alone, or one whose operators have not pinned its key yet, still
    verifies what it signs itself."""
    own = directory.member(directory.here) or Member(directory.here, directory.here, api_url, ())
    missing = tuple(key for key in keys if own.key(key["kid"]) is None)
    own = dataclasses.replace(own, keys=(*own.keys, *missing))
    others = tuple(m for m in directory.members if m.stage != directory.here)
    return Directory(directory.here, (own, *others))


def peer_stages() -> list[str]:
    return [member.stage for member in notary().directory.peers()]


def peer_client() -> PeerClient:
    from chalicelib.adapters.peers import HttpPeerClient  # only what talks to peers pays for it

    return HttpPeerClient()


def federation_queue() -> SqsQueue | None:
    """The queue of messages waiting for their peer (none on a stage of its own)."""
    config = get_settings()
    return _queue(config.federation_queue_url, config.region) if config.federation_queue_url else None


@lru_cache(maxsize=4)
def _queue(url: str, region: str) -> SqsQueue:
    from chalicelib.adapters.peers import SqsQueue

    return SqsQueue(url, region)


def pseudonym(config: Settings) -> Callable[[str], str]:
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
