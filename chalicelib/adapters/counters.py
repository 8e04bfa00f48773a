"""Counters for /stats kept as events happen, in the same transactions as the events.

Busy counters are split over shards (pk STATS, sk <block>#<n>) so that concurrent transactions
rarely touch the same item; a read sums the shards (one BatchGetItem, not a scan).
"""

from __future__ import annotations

import random
from collections import Counter

from pynamodb.connection import Connection

from chalicelib.adapters.transact import Key

SHARDS = 8


def shard(block: str) -> Key:
    return "STATS", f"{block}#{random.randrange(SHARDS)}"  # noqa: S311 - spreading load, not security


def read(connection: Connection, table_name: str, block: str) -> dict[str, int]:
    keys = [{"pk": {"S": "STATS"}, "sk": {"S": f"{block}#{n}"}} for n in range(SHARDS)]
    # Raw client: PynamoDB's batch_get_item wants a model, and these attribute names vary.
    response = connection.client.batch_get_item(
        RequestItems={table_name: {"Keys": keys, "ConsistentRead": True}}
    )
    totals: Counter[str] = Counter()
    for item in response.get("Responses", {}).get(table_name, []):
        totals.update(_numbers(item))
    return dict(totals)


def read_item(connection: Connection, table_name: str, pk: str, sk: str) -> dict[str, int]:
    """The counters of one unsharded item (e.g. a unit's supervision record)."""
    key = {"pk": {"S": pk}, "sk": {"S": sk}}
    item = connection.client.get_item(TableName=table_name, Key=key, ConsistentRead=True).get("Item", {})
    return _numbers(item)


def _numbers(item: dict[str, dict[str, str]]) -> dict[str, int]:
    return {name: int(value["N"]) for name, value in item.items() if "N" in value}
