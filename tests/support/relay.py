"""Relay fixtures: three units, proof items in several dispositions, a request body."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.catalogue import proof_body
from tests.support.stack import SUBJECT_ID, agency_token


@pytest.fixture
def relay_setup(api, admin_token) -> dict[str, Any]:
    """Units hz-gaj (holds records) and hz-rsj (asks), proof items in several dispositions."""
    for unit_id, name in (("hz-gaj", "湖州市公安局"), ("hz-rsj", "湖州市人社局"), ("hz-mzj", "湖州市民政局")):
        body = {"unit_id": unit_id, "name": name, "level": "city", "county": "huzhou"}
        assert api.post("/units", body, token=admin_token).status_code == 201
    proofs = {
        "PF-R001": {},
        "PF-C001": {"disposition": "cancelled", "rule": "no_legal_basis"},
        "PF-E001": {"disposition": "existing_credential", "rule": "existing_credential"},
        "PF-K001": {"disposition": "retained", "rule": None, "guidance": "窗口办理"},
    }
    for proof_id, overrides in proofs.items():
        response = api.post("/proofs", proof_body(proof_id=proof_id, **overrides), token=admin_token)
        assert response.status_code == 201, response.data
    return {
        "requester": agency_token("hz-rsj"),
        "target": agency_token("hz-gaj"),
        "other": agency_token("hz-mzj"),
    }


def relay_body(**overrides: Any) -> dict[str, Any]:
    return {
        "target_unit": "hz-gaj",
        "proof_id": "PF-R001",
        "subject": {"name": "王小明", "id_type": "resident_id", "id_number": SUBJECT_ID},
        "case_ref": "湖人社〔2026〕案 001",
        "purpose": "核实申请人与被赡养人的亲属关系",
        **overrides,
    }
