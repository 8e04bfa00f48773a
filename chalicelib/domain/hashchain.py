"""Hash chains over records, so that anyone can recompute them from what the API returns.

A record's hash is the lowercase hex SHA-256 of the RFC 8785 canonical JSON of the record as
returned, without its own `hash` field and its `signature` (a signature is over the hash); it
includes `prev_hash`, the hash of the record before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import rfc8785

UNHASHED = frozenset({"hash", "signature"})


def record_hash(record: Mapping[str, Any]) -> str:
    content = {key: value for key, value in record.items() if key not in UNHASHED}
    return hashlib.sha256(rfc8785.dumps(content)).hexdigest()


def chain_is_valid(records: Iterable[Mapping[str, Any]]) -> bool:
    """True when every record's hash recomputes and links to the record before it."""
    previous: str | None = None
    for record in records:
        if record.get("prev_hash") != previous or record.get("hash") != record_hash(record):
            return False
        previous = record["hash"]
    return True
