"""Written-commitment fixtures: a handling unit, its commitment items and matter."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.catalogue import proof_body
from tests.support.stack import agency_token, citizen_token, make_token


@pytest.fixture
def commitment_setup(api, admin_token) -> dict[str, Any]:
    """Unit hz-mzj handles PF-M001 (all checked) and PF-M002 (25% sample); matter HZ-MZ-001."""
    for unit_id in ("hz-mzj", "hz-gaj"):
        body = {"unit_id": unit_id, "name": unit_id, "level": "city", "county": "huzhou"}
        assert api.post("/units", body, token=admin_token).status_code == 201
    proofs = {
        "PF-M001": {"commitment": {"verification": "all", "verify_within_days": 20}},
        "PF-M002": {"commitment": {"verification": "sample", "sample_rate": 0.25, "verify_within_days": 30}},
    }
    for proof_id, overrides in proofs.items():
        body = proof_body(
            proof_id=proof_id,
            issuing_unit="hz-mzj",
            disposition="commitment",
            rule="written_commitment",
            **overrides,
        )
        assert api.post("/proofs", body, token=admin_token).status_code == 201
    api.post(
        "/proofs",
        proof_body(
            proof_id="PF-D001", issuing_unit="hz-mzj", disposition="data_sharing", rule="data_sharing"
        ),
        token=admin_token,
    )
    matter = {
        "matter_code": "HZ-MZ-001",
        "name": "最低生活保障申请",
        "unit_id": "hz-mzj",
        "proofs": ["PF-M001", "PF-M002", "PF-D001"],
    }
    assert api.post("/matters", matter, token=admin_token).status_code == 201
    return {"agency": agency_token("hz-mzj"), "other": agency_token("hz-gaj"), "citizen": citizen_token()}


def commit_body(api, proof_id: str = "PF-M001", **overrides: Any) -> dict[str, Any]:
    version = (
        overrides.pop("notice_version", None)
        or api.get(f"/proofs/{proof_id}/commitment-notice").data["notice_version"]
    )
    return {
        "proof_id": proof_id,
        "matter_code": "HZ-MZ-001",
        "notice_version": version,
        "accepted": True,
        **overrides,
    }


def callers(setup: dict[str, Any], **more: str | None) -> dict[str, str | None]:
    """Who knocks in an authorization matrix of a commitment: its owner, strangers of every
    role and no one, plus the units a test adds by name."""
    return {
        "owner": setup["citizen"],
        "other citizen": citizen_token(id_number="11010519491231002X", name="李四", sub_suffix="li"),
        "other agency": setup["other"],
        "supervisor": make_token("supervisor"),
        "catalogue_admin": make_token("catalogue_admin"),
        "anonymous": None,
        **more,
    }
