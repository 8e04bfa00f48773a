"""Idempotency-Key on POST /proofs: retries are answered from the first response.

Concurrent retries are tested over real HTTP in tests/e2e: chalice.test.Client swaps
os.environ during each request and is not safe to use from several threads.
"""

from tests.support import make_token, proof_body, relay_body


def post(api, token, key, **overrides):
    return api.post("/proofs", proof_body(**overrides), token=token, headers={"Idempotency-Key": key})


def total(api):
    return api.get("/stats").data["catalogue"]["total"]


def test_a_retry_with_the_same_key_and_body_gets_the_first_response(api, admin_token, unit):
    first = post(api, admin_token, "key-1")
    retry = post(api, admin_token, "key-1")
    assert first.status_code == retry.status_code == 201
    assert retry.data == first.data
    assert retry.headers.get("Idempotency-Replayed") == "true"
    assert "Idempotency-Replayed" not in first.headers
    assert total(api) == 1


def test_the_same_key_with_another_body_is_409(api, admin_token, unit):
    post(api, admin_token, "key-2")
    reused = post(api, admin_token, "key-2", name="另一个证明")
    assert (reused.status_code, reused.data["code"]) == (409, "idempotency_key_reused")
    assert total(api) == 1


def test_keys_are_scoped_to_the_caller(api, unit):
    mine = post(api, make_token("catalogue_admin", sub_suffix="a"), "shared")
    theirs = post(api, make_token("catalogue_admin", sub_suffix="b"), "shared")
    assert mine.status_code == theirs.status_code == 201
    assert mine.data["proof_id"] != theirs.data["proof_id"]
    assert total(api) == 2


def test_keys_are_scoped_to_the_whole_caller_not_its_subject(api, relay_setup):
    """Two units under one `sub` (a service account of the identity provider) are two callers:
    the second unit's request is created, not answered with the first unit's."""
    made = [
        api.post(
            "/verification-requests",
            relay_body(target_unit="hz-gaj"),
            token=make_token("agency", unit_id=unit, sub_suffix="shared"),
            headers={"Idempotency-Key": "shared-key"},
        )
        for unit in ("hz-rsj", "hz-mzj")
    ]
    assert [m.status_code for m in made] == [201, 201]
    assert [m.data["requester_unit"] for m in made] == ["hz-rsj", "hz-mzj"]
    assert "Idempotency-Replayed" not in made[1].headers
    inbox = api.get("/verification-requests?box=inbox", token=relay_setup["target"]).data["items"]
    assert len(inbox) == 2


def test_a_refused_request_is_not_remembered(api, admin_token, unit):
    refused = post(api, admin_token, "key-3", issuing_unit="ghost")
    assert refused.status_code == 422
    assert post(api, admin_token, "key-3", issuing_unit="ghost").status_code == 422
    assert post(api, admin_token, "key-4").status_code == 201


def test_a_malformed_key_is_400(api, admin_token, unit):
    for key in ("has space", "x" * 129, "中文"):
        response = post(api, admin_token, key)
        assert (response.status_code, response.data["code"]) == (400, "validation_error")
    assert total(api) == 0
