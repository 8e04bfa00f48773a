"""DynamoDB capacity per request, as DynamoDB Local reports it: no operation's cost grows with
the catalogue, and a public proof lookup is an eventually consistent read (0.5 RCU).

`make bench` measures the same with 1,000 and 100,000 items; this keeps the property in CI.
"""

import json

from bench import capacity, world
from bench.dynamodb_calls import recording
from infra.local import seed
from tests.support import make_token


def test_no_operation_costs_more_with_a_larger_catalogue(api):
    seed.load(seed.data())
    operations = world.operations(lambda path: api.get(path).data)
    by_size = {}
    for size in (100, 600):
        world.pad_catalogue(size)
        by_size[size] = [capacity.measure(api.client, op, repeats=2) for op in operations]

    assert by_size[100] == by_size[600]
    costs = {c.operation: (c.read_units, c.write_units) for c in by_size[600]}
    assert costs["proof lookup"] == (0.5, 0.0)
    assert all(
        writes > 0 for op, (_, writes) in costs.items() if op.endswith(("create", "submit", "publish"))
    )


def test_public_reads_are_eventually_consistent_and_a_change_reads_strongly(api):
    seed.load(seed.data())
    with recording() as public_read:
        proof = api.get(f"/proofs/{world.TEMPLATE_PROOF}").data
    change = {"version": proof["version"], "reason": "基准测试", "guidance": "窗口办理"}
    with recording() as change_read:
        response = api.patch(f"/proofs/{world.TEMPLATE_PROOF}", change, token=make_token("catalogue_admin"))

    assert response.status_code == 200, response.data
    [lookup] = public_read.calls
    assert lookup.operation == "GetItem" and not lookup.params.get("ConsistentRead", False)
    first_read = next(c for c in change_read.calls if c.operation == "GetItem")
    assert first_read.params["ConsistentRead"] is True
    assert json.dumps(first_read.params).count(world.TEMPLATE_PROOF) == 1


def test_a_search_that_matches_nothing_reads_the_same_window_whatever_the_data(api, monkeypatch):
    monkeypatch.setattr("chalicelib.adapters.pages.SEARCH_WINDOW", 40)
    seed.load(seed.data())
    by_size = {}
    for size in (100, 300):
        world.pad_catalogue(size)
        world.pad_board(size)
        by_size[size] = [capacity.measure(api.client, op, repeats=2) for op in world.searches()]

    assert by_size[100] == by_size[300]
    assert all(c.read_units > 0 for c in by_size[300])


def test_a_search_pages_through_the_window_and_finds_what_lies_beyond_it(api, admin_token, monkeypatch):
    monkeypatch.setattr("chalicelib.adapters.pages.SEARCH_WINDOW", 40)
    seed.load(seed.data())
    world.pad_catalogue(150)
    found, pages, cursor = [], 0, None
    while True:
        page = api.get(
            "/proofs?q=%E6%88%B7%E7%B1%8D&limit=100" + (f"&cursor={cursor}" if cursor else "")
        ).data
        found += [item["proof_id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    expected = [p["proof_id"] for p in seed.data()["proofs"] if "户籍" in p["name"]]
    assert sorted(found) == sorted(expected) and expected
    assert pages >= 150 // 40  # no request read more than its window
