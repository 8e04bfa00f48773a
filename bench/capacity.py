"""DynamoDB capacity per operation, as DynamoDB reports it (ReturnConsumedCapacity=TOTAL,
which counts the table and its indexes), for one catalogue size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.dynamodb_calls import recording
from bench.world import Operation

PROOF_LOOKUP_MAX_RCU = 0.5


@dataclass(frozen=True)
class Capacity:
    operation: str
    read_units: float
    write_units: float  # as DynamoDB Local reports them
    billed_write_units: float  # as the service bills them (bench/billing.py)
    calls: str


def measure(client: Any, operation: Operation, repeats: int = 3) -> Capacity:
    """The capacity of one request; raises if repeated requests do not cost the same."""
    seen = set()
    for _ in range(repeats):
        with recording() as recorded:
            operation.send(client)
        seen.add((recorded.read_units, recorded.write_units, recorded.billed_write_units, recorded.shape()))
    if len(seen) != 1:
        raise RuntimeError(f"{operation.name}: capacity varies between identical requests: {seen}")
    return Capacity(operation.name, *seen.pop())
