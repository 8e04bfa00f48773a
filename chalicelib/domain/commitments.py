"""Written commitments instead of proofs (告知承诺): the notice, the commitment, its check."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.catalogue import Disposition, ProofItem
from chalicelib.domain.errors import Conflict, Forbidden, RuleViolation, not_found
from chalicelib.domain.hashchain import record_hash
from chalicelib.domain.identity import Audience, Identity, Role
from chalicelib.domain.personal_ids import mask_name, mask_number
from chalicelib.domain.units import Unit
from chalicelib.domain.working_days import DayCount

NOTICE_TEMPLATE = "2026.2"  # bump when the wording below changes: every notice gets a new version


class Status(StrEnum):
    ACCEPTED = "accepted"
    VERIFICATION_DUE = "verification_due"
    VERIFIED = "verified"
    FALSE_COMMITMENT = "false_commitment"
    WITHDRAWN = "withdrawn"


OPEN = frozenset({Status.ACCEPTED, Status.VERIFICATION_DUE})


def notice(proof: ProofItem, unit: Unit | None) -> dict[str, Any]:
    """The written notice for a commitment-eligible proof, as the State Council's 2020 guidance
    (国办发〔2020〕42号) asks: what is committed, its legal basis, the conditions, the
    consequences of a false commitment, how and when it is checked, and where to ask."""
    if proof.disposition is not Disposition.COMMITMENT or proof.commitment is None:
        raise not_found("commitment notice", "告知承诺书", proof.proof_id)
    terms = proof.commitment
    unit_name = unit.name if unit else proof.issuing_unit
    checked = (
        "全部核查"
        if terms.verification == "all"
        else f"按 {round((terms.sample_rate or 0) * 100)}% 的比例随机抽查"
    )
    checked_en = (
        "every commitment is checked"
        if terms.verification == "all"
        else f"a random {round((terms.sample_rate or 0) * 100)}% sample is checked"
    )
    days_zh, days_en = (
        (f"{terms.verify_within_days} 个工作日", f"{terms.verify_within_days} working days")
        if terms.day_count is DayCount.WORKING
        else (f"{terms.verify_within_days} 日", f"{terms.verify_within_days} days")
    )
    body: dict[str, Any] = {
        "proof_id": proof.proof_id,
        "proof_name": proof.name,
        "proof_name_en": proof.name_en,
        "content": f"申请人以书面承诺代替提交“{proof.name}”，承诺所述事实真实、准确、完整。",
        "content_en": f"The applicant commits in writing, instead of submitting the "
        f"'{proof.name_en or proof.name}', that the facts stated are true, accurate and complete.",
        "legal_basis": proof.legal_basis,
        "conditions": [
            "申请人本人符合该证明事项所证明的条件；",
            "承诺由申请人本人作出，并已阅读、理解本告知书全部内容；",
            "申请人此前未因虚假承诺被记录失信。",
        ],
        "conditions_en": [
            "The applicant meets the condition the proof would attest;",
            "The applicant commits in person, having read and understood this whole notice;",
            "The applicant has no recorded false commitment.",
        ],
        "consequences": "承诺不实的，行政机关将撤销据此作出的决定，依法追究责任，记入信用记录，"
        "申请人此后不得再以告知承诺方式办理。",
        "consequences_en": "If the commitment is false, the decision made on it is revoked, liability is "
        "pursued under the law, the false commitment is entered in the credit record, and the "
        "applicant may no longer use written commitments.",
        "verification": {
            "method": terms.verification,
            "sample_rate": terms.sample_rate,
            "within_days": terms.verify_within_days,
            "day_count": terms.day_count.value,
            "description": f"{unit_name}在承诺后 {days_zh}内{checked}。",
            "description_en": f"Within {days_en} of the commitment, {checked_en}.",
        },
        "inquiry": {
            "unit_id": proof.issuing_unit,
            "unit_name": unit_name,
            "how": f"可向{unit_name}窗口或通过“浙里办”咨询。",
            "how_en": "Ask at the unit's service window or through the Zheliban app.",
        },
        "notice_version": f"{proof.version}-{NOTICE_TEMPLATE}",
    }
    return {**body, "notice_hash": record_hash(body)}


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str

    def masked(self) -> dict[str, str]:
        return {"name": mask_name(self.name), "id_number": mask_number(self.id_number)}

    def whole(self) -> dict[str, str]:
        return {"name": self.name, "id_number": self.id_number}


@dataclass(frozen=True)
class Commitment:
    commitment_id: str
    proof_id: str
    matter_code: str
    issuing_unit: str
    applicant: Applicant
    notice_version: str
    notice_hash: str
    status: Status
    created_at: str
    verify_by: str
    updated_at: str
    version: int = 1
    verified_at: str | None = None
    outcome: str | None = None
    note: str | None = None
    withdrawn_at: str | None = None
    # The matter's unit, which accepted the commitment; older records had only the issuing unit.
    handling_unit: str = ""
    # A check through the relay: the request to the issuing unit, and what became of it.
    check_request_id: str | None = None
    check_outcome: str | None = None  # confirmed | not_confirmed | rejected | cancelled
    check_method: str | None = None  # how the recorded outcome was established (relay, on_site, ...)
    decide_by: str | None = None  # after a not-confirmed answer: the handling unit decides by then

    @property
    def handled_by(self) -> str:
        return self.handling_unit or self.issuing_unit

    @property
    def check_waiting(self) -> bool:
        """A check through the relay was started and its answer has not come back."""
        return self.check_request_id is not None and self.check_outcome is None

    def is_handling(self, caller: Identity) -> bool:
        """The matter's unit, and the proof's issuing unit, handle the commitment's check."""
        return caller.role is Role.AGENCY and caller.unit_id in (self.handled_by, self.issuing_unit)

    def is_owner(self, caller: Identity) -> bool:
        return caller.role is Role.CITIZEN and caller.id_number == self.applicant.id_number

    def check_visible(self, caller: Identity) -> None:
        """Owner, handling agency and supervisors see it; anyone else must not learn it exists."""
        if not (self.is_owner(caller) or self.is_handling(caller) or caller.role is Role.SUPERVISOR):
            raise not_found("commitment", "承诺", self.commitment_id)

    def withdraw(self, caller: Identity, now: str) -> Commitment:
        self.check_visible(caller)
        if not self.is_owner(caller):
            raise Forbidden(
                "forbidden", "Only the applicant may withdraw a commitment.", "只有承诺人本人可以撤回承诺。"
            )
        if self.status not in OPEN:
            raise invalid_state(self, "withdraw")
        return self._next(status=Status.WITHDRAWN, withdrawn_at=now, updated_at=now)

    def verify(
        self, caller: Identity, outcome: str, note: str | None, now: str, method: str | None = None
    ) -> Commitment:
        self.check_visible(caller)
        if caller.role is not Role.AGENCY:
            raise Forbidden(
                "forbidden",
                "Only the handling agency records the verification.",
                "只有承办单位可以登记核查结果。",
            )
        if self.status not in OPEN:
            raise invalid_state(self, "verify")
        if outcome == "false_commitment" and self.check_outcome == "not_confirmed" and not note:
            raise RuleViolation(
                "note_required",
                "The issuing unit did not confirm: a finding of false commitment needs a note.",
                "出具单位未予确认：认定虚假承诺须由承办人填写说明。",
                {"field": "/note"},
            )
        status = Status.VERIFIED if outcome == "confirmed" else Status.FALSE_COMMITMENT
        changes = {"outcome": outcome, "note": note, "verified_at": now, "updated_at": now}
        # A decision after the issuing unit's "not confirmed" rests on the relay's answer.
        method = method or ("relay" if self.check_outcome == "not_confirmed" else "other")
        return self._next(status=status, check_method=method, **changes)

    # A check through the relay

    def start_check(self, caller: Identity, request_id: str, check_open: bool, now: str) -> Commitment:
        """Link a new relay request to the issuing unit; `check_open`: the last one awaits its answer."""
        self.check_visible(caller)
        if not (caller.role is Role.AGENCY and caller.unit_id == self.handled_by):
            raise Forbidden(
                "forbidden",
                "Only the handling unit (the matter's unit) starts a check.",
                "只有承办单位（事项办理单位）可以发起核查。",
            )
        if self.status is not Status.VERIFICATION_DUE:
            raise invalid_state(self, "check")
        if check_open:
            raise Conflict(
                "check_in_progress",
                "A check of this commitment is already waiting for the issuing unit's answer.",
                "该承诺的核查请求尚在等待出具单位答复。",
                {"request_id": self.check_request_id},
            )
        return self._next(check_request_id=request_id, check_outcome=None, decide_by=None, updated_at=now)

    def unlink(self, request_id: str) -> Commitment | None:
        """Undo `start_check` when the relay refused the request."""
        if self.check_request_id != request_id:
            return None
        return self._next(check_request_id=None)

    def follow_check(self, request_id: str, answer: str, now: str, decide_by: str) -> Commitment | None:
        """The commitment after the issuing unit's `answer` (confirmed, not_confirmed, rejected,
        cancelled) to its check; None if it is not its current check or was followed already.
        A commitment no longer due (withdrawn, or decided otherwise meanwhile) keeps the answer
        as moot, and nothing else changes."""
        if request_id != self.check_request_id or self.check_outcome is not None:
            return None
        if self.status is not Status.VERIFICATION_DUE:
            return self._next(check_outcome=answer)
        if answer == "confirmed":
            changes = {"outcome": "confirmed", "verified_at": now, "check_method": "relay"}
            return self._next(status=Status.VERIFIED, check_outcome=answer, updated_at=now, **changes)
        if answer == "not_confirmed":
            later = max(self.verify_by, decide_by)
            return self._next(check_outcome=answer, decide_by=decide_by, verify_by=later, updated_at=now)
        return self._next(check_outcome=answer, updated_at=now)

    def _next(self, **changes: Any) -> Commitment:
        return dataclasses.replace(self, **changes, version=self.version + 1)

    def audience_for(self, caller: Identity) -> Audience:
        return Audience.ENTITLED if self.is_owner(caller) else Audience.PUBLIC

    def to_view(self, audience: Audience) -> dict[str, Any]:
        """Whole for the applicant, masked for the handling unit and supervisors; the 201
        receipt, which idempotency keeps, holds ids and dates and nothing personal."""
        if audience is Audience.RECEIPT:
            return self._receipt()
        return {
            "commitment_id": self.commitment_id,
            "status": self.status.value,
            "proof_id": self.proof_id,
            "matter_code": self.matter_code,
            "issuing_unit": self.issuing_unit,
            "applicant": self.applicant.whole() if audience is Audience.ENTITLED else self.applicant.masked(),
            "notice_version": self.notice_version,
            "notice_hash": self.notice_hash,
            "created_at": self.created_at,
            "verify_by": self.verify_by,
            "verified_at": self.verified_at,
            "outcome": self.outcome,
            "note": self.note,
            "withdrawn_at": self.withdrawn_at,
            "handling_unit": self.handled_by,
            "check_request_id": self.check_request_id,
            "check_outcome": self.check_outcome,
            "check_method": self.check_method,
            "decide_by": self.decide_by,
        }

    def _receipt(self) -> dict[str, Any]:
        return {
            "commitment_id": self.commitment_id,
            "status": self.status.value,
            "proof_id": self.proof_id,
            "matter_code": self.matter_code,
            "notice_version": self.notice_version,
            "created_at": self.created_at,
            "verify_by": self.verify_by,
        }


