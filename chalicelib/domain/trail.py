"""The tamper-evident trail of a record: events in order, each hashed over its content and the
hash of the event before (see hashchain)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.hashchain import record_hash


@dataclass(frozen=True)
class TrailEvent:
    seq: int
    type: str
    at: str
    actor: str
    detail: dict[str, Any] | None
    prev_hash: str | None
    hash: str

    def to_view(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type,
            "at": self.at,
            "actor": self.actor,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def next_event(
    last_seq: int,
    last_hash: str | None,
    type_: str,
    at: str,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> TrailEvent:
    content = {
        "seq": last_seq + 1,
        "type": type_,
        "at": at,
        "actor": actor,
        "detail": detail,
        "prev_hash": last_hash,
    }
    return TrailEvent(**content, hash=record_hash(content))  # type: ignore[arg-type]
