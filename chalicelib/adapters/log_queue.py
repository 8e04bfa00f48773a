"""The queue of trail events waiting for their place in the stage's transparency log: a row
written in the event's own transaction, removed when the transparency job gives the event its
leaf index (transparency_repository.py). Kept apart so that recording an event loads nothing
more of the log.

  leaf to sequence   pk TLOG#PENDING   sk <request_id>#<seq:06>
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.tables import BaseRow

if TYPE_CHECKING:
    from chalicelib.adapters.transact import Tx
    from chalicelib.domain.trail import TrailEvent

PENDING = "TLOG#PENDING"


class PendingRow(BaseRow):
    request_id = UnicodeAttribute()
    seq = NumberAttribute()
    event_hash = UnicodeAttribute()

    @classmethod
    def of(cls, request_id: str, seq: int, event_hash: str) -> PendingRow:
        return cls(PENDING, f"{request_id}#{seq:06d}", request_id=request_id, seq=seq, event_hash=event_hash)


def add_leaf(tx: Tx, request_id: str, event: TrailEvent) -> None:
    """Queue a trail event recorded on this stage for the log, in the event's own transaction."""
    tx.save(PendingRow.of(request_id, event.seq, event.hash))
