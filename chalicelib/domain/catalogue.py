"""The proof catalogue: what each proof item's disposition means and which changes are allowed."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import Conflict, RuleViolation, already_exists
from chalicelib.domain.working_days import DayCount

if TYPE_CHECKING:  # annotations only: the schema checked the body, mypy checks its use
    from chalicelib.domain.commands import NewProof


class Disposition(StrEnum):
    CANCELLED = "cancelled"
    EXISTING_CREDENTIAL = "existing_credential"
    DATA_SHARING = "data_sharing"
    REMOTE_VERIFICATION = "remote_verification"
    COMMITMENT = "commitment"
    RETAINED = "retained"


class Rule(StrEnum):
    """The six principles under which a proof may be cancelled."""

    NO_LEGAL_BASIS = "no_legal_basis"
    ISSUER_CANNOT_VERIFY = "issuer_cannot_verify"
    EXISTING_CREDENTIAL = "existing_credential"
    WRITTEN_COMMITMENT = "written_commitment"
    INTER_AGENCY_CHECK = "inter_agency_check"
    DATA_SHARING = "data_sharing"


class Action(StrEnum):
    """What a citizen must do about a proof a matter lists."""

    NONE = "none"
    SHOW_EXISTING_CREDENTIAL = "show_existing_credential"
    SIGN_COMMITMENT = "sign_commitment"
    BRING_PROOF = "bring_proof"


ACTION_BY_DISPOSITION = {
    Disposition.CANCELLED: Action.NONE,
    Disposition.DATA_SHARING: Action.NONE,
    Disposition.REMOTE_VERIFICATION: Action.NONE,
    Disposition.EXISTING_CREDENTIAL: Action.SHOW_EXISTING_CREDENTIAL,
    Disposition.COMMITMENT: Action.SIGN_COMMITMENT,
    Disposition.RETAINED: Action.BRING_PROOF,
}

# Fields a PATCH may change besides the disposition itself.
EDITABLE_FIELDS = ("name", "name_en", "legal_basis", "guidance", "commitment")


@dataclass(frozen=True)
class CommitmentTerms:
    verification: str  # "all" | "sample"
    verify_within_days: int
    sample_rate: float | None = None
    day_count: DayCount = DayCount.CALENDAR

    def to_view(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "verification": self.verification,
            "verify_within_days": self.verify_within_days,
            "day_count": self.day_count.value,
        }
        if self.sample_rate is not None:
            data["sample_rate"] = self.sample_rate
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> CommitmentTerms | None:
        if data is None:
            return None
        rate = data.get("sample_rate")
        return cls(
            verification=data["verification"],
            verify_within_days=int(data["verify_within_days"]),
            sample_rate=None if rate is None else float(rate),
            day_count=DayCount(data.get("day_count", DayCount.CALENDAR)),
        )


@dataclass(frozen=True)
class ProofItem:
    proof_id: str
    name: str
    issuing_unit: str
    legal_basis: str
    disposition: Disposition
    rule: Rule | None
    version: int
    updated_at: str
    created_at: str
    name_en: str | None = None
    guidance: str | None = None
    commitment: CommitmentTerms | None = None

    @property
    def action(self) -> Action:
        return ACTION_BY_DISPOSITION[self.disposition]

    @property
    def is_cancelled(self) -> bool:
        """Counted as cancelled by the reform: anything not retained."""
        return self.disposition is not Disposition.RETAINED

    def check_consistent(self) -> None:
        """Refuse combinations of disposition, rule, guidance and terms that mean nothing."""
        if self.disposition is Disposition.RETAINED:
            if self.rule is not None:
                raise _refusal(
                    "rule_not_allowed",
                    "A retained proof item carries no cancellation rule.",
                    "保留的证明事项不适用取消规则。",
                )
            if not self.guidance:
                raise _refusal(
                    "guidance_required",
                    "A retained proof item must say where and how to obtain it (guidance).",
                    "保留的证明事项须写明开具单位和办理方式（guidance）。",
                )
        elif self.rule is None:
            raise _refusal(
                "rule_required",
                "Every disposition except retained needs one of the six cancellation rules.",
                "除保留外的处理方式须注明六类取消规则之一。",
            )
        if self.disposition is Disposition.COMMITMENT and self.commitment is None:
            raise _refusal(
                "commitment_terms_required",
                "A proof replaced by a written commitment needs its verification terms.",
                "以告知承诺替代的证明事项须写明核查方式和期限。",
            )
        terms = self.commitment
        if terms is not None and terms.verification == "sample" and terms.sample_rate is None:
            raise _refusal(
                "sample_rate_required",
                "Sample verification needs a sample_rate between 0 and 1.",
                "抽查核查须给出抽查比例（sample_rate，0 到 1）。",
            )

    @classmethod
    def from_view(cls, view: Mapping[str, Any]) -> ProofItem:
        """The item from its view: a peer's item as mirrored from the peer's change log."""
        rule = view.get("rule")
        return cls(
            proof_id=view["proof_id"],
            name=view["name"],
            name_en=view.get("name_en"),
            issuing_unit=view["issuing_unit"],
            legal_basis=view["legal_basis"],
            disposition=Disposition(view["disposition"]),
            rule=None if rule is None else Rule(rule),
            guidance=view.get("guidance"),
            commitment=CommitmentTerms.from_dict(view.get("commitment")),
            version=int(view["version"]),
            created_at=view["created_at"],
            updated_at=view["updated_at"],
        )

    def to_view(self) -> dict[str, Any]:
        return {
            "proof_id": self.proof_id,
            "name": self.name,
            "name_en": self.name_en,
            "issuing_unit": self.issuing_unit,
            "legal_basis": self.legal_basis,
            "disposition": self.disposition.value,
            "rule": None if self.rule is None else self.rule.value,
            "action": self.action.value,
            "guidance": self.guidance,
            "commitment": None if self.commitment is None else self.commitment.to_view(),
            "version": self.version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class ProofChange:
    """A requested change to a proof item (the body of PATCH /proofs/{id})."""

    expected_version: int
    reason: str
    decision_ref: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


def new_proof(data: NewProof, proof_id: str, now: str) -> ProofItem:
    item = ProofItem(
        proof_id=proof_id,
        name=data["name"],
        name_en=data.get("name_en"),
        issuing_unit=data["issuing_unit"],
        legal_basis=data["legal_basis"],
        disposition=Disposition(data["disposition"]),
        rule=_rule(data.get("rule")),
        guidance=data.get("guidance"),
        commitment=CommitmentTerms.from_dict(data.get("commitment")),
        version=1,
        created_at=now,
        updated_at=now,
    )
    item.check_consistent()
    return item


def apply_change(item: ProofItem, change: ProofChange, now: str) -> ProofItem:
    """The next version of `item`, or a refusal if `change` is stale or incoherent."""
    if change.expected_version != item.version:
        raise Conflict(
            "version_conflict",
            f"The item is at version {item.version}, not {change.expected_version}: "
            "reload it and apply your change again.",
            f"该事项当前为第 {item.version} 版，不是第 {change.expected_version} 版，请刷新后重试。",
            {"current_version": item.version},
        )
    fields = change.fields
    disposition = Disposition(fields.get("disposition", item.disposition))
    rule = _rule(fields["rule"]) if "rule" in fields else item.rule
    if disposition is Disposition.RETAINED and "rule" not in fields:
        rule = None  # leaving the cancelled state drops the old rule with it
    updates: dict[str, Any] = {k: fields[k] for k in EDITABLE_FIELDS if k in fields}
    if "commitment" in updates:
        updates["commitment"] = CommitmentTerms.from_dict(updates["commitment"])
    if disposition is not Disposition.COMMITMENT and "commitment" not in fields:
        updates["commitment"] = None
    updated = dataclasses.replace(
        item,
        **updates,
        disposition=disposition,
        rule=rule,
        version=item.version + 1,
        updated_at=now,
    )
    updated.check_consistent()
    return updated


def _rule(value: str | None) -> Rule | None:
    return None if value is None else Rule(value)


def _refusal(code: str, message: str, message_zh: str) -> RuleViolation:
    return RuleViolation(code, message, message_zh)


def refused_write(before: ProofItem | None, after: ProofItem) -> Conflict:
    """Why a write of `after` over `before` found something else stored: the item was created
    meanwhile (proof_exists), or changed since it was read (version_conflict)."""
    if before is None:
        return already_exists("proof item", "证明事项", "proof_id", after.proof_id)
    return Conflict(
        "version_conflict",
        f"Proof item '{after.proof_id}' changed meanwhile: reload it and apply your change again.",
        "该证明事项已被他人修改，请刷新后重试。",
        {"proof_id": after.proof_id},
    )


def disposition_moves(before: ProofItem | None, after: ProofItem) -> dict[str, int]:
    """How a write of `after` over `before` moves the count of items per disposition."""
    if before is not None and before.disposition == after.disposition:
        return {}
    moves = {after.disposition.value: 1}
    if before is not None:
        moves[before.disposition.value] = -1
    return moves
