"""The outbox: alerts written in the same transaction as the change that owes them.

pk OUTBOX   sk <event_id>   (event ids are ULIDs, so the partition is in commit order)
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute
from pynamodb.connection import Connection

from chalicelib.adapters.tables import BaseRow
from chalicelib.domain.alerts import Alert

PARTITION = "OUTBOX"


class OutboxRow(BaseRow):
    message = JSONAttribute()

    @classmethod
    def of(cls, alert: Alert) -> OutboxRow:
        return cls(PARTITION, alert.event_id, message=alert.message())


class DynamoOutbox:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def pending(self, limit: int) -> list[Alert]:
        rows = OutboxRow.query(PARTITION, limit=limit, consistent_read=True)
        return [Alert.from_message(row.message) for row in rows]

    def remove(self, alert: Alert) -> None:
        OutboxRow(PARTITION, alert.event_id).delete()
