"""Alerts to partner agencies: what an SNS message says. Never any personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EVERY_UNIT = "*"  # target_unit of alerts for everyone (catalogue.changed)

# Every alert this service sends, and whom it tells: the one list that schemas/alert.json's
# enum (written by `make openapi`), the OpenAPI document and docs/api-rules.md follow (tests check).
EVENT_TYPES: dict[str, str] = {
    "verification.requested": "a request to the target unit",
    "verification.accepted": "the target unit accepted: to the requester",
    "verification.completed": "the target unit answered: to the requester",
    "verification.rejected": "the target unit rejected: to the requester",
    "verification.overdue": "past its due date: to both units",
    "verification.cancelled": "the requester withdrew it (its commitment was withdrawn): to both units",
    "commitment.verification_due": "a commitment to check: to the proof's issuing unit",
    "commitment.verification_overdue": "a commitment not checked in time: to the proof's issuing unit",
    "commitment.false": "a commitment found false: to the proof's issuing unit",
    "commitment.withdrawn": "the applicant withdrew it: to the matter's unit",
    "commitment.check_not_confirmed": "the relay did not confirm it: to the matter's unit",
    "lost_notice.reissue_due": "a reissue to do: to the issuing unit",
    "complaint.filed": "a complaint about the unit",
    "inspection.rectification_overdue": "a finding not rectified in time: to the unit inspected",
    "catalogue.changed": "the catalogue changed: to every unit (target_unit *)",
    "transparency.inconsistent": "a stage's log checkpoint was disputed: to target_unit supervision",
}


@dataclass(frozen=True, kw_only=True)  # seven strings: named at every call
class Alert:
    event_type: str
    event_id: str
    occurred_at: str
    county: str
    target_unit: str
    resource_type: str
    resource_id: str

    def __post_init__(self) -> None:
        if self.event_type not in EVENT_TYPES:  # a consumer that validates would drop it
            raise ValueError(f"unknown alert type {self.event_type!r}: add it to EVENT_TYPES")

    def message(self) -> dict[str, Any]:
        return {
            "event_type": self.event_type,
            "event_id": self.event_id,
            "occurred_at": self.occurred_at,
            "county": self.county,
            "target_unit": self.target_unit,
            "resource": {"type": self.resource_type, "id": self.resource_id},
        }

    def attributes(self) -> dict[str, str]:
        """SNS message attributes, for subscription filter policies."""
        return {"event_type": self.event_type, "target_unit": self.target_unit, "county": self.county}

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Alert:
        return cls(
            event_type=message["event_type"],
            event_id=message["event_id"],
            occurred_at=message["occurred_at"],
            county=message["county"],
            target_unit=message["target_unit"],
            resource_type=message["resource"]["type"],
            resource_id=message["resource"]["id"],
        )
