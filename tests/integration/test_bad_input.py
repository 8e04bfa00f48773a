"""Every kind of bad input is a 4xx with the error body, never a 5xx nor a half-written record."""

import json

import pytest

from tests.support import make_token, proof_body

BAD_PROOF_BODIES = [
    ("not json", b"{name:"),
    ("empty", b""),
    ("array", json.dumps([proof_body()])),
    ("string", json.dumps("证明")),
    ("null", b"null"),
    ("latin-1 bytes", '{"name": "\xe9"}'.encode("latin-1")),
    ("unknown field", json.dumps(proof_body(version=7))),
    ("mass assignment", json.dumps(proof_body(created_at="2000-01-01T00:00:00Z"))),
    ("missing name", json.dumps({k: v for k, v in proof_body().items() if k != "name"})),
    ("bad disposition", json.dumps(proof_body(disposition="abolished"))),
    ("bad rule", json.dumps(proof_body(rule="because"))),
    ("number as name", json.dumps(proof_body(name=42))),
    ("empty name", json.dumps(proof_body(name=""))),
    ("huge name", json.dumps(proof_body(name="证" * 201))),
    ("bad id", json.dumps(proof_body(proof_id="../etc/passwd"))),
    (
        "bad terms",
        json.dumps(
            proof_body(
                disposition="commitment", rule="written_commitment", commitment={"verification": "often"}
            )
        ),
    ),
    (
        "rate above 1",
        json.dumps(
            proof_body(
                disposition="commitment",
                rule="written_commitment",
                commitment={"verification": "sample", "sample_rate": 2, "verify_within_days": 5},
            )
        ),
    ),
    ("deeply nested", "[" * 5000 + "]" * 5000),
    ("too large", json.dumps(proof_body(legal_basis="法" * 30000))),
]


@pytest.mark.parametrize(("what", "raw"), BAD_PROOF_BODIES, ids=[w for w, _ in BAD_PROOF_BODIES])
def test_bad_proof_bodies_are_400_and_write_nothing(api, admin_token, unit, what, raw):
    response = api.post("/proofs", raw=raw, token=admin_token)
    assert response.status_code == 400, (what, response.status_code, response.body)
    assert response.data["code"] in {"validation_error", "payload_too_large"}
    assert response.data["message"] and response.data["message_zh"]
    assert api.get("/stats").data["catalogue"]["total"] == 0


BAD_PATCHES = [
    ({"reason": "r", "name": "n"}, 400),  # no version
    ({"version": 1, "name": "n"}, 400),  # no reason
    ({"version": 1, "reason": "r"}, 400),  # nothing to change
    ({"version": "1", "reason": "r", "name": "n"}, 400),
    ({"version": 0, "reason": "r", "name": "n"}, 400),
    ({"version": 1, "reason": "r", "proof_id": "other"}, 400),
    ({"version": 1, "reason": "r", "issuing_unit": "x"}, 400),
    ({"version": 1, "reason": "r", "rule": None}, 422),
    ({"version": 1, "reason": "r", "disposition": "commitment"}, 422),
    ({"version": 1, "reason": "r", "disposition": "retained"}, 422),
    ({"version": 9, "reason": "r", "name": "n"}, 409),
]


@pytest.mark.parametrize(("change", "status"), BAD_PATCHES)
def test_bad_patches_are_refused_and_leave_the_item_as_it_was(api, admin_token, unit, change, status):
    created = api.post("/proofs", proof_body(), token=admin_token).data
    response = api.patch(f"/proofs/{created['proof_id']}", change, token=admin_token)
    assert response.status_code == status, response.data
    assert set(response.data) >= {"code", "message", "message_zh"}
    assert api.get(f"/proofs/{created['proof_id']}").data == created
    assert len(api.get("/catalogue/changes").data["items"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"unit_id": "x y", "name": "n", "level": "city", "county": "huzhou"},
        {"unit_id": "hz-a", "name": "n", "level": "province", "county": "huzhou"},
        {"unit_id": "hz-a", "name": "n", "level": "city", "county": "Hu Zhou"},
        {"unit_id": "hz-a", "name": "n", "level": "city"},
        {"unit_id": "hz-a", "name": "n", "level": "city", "county": "huzhou", "admin": True},
    ],
)
def test_bad_units_are_400(api, admin_token, body):
    response = api.post("/units", body, token=admin_token)
    assert (response.status_code, response.data["code"]) == (400, "validation_error")


def test_a_form_encoded_label_still_gets_a_json_answer(api, admin_token, unit):
    response = api.post(
        "/proofs",
        proof_body(),
        token=admin_token,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 201


def test_an_unsupported_media_type_gets_the_error_body(api, admin_token):
    response = api.post("/units", raw="x", token=admin_token, headers={"Content-Type": "image/png"})
    assert response.status_code == 415
    assert response.data["code"] == "unsupported_media_type" and response.data["message_zh"]


def test_a_wrong_method_gets_the_error_body(api):
    response = api.request("DELETE", "/units/hz-gaj")
    assert (response.status_code, response.data["code"]) == (405, "method_not_allowed")


def test_validation_messages_do_not_echo_personal_numbers(api, admin_token):
    id_number = "330521196201010014"
    body = {"unit_id": id_number + "!", "name": "n", "level": "city", "county": id_number}
    response = api.post("/units", body, token=admin_token)
    assert response.status_code == 400
    assert id_number not in response.body.decode()


def test_tokens_of_other_roles_can_read_the_public_catalogue(api, unit):
    for token in (None, make_token("citizen", name="王小明", id_number="330521196201010014")):
        assert api.get("/units/hz-gaj", token=token).status_code == 200
