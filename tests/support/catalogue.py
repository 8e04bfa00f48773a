"""Catalogue fixtures: a registered unit and proof item bodies."""

from __future__ import annotations

from typing import Any

import pytest

CITY_UNIT = {
    "unit_id": "hz-gaj",
    "name": "湖州市公安局",
    "name_en": "Huzhou Public Security Bureau",
    "level": "city",
    "county": "huzhou",
}


def proof_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "亲属关系证明",
        "name_en": "Proof of kinship",
        "issuing_unit": "hz-gaj",
        "legal_basis": "《中华人民共和国户口登记条例》",
        "disposition": "remote_verification",
        "rule": "inter_agency_check",
        **overrides,
    }


@pytest.fixture
def unit(api, admin_token) -> dict[str, Any]:
    """A registered city unit that issues proofs."""
    response = api.post("/units", CITY_UNIT, token=admin_token)
    assert response.status_code == 201, response.data
    return response.data
