"""The price tables the cost figures use, and the cost of a million requests of one operation.

A request costs its Lambda invocation, its duration at the stack's memory size (billed per
1 ms), and the DynamoDB request units it consumed (on-demand). API Gateway's flat fee per
request is the same for every operation and is left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LAMBDA_MEMORY_GB = 512 / 1024  # infra/stack.py: lambda_memory_size


@dataclass(frozen=True)
class PriceTable:
    symbol: str
    region: str
    lambda_per_gb_second: float
    lambda_per_million_requests: float
    dynamodb_per_million_write_units: float
    dynamodb_per_million_read_units: float
    source: str

    def per_million(self, seconds: float, read_units: float, write_units: float) -> float:
        billed_seconds = math.ceil(seconds * 1000) / 1000
        per_request = (
            billed_seconds * LAMBDA_MEMORY_GB * self.lambda_per_gb_second
            + (read_units * self.dynamodb_per_million_read_units) / 1e6
            + (write_units * self.dynamodb_per_million_write_units) / 1e6
        )
        return per_request * 1e6 + self.lambda_per_million_requests


YUAN = PriceTable(
    symbol="¥",
    region="China (Ningxia) cn-northwest-1",
    lambda_per_gb_second=0.000113477,
    lambda_per_million_requests=1.36,
    dynamodb_per_million_write_units=11.1538,
    dynamodb_per_million_read_units=11.1538 / 5,
    source=(
        "amazonaws.cn list prices, x86 Lambda and on-demand DynamoDB Standard. The write price is "
        "from the DynamoDB pricing page; the read price is a fifth of it, the ratio in every region; "
        "the Lambda prices could not be re-checked offline: confirm them before budgeting"
    ),
)

DOLLARS = PriceTable(
    symbol="$",
    region="US East (N. Virginia) us-east-1",
    lambda_per_gb_second=0.0000166667,
    lambda_per_million_requests=0.20,
    dynamodb_per_million_write_units=0.625,
    dynamodb_per_million_read_units=0.125,
    source=(
        "aws.amazon.com list prices, x86 Lambda and on-demand DynamoDB Standard (after the November 2024 cut)"
    ),
)

TABLES = (YUAN, DOLLARS)
