"""What this stage witnessed of the federation's logs, on DynamoDB: the last checkpoint held of
each peer (and every one accepted), and the disputes, each with its alert and the message
that tells the stage disputed."""

from __future__ import annotations

import contextlib

from pynamodb.connection import Connection

from chalicelib.adapters.outbox import add_owed
from chalicelib.adapters.tables import BaseRow, find
from chalicelib.adapters.transact import ConditionFailed, Tx, transact
from chalicelib.adapters.transparency_rows import DisputeRow, WitnessedRow, witness_pk
from chalicelib.domain.transparency import Checkpoint, Dispute, Witnessed
from chalicelib.services.ports import Owed, StaleWrite

STATE = "STATE"


class DynamoWitnessStore:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def held(self, stage: str) -> Witnessed | None:
        row = find(WitnessedRow, witness_pk(stage), STATE)
        return None if row is None else Witnessed(Checkpoint.from_view(row.checkpoint), row.witnessed_at)

    def accept(self, before: Witnessed | None, checkpoint: Checkpoint, at: str) -> None:
        """Hold `checkpoint` as the stage's last (and keep it); StaleWrite if another was taken
        since `before`."""
        pk = witness_pk(checkpoint.stage)
        view = checkpoint.to_view()

        def build(tx: Tx) -> None:
            latest = (
                WitnessedRow.pk.does_not_exist()
                if before is None
                else WitnessedRow.number == before.checkpoint.number
            )
            for sk, condition in (
                (STATE, latest),
                (_kept_sk(checkpoint.number), WitnessedRow.pk.does_not_exist()),
            ):
                row = WitnessedRow(pk, sk, number=checkpoint.number, checkpoint=view, witnessed_at=at)
                tx.save(row, condition=condition)

        try:
            transact(self._connection, BaseRow.Meta.table_name, build)
        except ConditionFailed:
            raise StaleWrite(checkpoint.stage) from None

    def kept(self, stage: str, number: int) -> Checkpoint | None:
        row = find(WitnessedRow, witness_pk(stage), _kept_sk(number))
        return None if row is None else Checkpoint.from_view(row.checkpoint)

    def dispute(self, dispute: Dispute, owed: Owed) -> None:
        """Keep the dispute, queue its alert and the messages that tell of it (once: the same
        dispute found again is already kept)."""

        def build(tx: Tx) -> None:
            tx.save(DisputeRow.of(dispute), condition=DisputeRow.pk.does_not_exist())
            add_owed(tx, owed)

        with contextlib.suppress(ConditionFailed):
            transact(self._connection, BaseRow.Meta.table_name, build)

    def disputes(self, stage: str, since: str = "", limit: int = 50) -> list[Dispute]:
        """The disputes about `stage` found since `since`, newest first."""
        rows = DisputeRow.query(
            witness_pk(stage),
            DisputeRow.sk.between(f"DISPUTE#{since}", "DISPUTE#~"),
            scan_index_forward=False,
            limit=limit,
        )
        return [row.to_domain() for row in rows]


def _kept_sk(number: int) -> str:
    """The sort key of a checkpoint held, kept for good (STATE is the latest)."""
    return f"CP#{number:010d}"
