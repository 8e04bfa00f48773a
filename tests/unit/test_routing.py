"""A route's declaration gives its standard answers: what the OpenAPI document says it refuses."""

from chalicelib.api.routing import ROUTES, Route
from chalicelib.domain.identity import EVERYONE, Role


def test_a_public_read_by_id_answers_only_the_not_found_of_its_path_id():
    route = Route(method="GET", path="/proofs/{proof_id}", summary="s")

    assert route.standard_answers() == {404: ["proof_not_found"]}


def test_a_role_bound_write_with_a_body_answers_400_401_403_and_busy():
    route = Route(
        method="POST", path="/units", summary="s", roles=(Role.CATALOGUE_ADMIN,), body="unit-create"
    )

    assert route.standard_answers() == {
        400: ["validation_error"],
        401: ["unauthenticated"],
        403: ["forbidden"],
        409: ["busy"],
    }


def test_a_route_open_to_every_role_does_not_promise_a_403_it_never_gives():
    route = Route(method="GET", path="/commitments/{commitment_id}", summary="s", roles=EVERYONE)

    # No role is refused; an agency's unit still acts on its home stage only (api/inputs.caller).
    assert route.standard_answers()[403] == ["unit_not_registered", "unit_not_homed_here"]


def test_a_route_no_agency_calls_does_not_promise_the_agency_refusals():
    route = Route(method="POST", path="/proofs", summary="s", roles=(Role.CATALOGUE_ADMIN,))

    assert route.standard_answers()[403] == ["forbidden"]


def test_an_idempotent_write_adds_the_idempotency_conflicts_after_its_own():
    route = Route(
        method="POST", path="/proofs", summary="s", roles=(Role.CATALOGUE_ADMIN,), idempotent=True,
        refuses={409: "proof_exists"},
    )  # fmt: skip

    assert route.standard_answers()[409] == [
        "proof_exists",
        "busy",
        "idempotency_key_reused",
        "idempotency_in_progress",
    ]


def test_every_write_declares_what_it_answers_when_kept_out_and_no_read_does():
    # A write's transaction, kept out by others on the same records, gives up with 409 busy
    # (services/retry.py): POST /verification-requests as much as any state change; a change
    # to the catalogue, which races for its chain head, with catalogue_busy; a matter, one
    # conditional put, with neither.
    import app  # noqa: F401 - registers every route

    assert sum(route.method != "GET" for route in ROUTES) >= 20
    for route in ROUTES:
        kept_out = {"busy", "catalogue_busy"} & set(route.standard_answers().get(409, []))
        if route.method == "GET" or route.path == "/matters":
            assert kept_out == set(), (route.method, route.path)
        elif route.path.startswith("/proofs"):
            assert kept_out == {"catalogue_busy"}, (route.method, route.path)
        else:
            assert kept_out == {"busy"}, (route.method, route.path)


def test_a_listing_checks_a_sent_token_and_its_query():
    route = Route(method="GET", path="/proofs", summary="s", query="query-proofs", page_of="proof")

    assert route.standard_answers() == {400: ["validation_error"], 401: ["unauthenticated"]}


def test_a_refusal_the_declaration_already_implies_is_listed_once():
    route = Route(
        method="POST", path="/inspections/{inspection_id}/findings/{n}/rectify", summary="s",
        roles=(Role.SUPERVISOR,), refuses={403: "forbidden", 404: "finding_not_found"},
    )  # fmt: skip

    answers = route.standard_answers()

    assert answers[403] == ["forbidden"]
    assert answers[404] == ["inspection_not_found", "finding_not_found"]


def test_every_route_of_the_app_is_declared_once():
    import app

    declared = [(route.method, route.path) for route in ROUTES]
    assert len(declared) == len(set(declared)) == sum(len(m) for m in app.app.routes.values())


def test_a_body_whose_schema_requires_nothing_may_be_left_out():
    def route(schema):
        return Route(method="POST", path="/x", summary="s", body=schema)

    assert route("empty-action").body_optional
    assert route("commitment-check").body_optional  # case_ref and purpose are both optional
    assert not route("verification-respond").body_optional
    assert not Route(method="GET", path="/x", summary="s").body_optional
