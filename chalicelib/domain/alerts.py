"""Alerts to partner agencies: what an SNS message says. Never any personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EVERY_UNIT = "*"  # target_unit of alerts for everyone (catalogue.changed)


@dataclass(frozen=True, kw_only=True)  # seven strings: named at every call
class Alert:
    event_type: str
    event_id: str
    occurred_at: str
    county: str
    target_unit: str
    resource_type: str
    resource_id: str

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
