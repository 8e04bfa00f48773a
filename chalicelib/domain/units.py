"""Units: the agencies, departments, towns and villages that issue or ask for proofs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import RuleViolation


class Level(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"


# A parent sits at the same level or above its child (a city department's office is a city unit).
_RANK = {Level.CITY: 0, Level.COUNTY: 1, Level.TOWN: 2, Level.VILLAGE: 3}


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name: str
    level: Level
    county: str
    parent_unit: str | None = None
    name_en: str | None = None
    stage: str = ""  # its home: the stage where it was created, the only one that speaks for it

    def check_parent(self, parent: Unit) -> None:
        if _RANK[parent.level] > _RANK[self.level]:
            raise RuleViolation(
                "invalid_parent_unit",
                f"A {self.level.value} unit cannot sit under a {parent.level.value} unit.",
                "上级单位的层级不能低于本单位。",
                {"parent_unit": parent.unit_id},
            )

    def to_view(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "name": self.name,
            "name_en": self.name_en,
            "level": self.level.value,
            "county": self.county,
            "parent_unit": self.parent_unit,
            "stage": self.stage,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Unit:
        return cls(
            unit_id=data["unit_id"],
            name=data["name"],
            name_en=data.get("name_en"),
            level=Level(data["level"]),
            county=data["county"],
            parent_unit=data.get("parent_unit"),
            stage=data.get("stage") or "",
        )
