"""The outbox: alerts (and messages to peer stages) written in the same transaction as the
change that owes them.

pk OUTBOX   sk <event_id>     (event ids are ULIDs, so the partition is in commit order)
pk FEDOUT   sk <message_id>   messages to peers (adapters/federation_rows.py)
"""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.attributes import JSONAttribute

from chalicelib.adapters import counters
from chalicelib.adapters.federation_rows import OutgoingRow
from chalicelib.adapters.tables import BaseRow
from chalicelib.adapters.transact import Tx
from chalicelib.domain.alerts import Alert
from chalicelib.domain.federation import Message

PARTITION = "OUTBOX"


class OutboxRow(BaseRow):
    message = JSONAttribute()

    @classmethod
    def of(cls, alert: Alert) -> OutboxRow:
        return cls(PARTITION, alert.event_id, message=alert.message())


def add_alerts_and_counts(tx: Tx, alerts: list[Alert], counter_block: str, counts: dict[str, int]) -> None:
    """Add to a transaction the alerts a change owes and the counters it moves."""
    for alert in alerts:
        tx.save(OutboxRow.of(alert))
    if counts:
        tx.add(counters.shard(counter_block), counts)


def add_messages(tx: Tx, messages: Sequence[Message]) -> None:
    """Add to a transaction the messages to peer stages that a change owes."""
    for message in messages:
        tx.save(OutgoingRow.of(message))


class DynamoOutbox:
    def pending(self, limit: int) -> list[Alert]:
        rows = OutboxRow.query(PARTITION, limit=limit, consistent_read=True)
        return [Alert.from_message(row.message) for row in rows]

    def remove(self, alert: Alert) -> None:
        OutboxRow(PARTITION, alert.event_id).delete()
