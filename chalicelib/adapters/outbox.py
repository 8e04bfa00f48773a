"""The outbox: alerts written in the same transaction as the change that owes them.

pk OUTBOX   sk <event_id>   (event ids are ULIDs, so the partition is in commit order)
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute

from chalicelib.adapters import counters
from chalicelib.adapters.tables import BaseRow
from chalicelib.adapters.transact import Tx
from chalicelib.domain.alerts import Alert

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


class DynamoOutbox:
    def pending(self, limit: int) -> list[Alert]:
        rows = OutboxRow.query(PARTITION, limit=limit, consistent_read=True)
        return [Alert.from_message(row.message) for row in rows]

    def remove(self, alert: Alert) -> None:
        OutboxRow(PARTITION, alert.event_id).delete()
