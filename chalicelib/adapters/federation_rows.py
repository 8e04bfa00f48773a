"""PynamoDB rows of the federation between stages.

Keys (main table):
  message to send    pk FEDOUT                      sk <message_id>   (ULIDs: commit order)
                     lsi1sk NEW#<message_id>                  not yet handed to the queue
                            QUEUED#<queued_at>#<message_id>   handed to the queue at queued_at
                            REFUSED#<refused_at>#<message_id> refused by the peer for good
  message received   pk FED#IN#<from_stage>#<message_id>  sk A       the answer given (a receipt
                                                                    or a final refusal), kept
  message parked     pk FED#PARK#<request_id>       sk <seq:06>#<message_id>   early: waits
  receipt of a peer  pk FED#RCPT#<message_id>       sk A              what the peer signed
  a peer's proof     pk PEER#<stage>#PROOF#<id>     sk A              mirrored from its log
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.adapters.tables import BaseRow, Lsi1
from chalicelib.domain.federation import Message

OUT = "FEDOUT"
META = "A"


# The states of a message to a peer, as the prefix of its lsi1sk (docs/federation.md, Delivery).
NEW, QUEUED, REFUSED = "NEW#", "QUEUED#", "REFUSED#"


class OutgoingRow(BaseRow):
    """A message to a peer stage. It stays until the peer's receipt (then it is deleted) or a
    final refusal (then it is kept with the answer): the delivery queue is never its only copy."""

    message = JSONAttribute()
    lsi1sk = UnicodeAttribute()
    refusal = JSONAttribute(null=True)
    by_state = Lsi1()

    @classmethod
    def of(cls, message: Message) -> OutgoingRow:
        return cls(OUT, message.message_id, message=message.to_view(), lsi1sk=f"{NEW}{message.message_id}")

    @staticmethod
    def state(prefix: str, at: str, message_id: str) -> str:
        return f"{prefix}{at}#{message_id}"

    def to_domain(self) -> Message:
        return Message.parse(self.message)


class InboxRow(BaseRow):
    from_stage = UnicodeAttribute()
    answer = JSONAttribute()
    pending_since = UnicodeAttribute(null=True)  # claimed by a delivery being taken, not answered yet

    @staticmethod
    def key(from_stage: str, message_id: str) -> tuple[str, str]:
        return f"FED#IN#{from_stage}#{message_id}", META


class ParkedRow(BaseRow):
    message = JSONAttribute()

    @staticmethod
    def partition(request_id: str) -> str:
        return f"FED#PARK#{request_id}"

    @classmethod
    def of(cls, request_id: str, seq: int, message: Message) -> ParkedRow:
        return cls(cls.partition(request_id), f"{seq:06d}#{message.message_id}", message=message.to_view())


class ReceiptRow(BaseRow):
    to_stage = UnicodeAttribute()
    received_at = UnicodeAttribute()
    receipt = UnicodeAttribute()

    @staticmethod
    def key(message_id: str) -> tuple[str, str]:
        return f"FED#RCPT#{message_id}", META


class PeerProofRow(BaseRow):
    version = NumberAttribute()
    proof = JSONAttribute()

    @staticmethod
    def key(stage: str, proof_id: str) -> tuple[str, str]:
        return f"PEER#{stage}#PROOF#{proof_id}", META

    @classmethod
    def of(cls, stage: str, proof: dict[str, Any]) -> PeerProofRow:
        pk, sk = cls.key(stage, proof["proof_id"])
        return cls(pk, sk, version=proof["version"], proof=proof)
