"""The DynamoDB tables: one main table (single-table design) and the idempotency table.

The key design and its access patterns are written out in docs/dynamodb.md. Indexes are generic
(gsi1..gsi5, lsi1) so each capability maps its own access patterns onto them.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import TableConnection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.adapters import aws_clients
from chalicelib.settings import Settings


class BaseRow(Model):
    """Every row of the main table. The table name is bound at run time (see bind)."""

    class Meta:
        table_name = "unbound"
        region = "cn-northwest-1"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)

    @classmethod
    def _get_connection(cls) -> TableConnection:
        """The row class's connection, on the process's one DynamoDB client (aws_clients)."""
        return aws_clients.on_shared_client(super()._get_connection(), cls.Meta.region)


dynamodb = aws_clients.dynamodb  # the process's connection to DynamoDB


class IndexedRow(BaseRow):
    """A row that appears in the generic indexes: their key attributes, absent when unused.
    (Each row class declares its own index objects: PynamoDB binds an index to one model.)"""

    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)


def find[Row: BaseRow](model: type[Row], pk: str, sk: str = "A", consistent: bool = True) -> Row | None:
    """GetItem; None if absent.

    Strongly consistent by default: a read after a write that returned sees it (1 RCU per 4 KB).
    `consistent=False` halves the cost (0.5 RCU) and may miss a write of the last second or so.
    """
    try:
        return model.get(pk, sk, consistent_read=consistent)
    except model.DoesNotExist:
        return None


def _gsi(name: str) -> type[GlobalSecondaryIndex[Any]]:
    meta = type("Meta", (), {"index_name": name, "projection": AllProjection()})
    attrs = {
        "Meta": meta,
        f"{name}pk": UnicodeAttribute(hash_key=True),
        f"{name}sk": UnicodeAttribute(range_key=True),
    }
    return type(name.upper(), (GlobalSecondaryIndex,), attrs)


Gsi1 = _gsi("gsi1")
Gsi2 = _gsi("gsi2")
Gsi3 = _gsi("gsi3")
Gsi4 = _gsi("gsi4")
Gsi5 = _gsi("gsi5")
GSI_NUMBERS = (1, 2, 3, 4, 5)


class Lsi1(LocalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "lsi1"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    lsi1sk = UnicodeAttribute(range_key=True)


def bind(settings: Settings) -> None:
    """Point every model at this stage's table (PynamoDB reconnects when the name changes)."""
    BaseRow.Meta.table_name = settings.table_name
    BaseRow.Meta.region = settings.region


def main_table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable arguments for the main table: used by the local stack and the tests."""
    string_keys = ["pk", "sk", "lsi1sk"] + [f"gsi{n}{k}" for n in GSI_NUMBERS for k in ("pk", "sk")]
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": "S"} for k in string_keys],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [_gsi_definition(n) for n in GSI_NUMBERS],
        "LocalSecondaryIndexes": [
            {
                "IndexName": "lsi1",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "lsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


def _gsi_definition(n: int) -> dict[str, Any]:
    return {
        "IndexName": f"gsi{n}",
        "KeySchema": [
            {"AttributeName": f"gsi{n}pk", "KeyType": "HASH"},
            {"AttributeName": f"gsi{n}sk", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }


def idempotency_table_definition(table_name: str) -> dict[str, Any]:
    """The table Powertools' idempotency utility expects: key `id`, TTL on `expiration`."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    }


def ensure_tables(client: Any, settings: Settings) -> list[str]:
    """Create the stage's tables if absent; return the names created."""
    existing = set(client.list_tables()["TableNames"])
    created = []
    for definition in (
        main_table_definition(settings.table_name),
        idempotency_table_definition(settings.idempotency_table_name),
    ):
        name = definition["TableName"]
        if name in existing:
            _add_missing_indexes(client, definition)
            continue
        client.create_table(**definition)
        client.get_waiter("table_exists").wait(TableName=name)
        created.append(name)
    if settings.idempotency_table_name in created:
        client.update_time_to_live(
            TableName=settings.idempotency_table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"},
        )
    return created


def _add_missing_indexes(client: Any, definition: dict[str, Any]) -> None:
    """Bring a table made by an older version (kept under .local/) up to the current indexes."""
    wanted = definition.get("GlobalSecondaryIndexes", [])
    table = client.describe_table(TableName=definition["TableName"])["Table"]
    present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    for index in wanted:
        if index["IndexName"] in present:
            continue
        keys = {k["AttributeName"] for k in index["KeySchema"]}
        client.update_table(
            TableName=definition["TableName"],
            AttributeDefinitions=[
                a for a in definition["AttributeDefinitions"] if a["AttributeName"] in keys
            ],
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
        client.get_waiter("table_exists").wait(TableName=definition["TableName"])
