"""The seed catalogue loads through the rules and covers what the reform needs to show."""

from infra.local import seed


def test_the_seed_loads_once_and_covers_every_disposition_rule_and_level(api):
    data = seed.data()
    assert seed.load_if_empty().startswith(f"{len(data['units'])} units")
    assert seed.load_if_empty() == "catalogue not empty, left as it is"
    stats = api.get("/stats").data["catalogue"]
    assert stats["total"] == len(data["proofs"]) >= 60
    assert all(count > 0 for count in stats["by_disposition"].values())
    rules = {p.get("rule") for p in data["proofs"]} - {None}
    assert len(rules) == 6
    assert {u["level"] for u in data["units"]} == {"city", "county", "town", "village"}
    assert len(data["matters"]) >= 10
    for matter in data["matters"]:
        response = api.get(f"/matters/{matter['matter_code']}/requirements")
        assert response.status_code == 200
        assert len(response.data["requirements"]) == len(matter["proofs"])
    kinship = {item["proof_id"] for item in api.get("/proofs?q=kinship").data["items"]}
    assert kinship == {"PF-R001", "PF-K006"}
