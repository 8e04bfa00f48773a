"""Signed trails: each event is signed by the stage that recorded it, over the ASCII bytes of
its hash (API.md, Federation between stages), and checked with that stage's key from the
directory, whichever stage holds the copy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.domain.federation import refused
from chalicelib.domain.hashchain import chain_is_valid, record_hash
from chalicelib.domain.trail import TrailEvent
from chalicelib.services.ports import Notary


class SignedTrail:
    def __init__(self, notary: Notary) -> None:
        self._notary = notary

    def sign(self, event: TrailEvent) -> TrailEvent:
        """The event with this stage's signature over its hash."""
        return event.signed(self._notary.kid, self._notary.sign(event.signed_bytes))

    def is_intact(self, events: Sequence[TrailEvent], last_seq: int, last_hash: str | None) -> bool:
        """Every event recomputes and links to the one before, is signed by the stage that
        recorded it, and the chain ends where the record says: neither an edit, a removed event
        nor an event forged by another stage goes unnoticed."""
        views = [event.to_view() for event in events]
        return (
            chain_is_valid(views)
            and all(self._signed_by_its_stage(event) for event in events)
            and len(views) == last_seq
            and (views[-1]["hash"] if views else None) == last_hash
        )

    def received(self, view: dict[str, Any], from_stage: str) -> TrailEvent:
        """An event another stage sent: as that stage recorded and signed it, or refused (401)."""
        event = TrailEvent.from_view(view)
        intact = record_hash(event.to_view()) == event.hash and event.stage == from_stage
        if not (intact and self._signed_by_its_stage(event)):
            raise refused("the trail event is not as its stage recorded and signed it")
        return event

    def _signed_by_its_stage(self, event: TrailEvent) -> bool:
        signature = event.signature or {}
        kid, value = signature.get("kid", ""), signature.get("value", "")
        return self._notary.verifies(event.stage, kid, event.signed_bytes, value)
