"""The federation's signed directory as this stage holds it, on DynamoDB.

Keys (main table):
  newest held      pk FEDDIR   sk HEAD                  {version, signed}
  every version    pk FEDDIR   sk V#<version:010>       {version, signed}   (never overwritten)
  a stage's copy   pk FEDDIR   sk ACK#<stage>           {version}   (the anchor: what each took)
  introductions    pk FEDDIR   sk INTRO#<version:010>   {stages, kept_at}   (owed to the stages
                   a kept version added: services/directory.introduce_owed)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection

from chalicelib.adapters.log_queue import PendingRow
from chalicelib.adapters.tables import BaseRow, find
from chalicelib.adapters.transact import ConditionFailed, Tx, transact
from chalicelib.domain.transparency import DIRECTORY_LEAVES
from chalicelib.services.ports import StaleWrite

PK = "FEDDIR"
HEAD = "HEAD"


class DirectoryRow(BaseRow):
    version = NumberAttribute()
    signed = UnicodeAttribute(null=True)
    stages = ListAttribute(of=UnicodeAttribute, null=True)  # an introduction's stages left
    kept_at = UnicodeAttribute(null=True)

    @classmethod
    def kept(cls, version: int, signed: str | None = None) -> DirectoryRow:
        return cls(PK, f"V#{version:010d}", version=version, signed=signed)


def kept_versions(versions: Iterable[int]) -> dict[int, str]:
    """The signed versions kept, by version (the transparency log's audit reads them)."""
    keys = [(PK, DirectoryRow.kept(version).sk) for version in dict.fromkeys(versions)]
    return {int(row.version): row.signed for row in DirectoryRow.batch_get(keys) if row.signed}


class DynamoDirectoryStore:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def newest(self) -> str | None:
        row = find(DirectoryRow, PK, HEAD)
        return None if row is None else row.signed

    def keep(
        self,
        version: int,
        signed: str,
        logged_as: str | None = None,
        introduce: Sequence[str] = (),
        at: str = "",
    ) -> None:
        """Hold `version` as the newest and keep it (and queue it for the transparency log, and
        owe the stages it adds an introduction); StaleWrite if it or a newer one is held."""

        def build(tx: Tx) -> None:
            newer = DirectoryRow.pk.does_not_exist() | (DirectoryRow.version < version)
            tx.save(DirectoryRow(PK, HEAD, version=version, signed=signed), condition=newer)
            tx.save(DirectoryRow.kept(version, signed), condition=DirectoryRow.pk.does_not_exist())
            if logged_as is not None:
                tx.save(PendingRow.of(DIRECTORY_LEAVES, version, logged_as))
            if introduce:
                owed = DirectoryRow(PK, _intro(version), version=version, stages=list(introduce), kept_at=at)
                tx.save(owed)

        try:
            transact(self._connection, BaseRow.Meta.table_name, build)
        except ConditionFailed:
            raise StaleWrite(str(version)) from None

    def acknowledged(self) -> dict[str, int]:
        rows = DirectoryRow.query(PK, DirectoryRow.sk.startswith("ACK#"))
        return {row.sk.removeprefix("ACK#"): int(row.version) for row in rows}

    def acknowledge(self, stage: str, version: int) -> None:
        DirectoryRow(PK, f"ACK#{stage}", version=version).save()

    def introductions(self) -> list[tuple[int, list[str], str]]:
        rows = DirectoryRow.query(PK, DirectoryRow.sk.startswith("INTRO#"), consistent_read=True)
        return [(int(row.version), [str(s) for s in row.stages or []], row.kept_at or "") for row in rows]

    def introduced(self, version: int, left: Sequence[str]) -> None:
        row = DirectoryRow(PK, _intro(version))
        if left:
            stages: Any = list(left)  # PynamoDB types a list of text as a list of its attributes
            row.update(actions=[DirectoryRow.stages.set(stages)])
        else:
            row.delete()


def _intro(version: int) -> str:
    return f"INTRO#{version:010d}"
