"""The public change log of the catalogue: one hash chain per stage, one record per version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.catalogue import ProofItem
from chalicelib.domain.hashchain import record_hash


@dataclass(frozen=True)
class ChainHead:
    """The last record appended: where the next one links to."""

    seq: int
    hash: str
    changed_at: str


@dataclass(frozen=True)
class ChangeRecord:
    seq: int
    proof_id: str
    version: int
    from_disposition: str | None
    to_disposition: str
    rule: str | None
    reason: str
    decision_ref: str | None
    changed_at: str
    prev_hash: str | None
    hash: str = ""

    def to_view(self) -> dict[str, Any]:
        data = {
            "seq": self.seq,
            "proof_id": self.proof_id,
            "version": self.version,
            "from": self.from_disposition,
            "to": self.to_disposition,
            "rule": self.rule,
            "reason": self.reason,
            "decision_ref": self.decision_ref,
            "changed_at": self.changed_at,
            "prev_hash": self.prev_hash,
        }
        data["hash"] = self.hash or record_hash(data)
        return data


def next_record(
    head: ChainHead | None,
    before: ProofItem | None,
    after: ProofItem,
    reason: str,
    decision_ref: str | None,
) -> ChangeRecord:
    """The record that appends the change `before` -> `after` to the chain after `head`.

    `changed_at` never goes back in time along the chain, so `?since=` can use it as a key.
    """
    changed_at = after.updated_at
    if head is not None and head.changed_at > changed_at:
        changed_at = head.changed_at
    record = ChangeRecord(
        seq=1 if head is None else head.seq + 1,
        proof_id=after.proof_id,
        version=after.version,
        from_disposition=None if before is None else before.disposition.value,
        to_disposition=after.disposition.value,
        rule=None if after.rule is None else after.rule.value,
        reason=reason,
        decision_ref=decision_ref,
        changed_at=changed_at,
        prev_hash=None if head is None else head.hash,
    )
    return ChangeRecord(**{**record.__dict__, "hash": record.to_view()["hash"]})
