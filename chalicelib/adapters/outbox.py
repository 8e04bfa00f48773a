"""The outbox: alerts (and messages to peer stages) written in the same transaction as the
change that owes them.

pk OUTBOX   sk <event_id>     (event ids are ULIDs, so the partition is in commit order)
pk FEDOUT   sk <message_id>   messages to peers (adapters/federation_rows.py)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pynamodb.attributes import JSONAttribute

from chalicelib.adapters.federation_rows import OutgoingRow
from chalicelib.adapters.tables import BaseRow
from chalicelib.adapters.transact import Key, Tx, transact
from chalicelib.domain.alerts import Alert
from chalicelib.services.ports import Owed

if TYPE_CHECKING:
    from pynamodb.connection import Connection

    from chalicelib.domain.federation import Message

PARTITION = "OUTBOX"


class OutboxRow(BaseRow):
    message = JSONAttribute()

    @classmethod
    def of(cls, alert: Alert) -> OutboxRow:
        return cls(PARTITION, alert.event_id, message=alert.message())


def add_owed(tx: Tx, owed: Owed, counters_at: Key | None = None) -> None:
    """Add to a change's transaction what it owes besides its own record: its alerts, its
    counter moves (on the item `counters_at`: a capability's shard, or a single counter item)
    and its messages to peer stages."""
    for alert in owed.alerts:
        tx.save(OutboxRow.of(alert))
    if owed.counts:
        assert counters_at is not None, "counts owed, and no counter item to move"
        tx.add(counters_at, owed.counts)
    for message in owed.messages:
        tx.save(OutgoingRow.of(message))


def send_messages(connection: Connection, messages: Sequence[Message]) -> None:
    """Messages to peers that report no change of their own, in one transaction (at most 100
    items; the callers send 25 at most)."""
    transact(connection, BaseRow.Meta.table_name, lambda tx: add_owed(tx, Owed(messages=messages)))


class DynamoOutbox:
    def pending(self, limit: int) -> list[Alert]:
        rows = OutboxRow.query(PARTITION, limit=limit, consistent_read=True)
        return [Alert.from_message(row.message) for row in rows]

    def remove(self, alert: Alert) -> None:
        OutboxRow(PARTITION, alert.event_id).delete()
