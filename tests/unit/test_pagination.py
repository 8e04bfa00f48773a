"""Cursors are opaque, tamper-checked and bound to their listing."""

from types import SimpleNamespace
from unittest.mock import patch

import pytest

from chalicelib import wiring
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


# Every listing binds its cursors to the whole caller (api/inputs.pager, Identity.key): tried
# here for every listing route and every pair of callers, who differ in one claim at a time.


def test_every_listings_cursor_opens_only_for_the_caller_it_was_made_for():
    import app  # noqa: F401 - registers every route
    from chalicelib.api import inputs
    from chalicelib.api.routing import ROUTES
    from chalicelib.domain.identity import Identity, Role

    callers = {
        "anonymous": None,
        "citizen": Identity("s", Role.CITIZEN, name="王小明", id_number="330521196201010014"),
        "citizen, same sub, another ID": Identity(
            "s", Role.CITIZEN, name="李四", id_number="11010519491231002X"
        ),
        "agency": Identity("s", Role.AGENCY, unit_id="hz-rsj"),
        "agency, same sub, another unit": Identity("s", Role.AGENCY, unit_id="hz-mzj"),
        "supervisor, same sub": Identity("s", Role.SUPERVISOR),
        "catalogue admin, same sub": Identity("s", Role.CATALOGUE_ADMIN),
    }
    listings = sorted({route.path for route in ROUTES if route.page_of})
    assert len(listings) >= 8  # the proofs, changes, inbox, commitments, notices, complaints ...

    def request(who, cursor=None):
        fake = SimpleNamespace(headers={}, query_params={"cursor": cursor} if cursor else {})
        if who is not None:  # as optional_caller keeps the verified caller on the request
            fake.headers = {"authorization": "Bearer t"}
            fake._proof_free_identity = who
        return fake

    with patch.object(wiring, "cursor_secret", lambda: "secret", create=True):
        for listing in listings:
            for owner_name, owner in callers.items():
                made = inputs.pager(request(owner), listing, {})
                cursor = made.body(Page([1], KEY), lambda x: x)["next_cursor"]
                assert inputs.pager(request(owner, cursor), listing, {}).start == KEY
                for other_name, other in callers.items():
                    if other_name == owner_name:
                        continue
                    with pytest.raises(InvalidInput):
                        inputs.pager(request(other, cursor), listing, {})
