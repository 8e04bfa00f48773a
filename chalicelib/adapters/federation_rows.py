"""PynamoDB rows of the federation between stages.

Keys (main table):
  message to send    pk FEDOUT                      sk <message_id>   (ULIDs: commit order)
                     lsi1sk NEW#<message_id>                  not yet handed to the queue
                            QUEUED#<queued_at>#<message_id>   handed to the queue at queued_at
                            REFUSED#<refused_at>#<message_id> refused by the peer for good
  one message to many pk FEDOUT                      sk <first message_id>#FANOUT
                     lsi1sk NEW#<first message_id>            until forwarding gives each
                                                              peer its own row above
  message received   pk FED#IN#<from_stage>#<message_id>  sk A       the answer given (a receipt
                                                                    or a final refusal), kept
  message parked     pk FED#PARK#<request_id>       sk <seq:06>#<message_id>   early: waits
  receipt of a peer  pk FED#RCPT#<message_id>       sk A              what the peer signed
  a peer's proof     pk PEER#<stage>#PROOF#<id>     sk A              mirrored from its log
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.adapters.tables import BaseRow, Lsi1
from chalicelib.domain.federation import Message

OUT = "FEDOUT"
META = "A"


# The states of a message to a peer, as the prefix of its lsi1sk (docs/federation.md, Delivery).
NEW, QUEUED, REFUSED = "NEW#", "QUEUED#", "REFUSED#"
FAN_OUT = "#FANOUT"  # the sort key's suffix of a fan-out row


class OutgoingRow(BaseRow):
    """A message to a peer stage. It stays until the peer's receipt (then it is deleted) or a
    final refusal (then it is kept with the answer): the delivery queue is never its only copy.

    Or a fan-out: one message to many peers, each under the id it was given, as one row. A
    change writes it in its transaction, which holds 100 items at most while a province's stage
    has 100 peers; forwarding gives each peer its own row (federation_repository.py)."""

    message = JSONAttribute()
    lsi1sk = UnicodeAttribute()
    refusal = JSONAttribute(null=True)
    recipients = JSONAttribute(null=True)  # a fan-out's [[to_stage, message_id], ...]
    expanded = NumberAttribute(null=True)  # how many of them have their own row already
    by_state = Lsi1()

    @classmethod
    def of(cls, message: Message) -> OutgoingRow:
        return cls(OUT, message.message_id, message=message.to_view(), lsi1sk=f"{NEW}{message.message_id}")

    @classmethod
    def fan_out(cls, messages: Sequence[Message]) -> OutgoingRow:
        """One row for messages that differ only in their peer and id (the first's view kept)."""
        first = messages[0]
        return cls(
            OUT,
            f"{first.message_id}{FAN_OUT}",
            message=first.to_view(),
            lsi1sk=f"{NEW}{first.message_id}",
            recipients=[[m.to_stage, m.message_id] for m in messages],
            expanded=0,
        )

    def fanned_out(self) -> list[Message]:
        """A fan-out's messages, each to its peer under its own id, in the order written."""
        return [
            Message.parse({**self.message, "to_stage": to_stage, "message_id": message_id})
            for to_stage, message_id in self.recipients or []
        ]

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
