"""The tamper-evident trail of a record: events in order, each hashed over its content and the
hash of the event before (see hashchain), and signed by the stage that recorded it: ES256 over
the ASCII bytes of its hash, so an outsider can check each event with the stage's public key
(API.md, Federation between stages)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.hashchain import record_hash, signature_of


@dataclass(frozen=True)
class TrailEvent:
    seq: int
    type: str
    at: str
    actor: str
    detail: dict[str, Any] | None
    prev_hash: str | None
    hash: str
    stage: str = ""  # where it was recorded
    signature: dict[str, str] | None = None  # {kid, value}: that stage's signature of `hash`

    def to_view(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type,
            "at": self.at,
            "actor": self.actor,
            "detail": self.detail,
            "stage": self.stage,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "signature": self.signature,
        }

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> TrailEvent:
        """An event as another stage sent it (its hash and signature are checked by the caller)."""
        fields = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in view.items() if key in fields})

    @property
    def signed_bytes(self) -> bytes:
        """What the signature covers: the ASCII bytes of the hash."""
        return self.hash.encode("ascii")

    def signed(self, kid: str, raw_signature: bytes) -> TrailEvent:
        return dataclasses.replace(self, signature=signature_of(kid, raw_signature))


def next_event(
    last_seq: int,
    last_hash: str | None,
    type_: str,
    at: str,
    actor: str,
    detail: dict[str, Any] | None = None,
    stage: str = "",
) -> TrailEvent:
    content = {
        "seq": last_seq + 1,
        "type": type_,
        "at": at,
        "actor": actor,
        "detail": detail,
        "stage": stage,
        "prev_hash": last_hash,
    }
    return TrailEvent(**content, hash=record_hash(content))  # type: ignore[arg-type]
