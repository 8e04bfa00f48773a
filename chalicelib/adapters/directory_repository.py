"""The federation's signed directory as this stage holds it, on DynamoDB.

Keys (main table):
  newest held      pk FEDDIR   sk HEAD                  {version, signed}
  every version    pk FEDDIR   sk V#<version:010>       {version, signed}   (never overwritten)
  a stage's copy   pk FEDDIR   sk ACK#<stage>           {version}   (the anchor: what each took)
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection

from chalicelib.adapters.tables import BaseRow, find
from chalicelib.adapters.transact import ConditionFailed, Tx, transact
from chalicelib.services.ports import StaleWrite

PK = "FEDDIR"
HEAD = "HEAD"


class DirectoryRow(BaseRow):
    version = NumberAttribute()
    signed = UnicodeAttribute(null=True)


class DynamoDirectoryStore:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def newest(self) -> str | None:
        row = find(DirectoryRow, PK, HEAD)
        return None if row is None else row.signed

    def keep(self, version: int, signed: str) -> None:
        """Hold `version` as the newest and keep it; StaleWrite if it or a newer one is held."""

        def build(tx: Tx) -> None:
            newer = DirectoryRow.pk.does_not_exist() | (DirectoryRow.version < version)
            tx.save(DirectoryRow(PK, HEAD, version=version, signed=signed), condition=newer)
            kept = DirectoryRow(PK, f"V#{version:010d}", version=version, signed=signed)
            tx.save(kept, condition=DirectoryRow.pk.does_not_exist())

        try:
            transact(self._connection, BaseRow.Meta.table_name, build)
        except ConditionFailed:
            raise StaleWrite(str(version)) from None

    def acknowledged(self) -> dict[str, int]:
        rows = DirectoryRow.query(PK, DirectoryRow.sk.startswith("ACK#"))
        return {row.sk.removeprefix("ACK#"): int(row.version) for row in rows}

    def acknowledge(self, stage: str, version: int) -> None:
        DirectoryRow(PK, f"ACK#{stage}", version=version).save()
