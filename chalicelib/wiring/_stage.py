"""How the container builds what every capability shares: calendar, key, directory, secrets."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import secrets
from chalicelib.adapters.idempotency import PowertoolsIdempotency
from chalicelib.adapters.official_calendar import OfficialCalendar
from chalicelib.domain.federation import Directory, Member
from chalicelib.observability import logger
from chalicelib.services.ports import Notary, PeerClient
from chalicelib.settings import Settings

if TYPE_CHECKING:
    from chalicelib.adapters.peers import SqsQueue

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # where app.py and chalicelib/ are


def calendar(config: Settings) -> OfficialCalendar:
    return OfficialCalendar(config.local_closures, logger.warning)


def notary(config: Settings, trusted: Callable[[Directory], Directory]) -> Notary:
    """This stage's key and the federation's directory: the newest signed one the stage holds
    (`trusted`), else the one it was deployed with (FEDERATION_DIRECTORY_FILE)."""
    # Imported here, not at the top: only what signs or checks signatures pays for loading
    # `cryptography` and the key (a public read never does; bench: cold start).
    from chalicelib.adapters.notary import StageNotary
    from chalicelib.adapters.signing import kms_public_jwks, stage_signer

    signer = stage_signer(config.federation_key_arn, config.federation_key_file, config.region)
    own_keys = [signer.public_jwk, *kms_public_jwks(config.federation_published_key_arns, config.region)]
    pinned = Directory.from_json(config.stage, read_json(config.federation_directory_file))

    def current() -> Directory:
        return with_own_keys(trusted(pinned), own_keys, config.api_url)

    return StageNotary(signer, current, config.stage)


def read_json(file: str) -> dict[str, Any]:
    """A JSON file the stage was deployed with ({} if none is named); a relative path is inside
    the package."""
    if not file:
        return {}
    path = Path(file) if Path(file).is_absolute() else PACKAGE_ROOT / file
    value = json.loads(path.read_text(encoding="utf-8"))
    return value if isinstance(value, dict) else {}


def with_own_keys(directory: Directory, keys: list[dict[str, str]], api_url: str) -> Directory:
    """The directory with this stage's own keys in its entry (the signing key and the others its
    settings publish): a stage alone, or one whose operators have not pinned its key yet, still
    verifies what it signs itself."""
    own = directory.member(directory.here) or Member(directory.here, directory.here, api_url, ())
    missing = tuple(key for key in keys if own.key(key["kid"]) is None)
    own = dataclasses.replace(own, keys=(*own.keys, *missing))
    others = tuple(m for m in directory.members if m.stage != directory.here)
    return Directory(directory.here, (own, *others))


def peer_client() -> PeerClient:
    from chalicelib.adapters.peers import HttpPeerClient  # only what talks to peers pays for it

    return HttpPeerClient()


def federation_queue(config: Settings) -> SqsQueue | None:
    """The queue of messages waiting for their peer (none on a stage of its own)."""
    if not config.federation_queue_url:
        return None
    from chalicelib.adapters.peers import SqsQueue

    return SqsQueue(config.federation_queue_url, config.region)


def pseudonym(config: Settings) -> Callable[[str], str]:
    secret = _secret(config.pseudonym_secret, config.pseudonym_secret_arn, "PSEUDONYM_SECRET", config)
    key = hashlib.sha256(secret.encode()).digest()
    return lambda value: hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def cursor_secret(config: Settings) -> str:
    return _secret(config.cursor_secret, config.cursor_secret_arn, "CURSOR_SECRET", config)


def _secret(value: str, arn: str, name: str, config: Settings) -> str:
    """A signing key: from Secrets Manager when the stage names one (read once per container),
    else the value itself (stage `local` falls back to the development secret)."""
    if arn:
        return secrets.secret_string(arn, config.region)
    if value:
        return value
    raise RuntimeError(f"stage {config.stage} has neither {name}_ARN nor {name}")


def idempotency(config: Settings) -> PowertoolsIdempotency:
    return PowertoolsIdempotency(config)
