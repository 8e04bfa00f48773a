"""Hash chains over records, so that anyone can recompute them from what the API returns.

A record's hash is the lowercase hex SHA-256 of the RFC 8785 canonical JSON of the record as
returned, without its own `hash` field and its `signature` (a signature is over the hash); it
includes `prev_hash`, the hash of the record before.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import rfc8785

UNHASHED = frozenset({"hash", "signature"})


def record_hash(record: Mapping[str, Any]) -> str:
    content = {key: value for key, value in record.items() if key not in UNHASHED}
    return hashlib.sha256(rfc8785.dumps(content)).hexdigest()


def chain_is_valid(records: Iterable[Mapping[str, Any]], after: str | None = None) -> bool:
    """True when every record's hash recomputes and links to the record before it (the first
    to `after`: None for a chain from its start)."""
    previous = after
    for record in records:
        if record.get("prev_hash") != previous or record.get("hash") != record_hash(record):
            return False
        previous = record["hash"]
    return True


def signature_of(kid: str, raw_signature: bytes) -> dict[str, str]:
    """A record's `signature`: the key's id and the base64url raw r||s (RFC 7518, 3.4)."""
    return {"kid": kid, "value": base64.urlsafe_b64encode(raw_signature).rstrip(b"=").decode("ascii")}
