"""Lost-document notices published online instead of in a newspaper (遗失声明网上公示)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import Conflict, Forbidden, RuleViolation, not_found, validation_error
from chalicelib.domain.identity import Audience, Identity, Role
from chalicelib.domain.personal_ids import mask_name, mask_number, normalise_resident_id, normalise_uscc

if TYPE_CHECKING:  # annotations only: the schema checked the body, mypy checks its use
    from chalicelib.domain.commands import NewNotice

# Days a notice stays on the board before a reissue may follow; a stage may override each.
DEFAULT_PERIOD_DAYS = {
    "resident_id_card": 7,
    "household_register": 7,
    "business_licence": 20,
    "driving_licence": 7,
    "property_certificate": 15,
    "other": 7,
}


class Status(StrEnum):
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    REISSUED = "reissued"


@dataclass(frozen=True)
class Holder:
    name: str
    id_number: str


@dataclass(frozen=True)
class LostNotice:
    notice_id: str
    doc_type: str
    doc_number: str
    issuing_unit: str
    statement: str
    lost_on: str | None
    request_reissue: bool
    holder: Holder
    status: Status
    published_at: str
    period_ends_at: str
    updated_at: str
    version: int = 1
    withdrawn_at: str | None = None
    reissued_at: str | None = None

    @property
    def doc_number_masked(self) -> str:
        return mask_document(self.doc_number)

    @property
    def holder_masked(self) -> str:
        return mask_name(self.holder.name)

    def is_owner(self, caller: Identity | None) -> bool:
        return (
            caller is not None and caller.role is Role.CITIZEN and caller.id_number == self.holder.id_number
        )

    def withdraw(self, caller: Identity, now: str) -> LostNotice:
        if not self.is_owner(caller):
            raise Forbidden(
                "forbidden", "Only the holder may withdraw the notice.", "只有声明人本人可以撤回声明。"
            )
        if self.status is not Status.PUBLISHED:
            raise invalid_state(self, "withdraw")
        return dataclasses.replace(
            self, status=Status.WITHDRAWN, withdrawn_at=now, updated_at=now, version=self.version + 1
        )

    def reissue(self, caller: Identity, now: str) -> LostNotice:
        if caller.role is not Role.AGENCY or caller.unit_id != self.issuing_unit:
            raise Forbidden(
                "forbidden",
                "Only the unit that issues this document may reissue it.",
                "只有该证件的发证单位可以补发。",
            )
        if self.status is not Status.PUBLISHED or now < self.period_ends_at:
            raise invalid_state(self, "reissue")
        if not self.request_reissue:
            raise RuleViolation(
                "reissue_not_requested",
                "The holder did not ask for a reissue with this notice.",
                "声明人未在本声明中申请补发。",
            )
        return dataclasses.replace(
            self, status=Status.REISSUED, reissued_at=now, updated_at=now, version=self.version + 1
        )

    def audience_for(self, caller: Identity | None) -> Audience:
        return Audience.ENTITLED if self.is_owner(caller) else Audience.PUBLIC

    def to_view(self, audience: Audience = Audience.PUBLIC) -> dict[str, Any]:
        """Masked on the board, for everyone and in the 201 receipt (which idempotency keeps);
        whole, with the holder's own details, for the holder."""
        view: dict[str, Any] = {
            "notice_id": self.notice_id,
            "doc_type": self.doc_type,
            "doc_number_masked": self.doc_number_masked,
            "holder_masked": self.holder_masked,
            "statement": self.statement,
            "issuing_unit": self.issuing_unit,
            "status": self.status.value,
            "published_at": self.published_at,
            "period_ends_at": self.period_ends_at,
            "lost_on": self.lost_on,
            "request_reissue": self.request_reissue,
            "withdrawn_at": self.withdrawn_at,
            "reissued_at": self.reissued_at,
        }
        if audience is Audience.ENTITLED:
            view.update(
                doc_number=self.doc_number,
                holder={"name": self.holder.name, "id_number": self.holder.id_number},
            )
        return view


