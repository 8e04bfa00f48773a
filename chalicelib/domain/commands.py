"""What each write asks for: the request bodies, typed, as their JSON Schemas in schemas/ admit
them. The schema checks the body at the door (api/routing); these types let mypy check every
service and rule that reads it. tests/unit/test_commands.py keeps each type's fields, and
which of them are required, equal to its schema's."""

# No `from __future__ import annotations` here: TypedDict reads NotRequired[...] at run time,
# and the test that holds these types to their schemas reads __required_keys__.
from typing import Any, Literal, NotRequired, TypedDict


class NewUnit(TypedDict):
    unit_id: str
    name: str
    name_en: NotRequired[str]
    level: str
    county: str
    parent_unit: NotRequired[str | None]


class Terms(TypedDict):
    verification: Literal["all", "sample"]
    sample_rate: NotRequired[float]
    verify_within_days: int
    day_count: NotRequired[Literal["calendar", "working"]]


class NewProof(TypedDict):
    proof_id: NotRequired[str]
    name: str
    name_en: NotRequired[str]
    issuing_unit: str
    legal_basis: str
    disposition: str
    rule: NotRequired[str | None]
    guidance: NotRequired[str]
    commitment: NotRequired[Terms]
    reason: NotRequired[str]
    decision_ref: NotRequired[str]


class NewMatter(TypedDict):
    matter_code: str
    name: str
    name_en: NotRequired[str]
    unit_id: str
    proofs: list[str]


class SubjectData(TypedDict):
    name: str
    id_type: Literal["resident_id", "uscc"]
    id_number: str


class NewRequest(TypedDict):
    target_unit: str
    proof_id: str
    subject: SubjectData
    case_ref: str
    purpose: str


class Answer(TypedDict):
    outcome: Literal["confirmed", "not_confirmed"]
    attestation: dict[str, Any]
    note: NotRequired[str]


class Rejection(TypedDict):
    reason: Literal["wrong_unit", "insufficient_information", "no_record", "other"]
    note: NotRequired[str]


class NewCommitment(TypedDict):
    proof_id: str
    matter_code: str
    notice_version: str
    accepted: Literal[True]


class Verification(TypedDict):
    outcome: Literal["confirmed", "false_commitment"]
    note: NotRequired[str]
    method: NotRequired[Literal["relay", "on_site", "documents", "data_sharing", "other"]]


class CheckStart(TypedDict):
    case_ref: NotRequired[str]
    purpose: NotRequired[str]


class NewNotice(TypedDict):
    doc_type: str
    doc_number: str
    issuing_unit: str
    statement: str
    lost_on: NotRequired[str | None]
    request_reissue: bool
    accepted: Literal[True]


class NewComplaint(TypedDict):
    unit_id: str
    proof_id: NotRequired[str | None]
    proof_name: NotRequired[str | None]
    matter_code: NotRequired[str | None]
    description: str


class Resolution(TypedDict):
    finding: Literal["substantiated", "unsubstantiated"]
    action: str


class FindingData(TypedDict):
    proof_id: NotRequired[str]
    problem: str
    rectify_by: str


class NewInspection(TypedDict):
    unit_id: str
    inspected_on: str
    items_checked: int
    findings: list[FindingData]


SCHEMA_OF: dict[type, str] = {
    NewUnit: "unit-create",
    NewProof: "proof-create",
    NewMatter: "matter-create",
    NewRequest: "verification-create",
    Answer: "verification-respond",
    Rejection: "verification-reject",
    NewCommitment: "commitment-create",
    Verification: "commitment-verification",
    CheckStart: "commitment-check",
    NewNotice: "lost-notice-create",
    NewComplaint: "complaint-create",
    Resolution: "complaint-resolve",
    NewInspection: "inspection-create",
}
