"""The write units a transaction is billed, worked out from its items (bench/billing.py)."""

from bench.billing import indexes_of, item_size, transaction_write_units


def test_item_size_counts_names_and_utf8_values():
    assert item_size({"pk": {"S": "王"}, "n": {"N": "12345"}, "ok": {"BOOL": True}}) == (2 + 3) + (1 + 4) + (
        2 + 1
    )


def test_an_item_is_in_the_indexes_whose_keys_it_has():
    item = {
        "pk": {"S": "a"},
        "gsi1pk": {"S": "b"},
        "gsi1sk": {"S": "c"},
        "gsi2pk": {"S": "d"},
        "lsi1sk": {"S": "e"},
    }
    assert indexes_of(item) == ["gsi1", "lsi1"]


def test_each_item_costs_two_units_per_kilobyte_and_one_per_index_copy():
    big = {"pk": {"S": "x" * 1100}, "gsi1pk": {"S": "a"}, "gsi1sk": {"S": "b"}}  # 1,116 bytes: 2 KB
    small = {"pk": {"S": "y"}}
    counter = {"Key": {"pk": {"S": "STATS"}}, "UpdateExpression": "ADD n :one"}
    params = {"TransactItems": [{"Put": {"Item": big}}, {"Put": {"Item": small}}, {"Update": counter}]}

    assert transaction_write_units(params) == (2 * 2 + 2) + 2 + 2
