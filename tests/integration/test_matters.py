"""Matters and what a citizen must do for each of the proofs they list."""

from tests.support import make_token, proof_body


def setup_matter(api, token):
    ids = {}
    for key, overrides in {
        "shared": {"disposition": "data_sharing", "rule": "data_sharing"},
        "licence": {"disposition": "existing_credential", "rule": "existing_credential"},
        "commit": {
            "disposition": "commitment",
            "rule": "written_commitment",
            "commitment": {"verification": "sample", "sample_rate": 0.2, "verify_within_days": 30},
        },
        "bring": {"disposition": "retained", "rule": None, "guidance": "到派出所开具"},
        "gone": {"disposition": "cancelled", "rule": "no_legal_basis"},
    }.items():
        ids[key] = api.post("/proofs", proof_body(name=key, **overrides), token=token).data["proof_id"]
    matter = {
        "matter_code": "HZ-MZ-001",
        "name": "最低生活保障申请",
        "unit_id": "hz-gaj",
        "proofs": [ids[k] for k in ("bring", "shared", "licence", "commit", "gone")],
    }
    response = api.post("/matters", matter, token=token)
    assert response.status_code == 201, response.data
    return ids


def test_requirements_say_proof_by_proof_what_to_do(api, admin_token, unit):
    ids = setup_matter(api, admin_token)
    response = api.get("/matters/HZ-MZ-001/requirements")
    assert response.status_code == 200
    rows = response.data["requirements"]
    assert [(r["proof_id"], r["action"]) for r in rows] == [
        (ids["bring"], "bring_proof"),
        (ids["shared"], "none"),
        (ids["licence"], "show_existing_credential"),
        (ids["commit"], "sign_commitment"),
        (ids["gone"], "none"),
    ]
    assert response.data["proofs_required"] == 1
    assert rows[0]["guidance"] == "到派出所开具" and rows[1]["rule"] == "data_sharing"


def test_requirements_follow_the_catalogue_as_it_changes(api, admin_token, unit):
    ids = setup_matter(api, admin_token)
    api.patch(
        f"/proofs/{ids['bring']}",
        {"version": 1, "reason": "数据共享", "disposition": "data_sharing", "rule": "data_sharing"},
        token=admin_token,
    )
    assert api.get("/matters/HZ-MZ-001/requirements").data["proofs_required"] == 0


def test_a_matter_must_name_known_units_and_proofs_and_a_new_code(api, admin_token, unit):
    ids = setup_matter(api, admin_token)
    base = {"matter_code": "HZ-X", "name": "事项", "unit_id": "hz-gaj", "proofs": [ids["bring"]]}
    ghost_unit = api.post("/matters", {**base, "unit_id": "ghost"}, token=admin_token)
    assert (ghost_unit.status_code, ghost_unit.data["code"]) == (422, "unknown_unit")
    ghost_proof = api.post("/matters", {**base, "proofs": [ids["bring"], "PF-NONE"]}, token=admin_token)
    assert (ghost_proof.status_code, ghost_proof.data["code"]) == (422, "unknown_proof")
    assert ghost_proof.data["details"] == {"proof_ids": ["PF-NONE"]}
    taken = api.post("/matters", {**base, "matter_code": "HZ-MZ-001"}, token=admin_token)
    assert (taken.status_code, taken.data["code"]) == (409, "matter_exists")
    assert api.get("/matters/HZ-X").status_code == 404


def test_only_catalogue_admins_register_matters(api, admin_token, unit):
    body = {"matter_code": "HZ-Y", "name": "事项", "unit_id": "hz-gaj", "proofs": []}
    response = api.post("/matters", body, token=make_token("agency", unit_id="hz-gaj"))
    assert response.status_code == 403
    assert api.post("/matters", body, token=admin_token).status_code == 201
    assert api.get("/matters/HZ-Y").data["proofs"] == []


def test_an_unknown_matter_is_404(api):
    response = api.get("/matters/NOPE/requirements")
    assert (response.status_code, response.data["code"]) == (404, "matter_not_found")
