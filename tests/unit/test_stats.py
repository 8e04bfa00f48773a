from chalicelib.domain.stats import catalogue_block


def test_cancelled_counts_every_item_that_is_not_retained():
    block = catalogue_block({"cancelled": 2, "data_sharing": 3, "commitment": 1, "retained": 2})
    assert block["total"] == 8
    assert block["cancelled"] == 6
    assert block["cancelled_ratio"] == 0.75
    assert block["by_disposition"]["existing_credential"] == 0


def test_an_empty_catalogue_has_a_zero_ratio_not_a_division_error():
    assert catalogue_block({})["cancelled_ratio"] == 0.0