def publish(
    notice_id: str,
    data: NewNotice,
    holder: Holder,
    now: str,
    periods: Mapping[str, int],
    today: date,
    period_end: Callable[[int], str],
) -> LostNotice:
    """A new notice, published at once, after checking the document number and the dates; its
    period ends `period_end(days)`, the days of its document type counted as the stage counts."""
    if data["doc_type"] not in periods:
        raise validation_error(
            f"doc_type must be one of: {', '.join(sorted(periods))}.",
            "证件类型不在本地支持的范围内。",
            {"field": "/doc_type", "allowed": sorted(periods)},
        )
    number = check_document_number(data["doc_type"], data["doc_number"], holder)
    lost_on = data.get("lost_on")
    if lost_on is not None and not _past_date(lost_on, today):
        raise validation_error(
            "lost_on must be a real date (YYYY-MM-DD), not in the future.",
            "遗失日期须为有效日期（YYYY-MM-DD），且不能晚于今天。",
            {"field": "/lost_on"},
        )
    return LostNotice(
        notice_id=notice_id,
        doc_type=data["doc_type"],
        doc_number=number,
        issuing_unit=data["issuing_unit"],
        statement=data["statement"],
        lost_on=lost_on,
        request_reissue=bool(data["request_reissue"]),
        holder=holder,
        status=Status.PUBLISHED,
        published_at=now,
        period_ends_at=period_end(periods[data["doc_type"]]),
        updated_at=now,
    )


def _past_date(text: str, today: date) -> bool:
    try:
        return date.fromisoformat(text) <= today
    except ValueError:
        return False


def check_document_number(doc_type: str, raw: str, holder: Holder) -> str:
    """The number, normalised; checked where its type has a check-digit standard."""
    number = raw.strip().upper()
    if doc_type == "resident_id_card":
        valid = normalise_resident_id(number)
        if valid is None:
            raise _bad_number("GB 11643")
        if valid != holder.id_number:
            raise RuleViolation(
                "not_holder",
                "A lost resident ID card can only be declared by its holder.",
                "居民身份证遗失声明只能由持证人本人办理。",
            )
        return valid
    if doc_type == "business_licence":
        code = normalise_uscc(number)
        if code is None:
            raise _bad_number("GB 32100")
        return code
    return number


def mask_document(number: str) -> str:
    if len(number) >= 12:
        return mask_number(number)
    keep = max(len(number) // 4, 1)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


def periods_for(overrides: Mapping[str, int]) -> dict[str, int]:
    return {**DEFAULT_PERIOD_DAYS, **overrides}


def _bad_number(standard: str) -> Any:
    return validation_error(
        f"doc_number is not valid ({standard}: format and check digit).",
        "证件号码格式或校验码不正确。",
        {"field": "/doc_number"},
    )


def invalid_state(notice: LostNotice, action: str) -> Conflict:
    when = " before its publication period ends" if notice.status is Status.PUBLISHED else ""
    return Conflict(
        "invalid_state",
        f"Cannot {action} a notice that is {notice.status.value}{when}.",
        f"声明当前状态为“{notice.status.value}”，不能执行该操作（补发须在公示期满后办理）。",
        {"status": notice.status.value, "period_ends_at": notice.period_ends_at},
    )


def unknown_notice(notice_id: str) -> Any:
    return not_found("lost notice", "遗失声明", notice_id)


def notice_exists(first_id: str) -> Conflict:
    """A document its holder already declared lost, in a notice still published."""
    return Conflict(
        "notice_exists",
        f"This document is already on notice ({first_id}): withdraw that notice to declare it again.",
        f"该证件已有公示中的遗失声明（{first_id}），如需重新声明请先撤回原声明。",
        {"notice_id": first_id},
    )
