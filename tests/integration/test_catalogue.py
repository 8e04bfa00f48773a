"""Proof catalogue through the API, against DynamoDB Local."""

import pytest

from chalicelib.domain.hashchain import chain_is_valid
from tests.support import CITY_UNIT, make_token, proof_body


def create(api, token, **overrides):
    response = api.post("/proofs", proof_body(**overrides), token=token)
    assert response.status_code == 201, response.data
    return response.data


# Units


def test_a_registered_unit_can_be_read_back_by_anyone(api, unit):
    response = api.get("/units/hz-gaj")
    assert response.status_code == 200
    assert response.data == {**CITY_UNIT, "parent_unit": None, "stage": "local"}  # homed where created


def test_a_duplicate_unit_is_a_409_and_an_unknown_one_a_404(api, admin_token, unit):
    again = api.post("/units", CITY_UNIT, token=admin_token)
    assert (again.status_code, again.data["code"]) == (409, "unit_exists")
    missing = api.get("/units/nowhere")
    assert (missing.status_code, missing.data["code"]) == (404, "unit_not_found")
    assert missing.data["message_zh"]


def test_a_unit_under_an_unknown_or_lower_parent_is_refused(api, admin_token, unit):
    town = {"unit_id": "wx-zhili", "name": "织里镇", "level": "town", "county": "wuxing"}
    orphan = api.post("/units", {**town, "parent_unit": "nowhere"}, token=admin_token)
    assert (orphan.status_code, orphan.data["code"]) == (422, "unknown_unit")
    assert api.post("/units", {**town, "parent_unit": "hz-gaj"}, token=admin_token).status_code == 201
    city = {"unit_id": "hz-x", "name": "某局", "level": "city", "county": "huzhou", "parent_unit": "wx-zhili"}
    upside_down = api.post("/units", city, token=admin_token)
    assert (upside_down.status_code, upside_down.data["code"]) == (422, "invalid_parent_unit")


# Proof items


def test_a_new_item_starts_at_version_1_and_reads_back_whole(api, admin_token, unit):
    created = create(api, admin_token)
    assert created["version"] == 1 and created["proof_id"]
    fetched = api.get(f"/proofs/{created['proof_id']}")
    assert fetched.status_code == 200
    assert fetched.data == created
    assert fetched.headers["Content-Type"].startswith("application/json")
    assert "亲属关系证明" in fetched.body.decode()  # Chinese as is, not \u-escaped


def test_an_item_for_an_unregistered_unit_is_refused_and_not_written(api, admin_token, unit):
    response = api.post("/proofs", proof_body(issuing_unit="ghost", proof_id="PF-X"), token=admin_token)
    assert (response.status_code, response.data["code"]) == (422, "unknown_unit")
    assert api.get("/proofs/PF-X").status_code == 404
    assert api.get("/stats").data["catalogue"]["total"] == 0


def test_a_chosen_proof_id_is_kept_and_cannot_be_taken_twice(api, admin_token, unit):
    assert create(api, admin_token, proof_id="PF-R001")["proof_id"] == "PF-R001"
    again = api.post("/proofs", proof_body(proof_id="PF-R001"), token=admin_token)
    assert (again.status_code, again.data["code"]) == (409, "proof_exists")
    assert api.get("/stats").data["catalogue"]["total"] == 1


def test_only_catalogue_admins_write_the_catalogue(api, unit):
    for token in (make_token("supervisor"), make_token("agency", unit_id="hz-gaj")):
        response = api.post("/proofs", proof_body(), token=token)
        assert (response.status_code, response.data["code"]) == (403, "forbidden")
    anonymous = api.post("/proofs", proof_body())
    assert (anonymous.status_code, anonymous.data["code"]) == (401, "unauthenticated")
    assert anonymous.headers.get("WWW-Authenticate") == "Bearer"


def test_a_patch_bumps_the_version_and_a_stale_one_is_409(api, admin_token, unit):
    proof_id = create(api, admin_token)["proof_id"]
    change = {"version": 1, "reason": "共享平台上线", "disposition": "data_sharing", "rule": "data_sharing"}
    first = api.patch(f"/proofs/{proof_id}", change, token=admin_token)
    assert first.status_code == 200
    assert (first.data["version"], first.data["disposition"], first.data["action"]) == (
        2,
        "data_sharing",
        "none",
    )
    stale = api.patch(f"/proofs/{proof_id}", {**change, "disposition": "cancelled"}, token=admin_token)
    assert (stale.status_code, stale.data["code"]) == (409, "version_conflict")
    assert api.get(f"/proofs/{proof_id}").data["disposition"] == "data_sharing"


def test_patching_an_unknown_item_is_404(api, admin_token, unit):
    response = api.patch("/proofs/nope", {"version": 1, "reason": "x", "name": "y"}, token=admin_token)
    assert (response.status_code, response.data["code"]) == (404, "proof_not_found")


# Change log


