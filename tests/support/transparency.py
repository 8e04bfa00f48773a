"""What an insider with write access to a stage's table does to rewrite its history, with valid
hashes (the tamper tests of the transparency log, on one stage and between served stages)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.catalogue_rows import CHANGELOG, HeadRow
from chalicelib.adapters.transparency_rows import TreeRow
from chalicelib.domain.hashchain import record_hash

TREE = {"pk": TreeRow.KEY[0], "sk": TreeRow.KEY[1]}


def rebuild_changelog_from(table: Any, first: int, reason: str) -> None:
    """Every change record from `first` on rewritten with another reason, each hash recomputed
    and linked, and the chain head moved to the new last hash."""
    records = table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :r)",
        ExpressionAttributeValues={":pk": CHANGELOG, ":r": "REC#"},
        ConsistentRead=True,
    )["Items"]
    previous = records[first - 2]["hash"] if first > 1 else None
    for item in records[first - 1 :]:
        view = {
            "seq": int(item["seq"]),
            "proof_id": item["proof_id"],
            "version": int(item["version"]),
            "from": item.get("from_disposition"),
            "to": item["to_disposition"],
            "rule": item.get("rule"),
            "reason": reason,
            "decision_ref": item.get("decision_ref"),
            "changed_at": item["changed_at"],
            "prev_hash": previous,
        }
        previous = record_hash(view)
        table.update_item(
            Key={"pk": item["pk"], "sk": item["sk"]},
            UpdateExpression="SET reason = :r, prev_hash = :p, #h = :h",
            ExpressionAttributeNames={"#h": "hash"},
            ExpressionAttributeValues={":r": reason, ":p": view["prev_hash"], ":h": previous},
        )
    table.update_item(
        Key={"pk": HeadRow.KEY[0], "sk": HeadRow.KEY[1]},
        UpdateExpression="SET #h = :h",
        ExpressionAttributeNames={"#h": "hash"},
        ExpressionAttributeValues={":h": previous},
    )


def forget_checkpoints(table: Any) -> None:
    """The stage's record of the checkpoints it signed, deleted (the tree itself is kept): it
    then signs what its tables hold as if it were new."""
    table.update_item(Key=TREE, UpdateExpression="REMOVE checkpoint_number, checkpoint")
    signed = table.query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": "TLOG#CP"})
    for item in signed["Items"]:
        table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})


def current_size(table: Any) -> int:
    return int(table.get_item(Key=TREE, ConsistentRead=True)["Item"]["size"])
