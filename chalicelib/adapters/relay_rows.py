"""PynamoDB rows of the verification relay.

Keys (main table):
  request        pk VR#<id>       sk A
                 gsi1 VR#OUT#<requester_unit> / <created_at>#<id>
                 gsi2 VR#IN#<target_unit> / <created_at>#<id>
                 gsi3 VR#SUBJ#<HMAC of the subject's resident ID> / <created_at>#<id>
                 gsi4 VR#OUT#<requester_unit>#<status> / <created_at>#<id>
                 gsi5 VR#IN#<target_unit>#<status> / <created_at>#<id>
  trail event    pk VR#<id>       sk EV#<seq:06>
  due marker     pk VR#DUE        sk <due_at>#<id>    (while pending or accepted)
  (a refused request is a supervision record: see unit_records.RefusalRow)
"""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.adapters.row_mapping import record_of, row_values
from chalicelib.adapters.tables import BaseRow, Gsi1, Gsi2, Gsi3, Gsi4, Gsi5, IndexedRow
from chalicelib.domain.relay import Subject, VerificationRequest
from chalicelib.domain.trail import TrailEvent

DUE = "VR#DUE"


def request_pk(request_id: str) -> str:
    return f"VR#{request_id}"


class RequestRow(IndexedRow):
    request_id = UnicodeAttribute()
    requester_unit = UnicodeAttribute()
    target_unit = UnicodeAttribute()
    proof_id = UnicodeAttribute()
    subject = JSONAttribute()
    case_ref = UnicodeAttribute()
    purpose = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    due_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    trail_seq = NumberAttribute()
    trail_hash = UnicodeAttribute(null=True)
    state_seq = NumberAttribute()
    seen = JSONAttribute()
    accepted_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    rejected_at = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    attestation = JSONAttribute(null=True)
    note = UnicodeAttribute(null=True)
    reject_reason = UnicodeAttribute(null=True)
    requester_stage = UnicodeAttribute(null=True)
    target_stage = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    commitment_id = UnicodeAttribute(null=True)
    cancelled_at = UnicodeAttribute(null=True)
    outbox = Gsi1()
    inbox = Gsi2()
    by_subject = Gsi3()
    outbox_by_status = Gsi4()
    inbox_by_status = Gsi5()

    @classmethod
    def of(cls, r: VerificationRequest, pseudonym: Callable[[str], str], here: str) -> RequestRow:
        order = f"{r.created_at}#{r.request_id}"
        by_subject = r.subject.id_type == "resident_id"
        # A unit's boxes list the requests on its home stage's copy only ("": stored before
        # stages federated, so homed here).
        in_outbox = r.requester_stage in ("", here)
        in_inbox = r.target_stage in ("", here)
        return cls(
            request_pk(r.request_id),
            "A",
            **row_values(
                r,
                cls,
                subject=r.subject.whole(),
                gsi1pk=f"VR#OUT#{r.requester_unit}" if in_outbox else None,
                gsi1sk=order if in_outbox else None,
                gsi2pk=f"VR#IN#{r.target_unit}" if in_inbox else None,
                gsi2sk=order if in_inbox else None,
                gsi3pk=f"VR#SUBJ#{pseudonym(r.subject.id_number)}" if by_subject else None,
                gsi3sk=order if by_subject else None,
                gsi4pk=f"VR#OUT#{r.requester_unit}#{r.status.value}" if in_outbox else None,
                gsi4sk=order if in_outbox else None,
                gsi5pk=f"VR#IN#{r.target_unit}#{r.status.value}" if in_inbox else None,
                gsi5sk=order if in_inbox else None,
            ),
        )

    def to_domain(self) -> VerificationRequest:
        return record_of(
            VerificationRequest,
            self,
            subject=Subject(**self.subject),
            seen={k: int(v) for k, v in (self.seen or {}).items()},
        )


class EventRow(BaseRow):
    seq = NumberAttribute()
    type = UnicodeAttribute()
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    detail = JSONAttribute(null=True)
    prev_hash = UnicodeAttribute(null=True)
    hash = UnicodeAttribute()
    stage = UnicodeAttribute(null=True)
    signature = JSONAttribute(null=True)

    @staticmethod
    def key(request_id: str, seq: int) -> tuple[str, str]:
        return request_pk(request_id), f"EV#{seq:06d}"

    @classmethod
    def of(cls, request_id: str, event: TrailEvent) -> EventRow:
        return cls(*cls.key(request_id, event.seq), **event.to_view())

    def to_domain(self) -> TrailEvent:
        return record_of(TrailEvent, self)


class DueRow(BaseRow):
    request_id = UnicodeAttribute()

    @classmethod
    def of(cls, r: VerificationRequest) -> DueRow:
        return cls(DUE, f"{r.due_at}#{r.request_id}", request_id=r.request_id)
