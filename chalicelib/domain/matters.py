"""Matters (办事事项) and what a citizen must do, proof by proof, to apply for one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.catalogue import Action, ProofItem


@dataclass(frozen=True)
class Matter:
    matter_code: str
    name: str
    unit_id: str
    proofs: tuple[str, ...]
    name_en: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Matter:
        return cls(
            matter_code=data["matter_code"],
            name=data["name"],
            name_en=data.get("name_en"),
            unit_id=data["unit_id"],
            proofs=tuple(data["proofs"]),
        )

    def to_view(self) -> dict[str, Any]:
        return {
            "matter_code": self.matter_code,
            "name": self.name,
            "name_en": self.name_en,
            "unit_id": self.unit_id,
            "proofs": list(self.proofs),
        }


def requirements(matter: Matter, items: dict[str, ProofItem]) -> dict[str, Any]:
    """Each listed proof with the action it asks of the citizen, in the matter's order."""
    rows = []
    for proof_id in matter.proofs:
        item = items[proof_id]
        rows.append(
            {
                "proof_id": item.proof_id,
                "name": item.name,
                "name_en": item.name_en,
                "disposition": item.disposition.value,
                "rule": None if item.rule is None else item.rule.value,
                "action": item.action.value,
                "guidance": item.guidance,
            }
        )
    return {
        "matter_code": matter.matter_code,
        "name": matter.name,
        "name_en": matter.name_en,
        "unit_id": matter.unit_id,
        "requirements": rows,
        "proofs_required": sum(1 for row in rows if row["action"] == Action.BRING_PROOF),
    }
