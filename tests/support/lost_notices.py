"""Lost-notice fixtures: the issuing units, a citizen, a notice body."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.stack import SUBJECT_ID, agency_token, citizen_token


@pytest.fixture
def notice_setup(api, admin_token) -> dict[str, Any]:
    """Issuing units hz-gaj (ID cards) and hz-scjgj (business licences), and a citizen."""
    names = {
        "hz-gaj": ("湖州市公安局", "Huzhou Public Security Bureau"),
        "hz-scjgj": ("湖州市市场监管局", None),
    }
    for unit_id, (name, name_en) in names.items():
        body = {"unit_id": unit_id, "name": name, "level": "city", "county": "huzhou"}
        body |= {"name_en": name_en} if name_en else {}
        assert api.post("/units", body, token=admin_token).status_code == 201
    return {"citizen": citizen_token(), "police": agency_token("hz-gaj"), "market": agency_token("hz-scjgj")}


def notice_body(**overrides: Any) -> dict[str, Any]:
    return {
        "doc_type": "resident_id_card",
        "doc_number": SUBJECT_ID,
        "issuing_unit": "hz-gaj",
        "statement": "本人居民身份证于2026年11月20日在湖州火车站遗失，声明作废。",
        "lost_on": "2026-11-20",
        "request_reissue": True,
        "accepted": True,
        **overrides,
    }
