"""Every record that has a row comes back from it whole, through DynamoDB's own encoding.

Each sample fills every field of its record with a value other than the default, so a field
added to a record and not to its row (or stored under a name the mapping misses) fails here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from chalicelib.adapters.catalogue_rows import ChangeRow, HeadRow, ProofRow
from chalicelib.adapters.commitment_rows import CommitmentRow
from chalicelib.adapters.lost_notice_rows import NoticeRow
from chalicelib.adapters.relay_rows import EventRow, RequestRow
from chalicelib.adapters.supervision_rows import ComplaintRow, InspectionRow
from chalicelib.domain import commitments, lost_notices, relay, supervision
from chalicelib.domain.catalogue import CommitmentTerms, Disposition, ProofItem, Rule
from chalicelib.domain.changelog import ChainHead, ChangeRecord
from chalicelib.domain.trail import TrailEvent

T1, T2, T3 = "2026-11-26T08:00:00Z", "2026-11-27T09:30:00Z", "2026-11-28T10:45:00Z"
ID = "330502199001011234"


def pseudonym(value: str) -> str:
    return f"p({len(value)})"


REQUEST = relay.VerificationRequest(
    request_id="01J0000000000000000000REQ1",
    requester_unit="u-a",
    target_unit="u-b",
    proof_id="p-1",
    subject=relay.Subject("王小明", "resident_id", ID),
    case_ref="case-7",
    purpose="核实户籍",
    status=relay.Status.COMPLETED,
    created_at=T1,
    due_at=T3,
    updated_at=T2,
    trail_seq=3,
    trail_hash="ab" * 32,
    accepted_at=T1,
    completed_at=T2,
    rejected_at=T3,
    outcome="confirmed",
    attestation={"户籍": "湖州"},
    note="备注",
    reject_reason="other",
    state_seq=3,
    seen={"u-a": 2, "u-b": 3},
    requester_stage="local",
    target_stage="peer",
    delivered_at=T2,
    commitment_id="01J0000000000000000000CMT1",
    cancelled_at=T3,
)
EVENT = TrailEvent(
    seq=2,
    type="accepted",
    at=T2,
    actor="u-b",
    detail={"note": "ok"},
    prev_hash="cd" * 32,
    hash="ef" * 32,
    stage="peer",
    signature={"kid": "peer-1", "value": "sig"},
)
COMMITMENT = commitments.Commitment(
    commitment_id="01J0000000000000000000CMT1",
    proof_id="p-1",
    matter_code="m-1",
    issuing_unit="u-b",
    applicant=commitments.Applicant("李四", ID),
    notice_version="v3",
    notice_hash="12" * 32,
    status=commitments.Status.FALSE_COMMITMENT,
    created_at=T1,
    verify_by=T3,
    updated_at=T2,
    version=4,
    verified_at=T2,
    outcome="false_commitment",
    note="不实",
    withdrawn_at=T3,
    handling_unit="u-c",
    check_request_id="01J0000000000000000000REQ1",
    check_outcome="not_confirmed",
    check_method="relay",
    decide_by=T3,
)
NOTICE = lost_notices.LostNotice(
    notice_id="01J0000000000000000000LN01",
    doc_type="resident_id_card",
    doc_number=ID,
    issuing_unit="u-b",
    statement="遗失身份证一张",
    lost_on="2026-11-20",
    request_reissue=True,
    holder=lost_notices.Holder("张三", ID),
    status=lost_notices.Status.REISSUED,
    published_at=T1,
    period_ends_at=T2,
    updated_at=T3,
    version=3,
    withdrawn_at=T2,
    reissued_at=T3,
)
COMPLAINT = supervision.Complaint(
    complaint_id="01J0000000000000000000CP01",
    unit_id="u-b",
    description="仍要求开具证明",
    complainant_name="赵六",
    complainant_id_number=ID,
    suspected_violation=True,
    status=supervision.ComplaintStatus.RESOLVED,
    filed_at=T1,
    updated_at=T2,
    proof_id="p-1",
    proof_name="居住证明",
    matter_code="m-1",
    finding="substantiated",
    action="约谈",
    resolved_at=T2,
    version=2,
)
INSPECTION = supervision.Inspection(
    inspection_id="01J0000000000000000000IN01",
    unit_id="u-b",
    inspected_on="2026-11-25",
    items_checked=12,
    findings=(supervision.Finding("仍收取证明", "2026-12-20", "p-1", T2, "已整改"),),
    recorded_at=T1,
    recorded_by="sup-1",
    updated_at=T2,
    version=2,
)
PROOF = ProofItem(
    proof_id="p-1",
    name="居住证明",
    issuing_unit="u-b",
    legal_basis="某条例第三条",
    disposition=Disposition.COMMITMENT,
    rule=Rule.WRITTEN_COMMITMENT,
    version=5,
    updated_at=T2,
    created_at=T1,
    name_en="Proof of residence",
    guidance="到社区办理",
    commitment=CommitmentTerms("sample", 10, 0.25),
)
CHANGE = ChangeRecord(
    seq=9,
    proof_id="p-1",
    version=5,
    from_disposition="retained",
    to_disposition="commitment",
    rule="written_commitment",
    reason="改为告知承诺",
    decision_ref="湖政办〔2026〕1号",
    changed_at=T2,
    prev_hash="34" * 32,
    hash="56" * 32,
)

CASES: list[tuple[str, Any, Any]] = [
    ("verification request", REQUEST, RequestRow.of(REQUEST, pseudonym, "local")),
    ("trail event", EVENT, EventRow.of(REQUEST.request_id, EVENT)),
    ("commitment", COMMITMENT, CommitmentRow.of(COMMITMENT, pseudonym)),
    ("lost notice", NOTICE, NoticeRow.of(NOTICE, pseudonym)),
    ("complaint", COMPLAINT, ComplaintRow.of(COMPLAINT)),
    ("inspection", INSPECTION, InspectionRow.of(INSPECTION)),
    ("proof item", PROOF, ProofRow.of(PROOF)),
    ("change record", CHANGE, ChangeRow.of(CHANGE)),
    ("chain head", ChainHead(9, "56" * 32, T2), HeadRow.of(CHANGE)),
]


# Fields kept out of the row on purpose: which stage's copy a request is, set when it is loaded.
NOT_STORED = {"recorded_on"}


def as_stored(row: Any) -> Any:
    """The row as DynamoDB hands it back: encoded to attribute values and decoded again."""
    return type(row).from_raw_data(row.serialize())


@pytest.mark.parametrize(("record", "row"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_a_record_comes_back_whole_from_its_stored_row(record: Any, row: Any) -> None:
    # Given a record with every field set
    fields = [f for f in dataclasses.fields(record) if f.name not in NOT_STORED]
    unset = [f.name for f in fields if getattr(record, f.name) == f.default]
    assert unset == [], "fill these fields in the sample, so that the test covers them"

    # When it is written as a row and read back, Then it is the same record
    back = as_stored(row).to_domain()

    def typed(r: Any) -> list[tuple[type, Any]]:  # a StrEnum equals its text: compare types too
        return [(type(getattr(r, f.name)), getattr(r, f.name)) for f in fields]

    assert typed(back) == typed(record)


def test_a_text_field_stored_before_it_existed_reads_as_empty_text() -> None:
    # Given a request stored before stages federated (no stage fields)
    row = as_stored(RequestRow.of(REQUEST, pseudonym, "local"))
    row.requester_stage = None
    row.target_stage = None

    # When read, Then the stages are empty text, as the record's defaults say
    request = row.to_domain()
    assert (request.requester_stage, request.target_stage) == ("", "")
    assert request.status is relay.Status.COMPLETED and isinstance(request.trail_seq, int)


def test_what_is_personal_is_kept_out_of_the_index_keys() -> None:
    # Given rows of records that carry a resident ID number
    rows = [case[2] for case in CASES]

    # Then no index key holds the number: only its pseudonym
    for row in rows:
        keys = {k: v for k, v in row.attribute_values.items() if k.startswith("gsi")}
        assert not any(ID in str(v) for v in keys.values()), type(row).__name__
