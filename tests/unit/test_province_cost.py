"""The arithmetic of `make bench`'s province costs (bench/province_cost.py): what a template holds
that costs when idle, schedules, the service's read minimum, the free tier, the message counts."""

import pytest

from bench import province_cost
from bench.dynamodb_calls import Call
from bench.province_cost import IdleRun, Resources

TEMPLATE = {
    "Resources": {
        "Signing": {"Type": "AWS::KMS::Key"},
        "Ops": {"Type": "AWS::KMS::Key"},
        "Cursor": {"Type": "AWS::SecretsManager::Secret"},
        "Board": {"Type": "AWS::CloudWatch::Dashboard"},
        "Plain": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": "Errors"}},
        "Math": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "Metrics": [
                    {"Id": "e", "Expression": "a + b + c"},
                    {"Id": "a", "MetricStat": {}},
                    {"Id": "b", "MetricStat": {}},
                    {"Id": "c", "MetricStat": {}},
                ]
            },
        },
        "Each": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Events": {"E": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}}
            },
        },
        "Hourly": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Events": {"E": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}}}},
        },
        "Api": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {}}},
    }
}


def test_a_template_is_read_for_what_costs_whether_or_not_anyone_calls():
    held = province_cost.resources(TEMPLATE)

    assert (held.kms_keys, held.secrets, held.dashboards) == (2, 1, 1)
    assert held.alarm_metrics == 4  # an alarm on a math expression is billed per metric it reads
    assert held.schedules == {"Each": 43_200, "Hourly": 720}


@pytest.mark.parametrize(
    ("expression", "runs"), [("rate(1 minute)", 43_200), ("rate(5 minutes)", 8_640), ("rate(1 day)", 30)]
)
def test_a_rate_is_its_runs_in_a_30_day_month(expression, runs):
    assert province_cost.runs_a_month(expression) == runs


def test_a_read_that_finds_nothing_is_billed_the_services_minimum():
    query = Call("Query", {"ConsistentRead": True}, 0.0, 0.0)
    batch = Call("BatchGetItem", {"RequestItems": {"t": {"Keys": [{}, {}, {}]}}}, 0.0, 0.0)
    found = Call("GetItem", {}, 2.5, 0.0)
    write = Call("UpdateItem", {}, 0.0, 1.0)

    assert [province_cost.billed_reads(c) for c in (query, batch, found, write)] == [1.0, 1.5, 2.5, 0.0]


def test_an_idle_month_lists_the_largest_items_first_and_applies_each_accounts_free_tier():
    held = Resources(kms_keys=2, secrets=0, dashboards=1, alarm_metrics=12, schedules={})
    run = IdleRun("Each", 43_200, billed_ms=4, read_units=1.0, log_bytes=0, metrics=frozenset({"Age"}))

    items = province_cost.idle_month(held, [run])

    assert items == sorted(items, key=lambda item: -item.yuan)
    by_name = {item.what: item for item in items}
    alarms = by_name["12 alarm metrics"]
    assert alarms.yuan == pytest.approx(12 * 0.622) and alarms.after_free_tier == pytest.approx(2 * 0.622)
    assert by_name["1 dashboard"].after_free_tier == 0  # 3 dashboards a month are free
    assert by_name["2 KMS keys"].after_free_tier == by_name["2 KMS keys"].yuan  # no free tier
    each = by_name["Each: 43,200 idle runs"]
    assert 0 < each.yuan < province_cost.IDLE_SCHEDULE_TARGET


def test_checkpoints_to_witnesses_cost_k_messages_a_stage_not_one_per_peer():
    counted = province_cost.messages_a_day(stages=101, witnesses=3, poll_minutes=5)

    assert list(counted.values()) == [101 * 288 * 3, 101 * 288 * 100, 100 * 288]
