"""The outbox: alerts (and messages to peer stages) written in the same transaction as the
change that owes them.

pk OUTBOX   sk <event_id>     (event ids are ULIDs, so the partition is in commit order)
pk FEDOUT   sk <message_id>   messages to peers (adapters/federation_rows.py), one message to
                              many peers as one fan-out row
"""

from __future__ import annotations

import json
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
    for same in _alike(owed.messages):
        if len(same) < FANNED_OUT_FROM:
            for message in same:
                tx.save(OutgoingRow.of(message))
        else:
            tx.save(OutgoingRow.fan_out(same))


# A message owed to this many peers or more is written as one fan-out row: a transaction holds
# 100 items at most, and a province's stage has 100 peers. Fewer (a checkpoint's 3 witnesses,
# a request's one peer) cost fewer writes as rows of their own, with nothing to expand.
FANNED_OUT_FROM = 4


def _alike(messages: Sequence[Message]) -> list[list[Message]]:
    """The messages grouped by what they say (all but their peer and id), in the order owed."""
    groups: dict[str, list[Message]] = {}
    for message in messages:
        content = {**message.to_view(), "to_stage": "", "message_id": ""}
        groups.setdefault(json.dumps(content, sort_keys=True), []).append(message)
    return list(groups.values())


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
