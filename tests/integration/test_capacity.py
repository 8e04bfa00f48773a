"""DynamoDB capacity per request, as DynamoDB Local reports it: no operation's cost grows with
the catalogue, and a public proof lookup is an eventually consistent read (0.5 RCU).

`make bench` measures the same with 1,000 and 100,000 items; this keeps the property in CI.
"""

import json

from bench import capacity, world
from bench.dynamodb_calls import recording
from infra.local import seed
from tests.conftest import make_token


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
