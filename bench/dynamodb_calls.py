"""Every DynamoDB call this process makes, with the capacity DynamoDB says it consumed.

Wraps botocore's one funnel for API calls, so PynamoDB's client, Powertools' and a plain boto3
client are all seen. Each call asks for ReturnConsumedCapacity=TOTAL, which DynamoDB Local
answers as the service does for reads and single writes; for transactions it reports less than
the service bills, so those are also worked out from their items (bench/billing.py).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

from bench.billing import transaction_write_units

# The operations that accept ReturnConsumedCapacity.
COUNTED = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
}
READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}


@dataclass
class Call:
    operation: str
    params: dict[str, Any]
    read_units: float
    write_units: float


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)

    @property
    def read_units(self) -> float:
        return sum(call.read_units for call in self.calls)

    @property
    def write_units(self) -> float:
        return sum(call.write_units for call in self.calls)

    @property
    def billed_write_units(self) -> float:
        """Write units as the service bills them: transactions worked out from their items."""
        return sum(
            transaction_write_units(call.params)
            if call.operation == "TransactWriteItems"
            else call.write_units
            for call in self.calls
        )

    def shape(self) -> str:
        """The calls in order, e.g. `GetItem, GetItem, TransactWriteItems(4)`."""
        return ", ".join(_describe(call) for call in self.calls)


_active: list[Recording] = []
_original = BaseClient._make_api_call


def _recording_call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
    if not _active or self.meta.service_model.service_name != "dynamodb" or operation_name not in COUNTED:
        return _original(self, operation_name, api_params)
    params = {**api_params, "ReturnConsumedCapacity": "TOTAL"}
    response = _original(self, operation_name, params)
    consumed = response.get("ConsumedCapacity", [])
    if isinstance(consumed, dict):
        consumed = [consumed]
    reads = sum(_units(c, "Read", operation_name) for c in consumed)
    writes = sum(_units(c, "Write", operation_name) for c in consumed)
    for recording in _active:
        recording.calls.append(Call(operation_name, copy.deepcopy(api_params), reads, writes))
    return response


def _units(consumed: dict[str, Any], kind: str, operation: str) -> float:
    """Read or write units of one ConsumedCapacity entry.

    Some answers split the total into ReadCapacityUnits and WriteCapacityUnits; others give
    only CapacityUnits, whose kind follows from the operation."""
    split = consumed.get(f"{kind}CapacityUnits")
    if split is not None:
        return float(split)
    if "ReadCapacityUnits" in consumed or "WriteCapacityUnits" in consumed:
        return 0.0
    is_read = operation in READS
    return float(consumed.get("CapacityUnits", 0.0)) if is_read == (kind == "Read") else 0.0


@contextlib.contextmanager
def recording() -> Iterator[Recording]:
    """Record the DynamoDB calls made inside the block (nested blocks each see them)."""
    result = Recording()
    BaseClient._make_api_call = _recording_call  # type: ignore[method-assign]
    _active.append(result)
    try:
        yield result
    finally:
        _active.remove(result)
        if not _active:
            BaseClient._make_api_call = _original  # type: ignore[method-assign]


def _describe(call: Call) -> str:
    if call.operation == "TransactWriteItems":
        return f"TransactWriteItems({len(call.params['TransactItems'])})"
    if call.operation == "BatchGetItem":
        keys = sum(len(t["Keys"]) for t in call.params["RequestItems"].values())
        return f"BatchGetItem({keys})"
    return call.operation
