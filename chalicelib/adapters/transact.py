"""One DynamoDB transaction helper for every repository.

It tells which items' conditions failed (by key: PynamoDB regroups the items by kind before
sending them, so positions are not the order of the calls), tells apart a transaction that
another only got in the way of (Contended: the services' retry sends it again), and takes raw
ADD updates for counters whose attribute names are only known at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import metrics
from chalicelib.services.ports import Contended, StaleWrite

Key = tuple[str, str]


class ConditionFailed(Exception):
    def __init__(self, keys: set[Key]) -> None:
        super().__init__(f"condition failed on {sorted(keys)}")
        self.keys = keys


class Tx(TransactWrite):
    def __init__(self, connection: Connection, table_name: str) -> None:
        super().__init__(connection=connection)
        self._table_name = table_name
        self.counted: list[tuple[Key, Mapping[str, int]]] = []

    def add(self, key: Key, counts: Mapping[str, int]) -> None:
        """ADD each count to its attribute of item `key` (created if absent)."""
        self.counted.append((key, counts))
        names = {f"#a{i}": name for i, name in enumerate(counts)}
        values = {f":v{i}": {"N": str(n)} for i, n in enumerate(counts.values())}
        self._update_items.append(
            {
                "TableName": self._table_name,
                "Key": {"pk": {"S": key[0]}, "sk": {"S": key[1]}},
                "UpdateExpression": "ADD "
                + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        )

    def keys_in_sent_order(self) -> list[Key]:
        groups: Iterable[list[dict[str, Any]]] = (
            self._condition_check_items,
            self._delete_items,
            self._put_items,
            self._update_items,
        )
        return [_key(item) for group in groups for item in group]


def transact(connection: Connection, table_name: str, build: Callable[[Tx], None]) -> None:
    """Commit what `build` adds, once; raise ConditionFailed naming the items whose condition
    failed, or Contended when another transaction held one of them (nothing was written: the
    services' one retry loop sends it again, services/retry.py)."""
    tx = Tx(connection, table_name)
    build(tx)
    try:
        with tx:
            pass
    except TransactWriteError as error:
        reasons = [r.code if r else None for r in error.cancellation_reasons]
        keys = tx.keys_in_sent_order()
        failed = {keys[i] for i, code in enumerate(reasons) if code == "ConditionalCheckFailed"}
        if failed:
            raise ConditionFailed(failed) from None
        if "TransactionConflict" in reasons:
            raise Contended() from None
        raise
    metrics.record_committed(tx.counted)


def transact_current(
    connection: Connection, table_name: str, build: Callable[[Tx], None], record_id: str
) -> None:
    """transact() for a change to a record read before: a failed condition means the record
    changed since, which the services' loop (until_written) answers by deciding again."""
    try:
        transact(connection, table_name, build)
    except ConditionFailed:
        raise StaleWrite(record_id) from None


def _key(operation: dict[str, Any]) -> Key:
    item = operation.get("Key") or operation["Item"]
    return item["pk"]["S"], item["sk"]["S"]
