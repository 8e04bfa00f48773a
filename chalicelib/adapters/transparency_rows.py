"""PynamoDB rows of the transparency log.

Keys (main table):
  leaf to sequence   pk TLOG#PENDING                  sk <request_id>#<seq:06>   (log_queue.py)
  stored subtree     pk TLOG#NODE#<level:02>#<bucket> sk <index:012>   bucket = index >> 12
                     level 0 is a leaf: it also names its event, and is found by it through
                     gsi1 TLOG#EV#<request_id> / <seq:06>
  the tree           pk TLOG                          sk STATE    size and latest checkpoint
  checkpoint         pk TLOG#CP                       sk <number:010>
  alarm raised       pk TLOG#ALARM                    sk <last checkpoint>:<problems found>
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.adapters.tables import BaseRow, Gsi1, IndexedRow
from chalicelib.domain.transparency import Checkpoint, Dispute, Leaf

BUCKET_BITS = 12  # 4096 subtrees of a level per partition: no partition grows without bound


class NodeRow(IndexedRow):
    hash = UnicodeAttribute()
    request_id = UnicodeAttribute(null=True)  # leaves only
    seq = NumberAttribute(null=True)
    event_hash = UnicodeAttribute(null=True)
    by_event = Gsi1()

    @staticmethod
    def key(level: int, index: int) -> tuple[str, str]:
        return f"TLOG#NODE#{level:02d}#{index >> BUCKET_BITS}", f"{index:012d}"

    @classmethod
    def of(cls, level: int, index: int, value: bytes, leaf: Leaf | None = None) -> NodeRow:
        row = cls(*cls.key(level, index), hash=value.hex())
        if leaf is not None:
            row.request_id, row.seq, row.event_hash = leaf.request_id, leaf.seq, leaf.event_hash
            row.gsi1pk, row.gsi1sk = event_key(leaf.request_id), f"{leaf.seq:06d}"
        return row

    @property
    def index(self) -> int:
        return int(self.sk)

    def leaf(self) -> Leaf:
        return Leaf(self.request_id or "", int(self.seq or 0), self.event_hash or "")


def event_key(request_id: str) -> str:
    return f"TLOG#EV#{request_id}"


class TreeRow(BaseRow):
    KEY = ("TLOG", "STATE")
    size = NumberAttribute(default=0)
    checkpoint_number = NumberAttribute(null=True)
    checkpoint = JSONAttribute(null=True)
    audited_at = UnicodeAttribute(null=True)
    audited_to = NumberAttribute(null=True)


class CheckpointRow(BaseRow):
    checkpoint = JSONAttribute()

    @staticmethod
    def key(number: int) -> tuple[str, str]:
        return "TLOG#CP", f"{number:010d}"

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointRow:
        return cls(*cls.key(checkpoint.number), checkpoint=checkpoint.to_view())


class AlarmRow(BaseRow):
    raised_at = UnicodeAttribute()


# What this stage witnessed of each stage (a peer's checkpoints, and the disputes about any
# stage's, its own included):
#   held checkpoint    pk WITNESS#<stage>   sk STATE
#   each one accepted  pk WITNESS#<stage>   sk CP#<number:010>
#   dispute            pk WITNESS#<stage>   sk DISPUTE#<found_at>#<number:010>#<found by>


def witness_pk(stage: str) -> str:
    return f"WITNESS#{stage}"


class WitnessedRow(BaseRow):
    number = NumberAttribute()
    checkpoint = JSONAttribute()
    witnessed_at = UnicodeAttribute()


class DisputeRow(BaseRow):
    found_by = UnicodeAttribute()
    found_at = UnicodeAttribute()
    reason = UnicodeAttribute()
    checkpoint = JSONAttribute()  # the checkpoint that does not extend the one held
    held = JSONAttribute(null=True)  # the one the witness held

    @classmethod
    def of(cls, dispute: Dispute) -> DisputeRow:
        sk = f"DISPUTE#{dispute.found_at}#{dispute.checkpoint['number']:010d}#{dispute.found_by}"
        return cls(witness_pk(dispute.stage), sk, **dispute.to_view())

    def to_domain(self) -> Dispute:
        return Dispute(
            stage=self.pk.removeprefix("WITNESS#"),
            found_by=self.found_by,
            found_at=self.found_at,
            reason=self.reason,
            checkpoint=self.checkpoint,
            held=self.held,
        )
