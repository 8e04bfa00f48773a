"""Cursors are opaque, tamper-checked and bound to their listing."""

import pytest

from chalicelib.api.pagination import Pager
from chalicelib.domain.errors import InvalidInput
from chalicelib.services.ports import Page

KEY = {"pk": {"S": "PROOF#PF-1"}, "sk": {"S": "A"}}


def next_cursor(listing="/proofs", filters=None):
    pager = Pager("secret", listing, filters or {})
    return pager.body(Page([1], KEY), lambda x: x)["next_cursor"]


def test_a_cursor_brings_back_the_position_it_was_made_from():
    cursor = next_cursor(filters={"q": "证明"})
    assert Pager("secret", "/proofs", {"q": "证明", "cursor": cursor}).start == KEY


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "garbage"},
        {"cursor": next_cursor()[:-2] + "AA"},  # signature altered
        {"cursor": "eyJwayI6eyJTIjoiWCJ9fQ." + next_cursor().split(".")[1]},  # payload swapped
        {"cursor": next_cursor(), "q": "other"},  # another filter
    ],
)
def test_a_forged_altered_or_foreign_cursor_is_a_400(query):
    with pytest.raises(InvalidInput) as refused:
        Pager("secret", "/proofs", query)
    assert refused.value.details == {"parameter": "cursor"}


def test_a_cursor_from_another_listing_or_secret_is_refused():
    with pytest.raises(InvalidInput):
        Pager("secret", "/catalogue/changes", {"cursor": next_cursor()})
    with pytest.raises(InvalidInput):
        Pager("other-secret", "/proofs", {"cursor": next_cursor()})


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "1.5", ""])
def test_limit_must_be_between_1_and_100(limit):
    with pytest.raises(InvalidInput):
        Pager("secret", "/proofs", {"limit": limit})


def test_limit_defaults_to_20_and_the_last_page_has_no_cursor():
    pager = Pager("secret", "/proofs", {})
    assert pager.limit == 20
    assert pager.body(Page([1], None), lambda x: x) == {"items": [1], "next_cursor": None}
