"""Write units of a transaction as DynamoDB bills them, worked out from the items written.

DynamoDB Local reports the table part of each of our TransactWriteItems as 4 WCU whatever its
items (measured with 3, 4 and 5 items, one of them 1.3 KB), while the service bills each item
of a transaction 2 WCU per KB. So for transactions the benchmark also works out the bill:
per item, 2 × ⌈size / 1 KB⌉ on the table, plus ⌈size / 1 KB⌉ on each index the item is
projected into (index copies are written after the transaction commits, as standard writes).
Updates and deletes carry no item body; they are counted as items of at most 1 KB (ours are
counters and markers of a few hundred bytes).
"""

from __future__ import annotations

import math
import re
from typing import Any

KB = 1024
_INDEX_KEY = re.compile(r"^(gsi\d+)pk$")


def transaction_write_units(params: dict[str, Any]) -> float:
    units = 0
    for action in params["TransactItems"]:
        ((kind, body),) = action.items()
        item = body.get("Item") if kind == "Put" else None
        kilobytes = math.ceil(item_size(item) / KB) if item else 1
        units += 2 * kilobytes + kilobytes * (len(indexes_of(item)) if item else 0)
    return float(units)


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values (strings as UTF-8, numbers about one
    byte per two digits plus one)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def indexes_of(item: dict[str, Any]) -> list[str]:
    """The indexes an item appears in: each gsiN whose two keys it has, and lsi1 if keyed."""
    found = [m.group(1) for name in item if (m := _INDEX_KEY.match(name)) and f"{m.group(1)}sk" in item]
    return found + (["lsi1"] if "lsi1sk" in item else [])


def _value_size(value: dict[str, Any]) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        digits = data.lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_size(v) for k, v in data.items())
    return sum(len(str(v).encode()) for v in data) if isinstance(data, list) else len(data)