def test_every_version_is_in_the_change_log_and_the_chain_recomputes(api, admin_token, unit):
    proof_id = create(api, admin_token)["proof_id"]
    api.patch(
        f"/proofs/{proof_id}",
        {
            "version": 1,
            "reason": "恢复",
            "disposition": "retained",
            "guidance": "到派出所开具",
            "decision_ref": "湖政办发〔2026〕1号",
        },
        token=admin_token,
    )
    records = api.get("/catalogue/changes").data["items"]
    assert [(r["seq"], r["version"], r["from"], r["to"]) for r in records] == [
        (1, 1, None, "remote_verification"),
        (2, 2, "remote_verification", "retained"),
    ]
    assert records[1]["decision_ref"] == "湖政办发〔2026〕1号" and records[1]["rule"] is None
    assert chain_is_valid(records)


def test_changes_since_a_time_and_pages_of_the_log(api, admin_token, unit):
    for _ in range(5):
        create(api, admin_token)
    first = api.get("/catalogue/changes?limit=2")
    second = api.get(f"/catalogue/changes?limit=2&cursor={first.data['next_cursor']}")
    third = api.get(f"/catalogue/changes?limit=2&cursor={second.data['next_cursor']}")
    seqs = [r["seq"] for page in (first, second, third) for r in page.data["items"]]
    assert seqs == [1, 2, 3, 4, 5] and third.data["next_cursor"] is None
    last_time = third.data["items"][-1]["changed_at"]
    since = api.get(f"/catalogue/changes?since={last_time}").data["items"]
    assert since and all(r["changed_at"] >= last_time for r in since)
    assert api.get("/catalogue/changes?since=2999-01-01T00:00:00Z").data["items"] == []


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01T00:00:00Z", "2026-11-26T08:00:00"])
def test_a_bad_since_is_a_400(api, since):
    response = api.get(f"/catalogue/changes?since={since}")
    assert (response.status_code, response.data["code"]) == (400, "validation_error")


# Search


@pytest.fixture
def three_items(api, admin_token, unit):
    """Given a data-sharing item of hz-mzj, and a retained and an existing-credential item of hz-gaj."""
    api.post("/units", {**CITY_UNIT, "unit_id": "hz-mzj", "name": "湖州市民政局"}, token=admin_token)
    create(
        api,
        admin_token,
        name="婚姻状况证明",
        name_en="Marital status",
        disposition="data_sharing",
        rule="data_sharing",
        issuing_unit="hz-mzj",
    )
    create(api, admin_token, name="无犯罪记录证明", name_en="No criminal record")
    create(
        api,
        admin_token,
        name="户籍证明",
        name_en="Household registration",
        disposition="existing_credential",
        rule="existing_credential",
    )


def found(api, query):
    response = api.get(f"/proofs?{query}")
    assert response.status_code == 200, response.data
    return sorted(item["name"] for item in response.data["items"])


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("disposition=data_sharing", ["婚姻状况证明"]),
        ("issuing_unit=hz-gaj", ["户籍证明", "无犯罪记录证明"]),
        ("issuing_unit=hz-gaj&disposition=existing_credential", ["户籍证明"]),
    ],
)
def test_search_filters_by_disposition_and_issuing_unit(api, three_items, query, names):
    assert found(api, query) == names


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("q=犯罪", ["无犯罪记录证明"]),
        ("q=MARITAL", ["婚姻状况证明"]),
        ("q=证明&issuing_unit=hz-mzj", ["婚姻状况证明"]),
        ("q=不存在", []),
    ],
)
def test_search_matches_text_in_the_chinese_or_english_name_in_any_case(api, three_items, query, names):
    assert found(api, query) == names


def test_search_pages_through_everything_exactly_once(api, admin_token, unit):
    created = {create(api, admin_token, name=f"证明{i}")["proof_id"] for i in range(7)}
    seen, cursor = [], None
    while True:
        response = api.get("/proofs?limit=3&q=证明" + (f"&cursor={cursor}" if cursor else ""))
        seen += [item["proof_id"] for item in response.data["items"]]
        cursor = response.data["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created)


def test_a_cursor_reused_with_other_filters_is_refused(api, admin_token, unit):
    for _ in range(3):
        create(api, admin_token)
    cursor = api.get("/proofs?limit=1").data["next_cursor"]
    response = api.get(f"/proofs?limit=1&q=x&cursor={cursor}")
    assert (response.status_code, response.data["code"]) == (400, "validation_error")


@pytest.mark.parametrize(
    "query",
    ["disposition=abolished", "limit=0", "limit=101", "limit=x", "issuing_unit=%20bad", "q=" + "长" * 51],
)
def test_bad_search_parameters_are_400(api, query):
    response = api.get(f"/proofs?{query}")
    assert (response.status_code, response.data["code"]) == (400, "validation_error")


# Stats


def test_the_catalogue_figures_follow_creations_and_changes(api, admin_token, unit):
    ids = [create(api, admin_token)["proof_id"] for _ in range(3)]
    create(api, admin_token, disposition="retained", rule=None, guidance="窗口办理")
    api.patch(
        f"/proofs/{ids[0]}",
        {"version": 1, "reason": "r", "disposition": "retained", "guidance": "g"},
        token=admin_token,
    )
    block = api.get("/stats").data["catalogue"]
    assert block["total"] == 4 and block["cancelled"] == 2 and block["cancelled_ratio"] == 0.5
    assert block["by_disposition"]["retained"] == 2
    assert block["by_disposition"]["remote_verification"] == 2