def check_eligible(proof: ProofItem, matter_proofs: tuple[str, ...]) -> None:
    if proof.disposition is not Disposition.COMMITMENT or proof.commitment is None:
        raise RuleViolation(
            "commitment_not_allowed",
            f"Proof item '{proof.proof_id}' cannot be replaced by a written commitment.",
            "该证明事项不适用告知承诺制。",
            {"proof_id": proof.proof_id, "disposition": proof.disposition.value},
        )
    if proof.proof_id not in matter_proofs:
        raise RuleViolation(
            "commitment_not_allowed",
            f"The matter does not ask for proof item '{proof.proof_id}'.",
            "该办事事项不需要此证明，无需承诺。",
            {"proof_id": proof.proof_id},
        )


def check_notice_read(notice_version: str, current: dict[str, Any]) -> None:
    if notice_version != current["notice_version"]:
        raise Conflict(
            "notice_outdated",
            "The notice has changed since you read it: read the current notice and commit again.",
            "告知承诺书已更新，请阅读最新版本后重新承诺。",
            {"current_notice_version": current["notice_version"]},
        )


def barred() -> Forbidden:
    return Forbidden(
        "commitment_barred",
        "A false commitment is on record for the applicant: the proof itself is required.",
        "申请人有虚假承诺记录，不得再以告知承诺方式办理，请提交证明材料。",
    )


def picked_for_check(proof: ProofItem, draw: float) -> bool:
    """Whether this commitment is checked: all of them, or those whose draw falls in the sample."""
    terms = proof.commitment
    assert terms is not None
    return terms.verification == "all" or draw < (terms.sample_rate or 0)


def invalid_state(commitment: Commitment, action: str) -> Conflict:
    return Conflict(
        "invalid_state",
        f"Cannot {action} a commitment that is {commitment.status.value}.",
        f"承诺当前状态为“{commitment.status.value}”，不能执行该操作。",
        {"status": commitment.status.value},
    )
