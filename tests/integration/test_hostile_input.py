"""Hostile input, class by class, over every route the class reaches (read from the OpenAPI
document, so a new route is tried without anyone adding it here): always a 4xx in the
contract's error format, never a 5xx, and nothing written."""

import json
import re

import boto3
import pytest

from chalicelib.settings import get_settings
from chalicelib.validation import load_json
from tests.support import SUBJECT_ID, citizen_token, make_token, notice_body, proof_body, relay_body

OTHER_CITIZEN = "11010519491231002X"  # a valid resident ID number (GB 11643 check digit)

OPENAPI = load_json("openapi.json")
METHODS = ("get", "post", "patch")
PATH_PARAM = re.compile(r"\{([a-z_]+)\}")


def operations(with_body: bool | None = None, lists: bool = False):
    for path, item in OPENAPI["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            # JSON bodies; a peer's signed message (application/jose) has tests of its own
            has_body = "application/json" in operation.get("requestBody", {}).get("content", {})
            if with_body is not None and has_body != with_body:
                continue
            if lists and "limit" not in {p["name"] for p in operation.get("parameters", [])}:
                continue
            yield method.upper(), path


def concrete(path: str, value: str = "X1") -> str:
    return PATH_PARAM.sub(lambda m: "0" if m.group(1) == "n" else value, path)


def tokens():
    """One token of each role: each route is tried with all, so its own role is among them."""
    return [
        make_token("catalogue_admin"),
        make_token("agency", unit_id="hz-gaj", sub_suffix="gaj"),
        citizen_token(),
        make_token("supervisor"),
    ]


def assert_contract_error(response, status=None):
    assert 400 <= response.status_code < 500, (response.status_code, response.body)
    if status is not None:
        assert response.status_code == status, (response.status_code, response.body)
    if response.headers["Content-Type"].startswith("text/html"):  # the board page shows its error
        assert "<html" in response.body.decode("utf-8")
        return
    assert set(response.data) >= {"code", "message", "message_zh"}


BODY_ROUTES = sorted(operations(with_body=True))
HOSTILE_BODIES = {
    "lone surrogate in a value": (b'{"name": "x\\ud800"}', "surrogate"),
    "lone low surrogate in a value": (b'{"note": "\\udfff"}', "surrogate"),
    "lone surrogate in a key": (b'{"x\\udc00": 1}', "surrogate"),
    "surrogate deep in an object": (b'{"a": {"b": ["\\ud83d"]}}', "surrogate"),
    "NaN": (b'{"attestation": {"x": NaN}}', "NaN"),
    "Infinity": (b'{"sample_rate": Infinity}', "NaN"),
    "-Infinity": (b'{"items_checked": -Infinity}', "NaN"),
    "a number that overflows to infinity": (b'{"version": 1e999}', "NaN"),
    "nested past the limit": (b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}", "nests"),
    "nested past the parser's recursion": (b'{"a": ' + b"[" * 30_000 + b"]" * 30_000 + b"}", "JSON"),
    "a NUL in a value": (b'{"statement": "a\\u0000b"}', "control character"),
    "an escape character in a key": (b'{"x\\u001b[31m": "y"}', "control character"),
    "a C1 control": (b'{"description": "a\\u0085b"}', "control character"),
    "only zero-width and format characters": ('{"name": "\u200b\ufeff\u2060\u200e"}'.encode(), "visible"),
    "only Hangul fillers and blank braille": ('{"description": "\u3164\u2800"}'.encode(), "visible"),
    "a lone combining mark": ('{"statement": "\u0301"}'.encode(), "visible"),
}


@pytest.mark.parametrize("route", BODY_ROUTES, ids=[f"{m} {p}" for m, p in BODY_ROUTES])
def test_hostile_bodies_are_400_on_every_body_route_and_write_nothing(api, relay_setup, route):
    method, path = route
    before = api.get("/stats").data
    for what, (raw, says) in HOSTILE_BODIES.items():
        answers = [api.request(method, concrete(path), raw=raw, token=token) for token in tokens()]
        for response in answers:
            assert_contract_error(response)
        refused = [r for r in answers if r.status_code == 400]
        assert refused, (what, [(r.status_code, r.data) for r in answers])
        assert says in refused[0].data["message"], (what, refused[0].data)
    assert api.get("/stats").data == before


def test_a_well_formed_body_still_passes_with_an_emoji_and_is_trimmed(api, admin_token, unit):
    created = api.post(
        "/proofs", proof_body(proof_id="PF-T1", name="  亲属关系证明 😀\u3000"), token=admin_token
    )
    assert created.status_code == 201, created.data
    assert api.get("/proofs/PF-T1").data["name"] == "亲属关系证明 😀"  # trimmed, the emoji kept


BLANK_TEXT = [
    (
        "/units",
        lambda: {"unit_id": "hz-x", "name": "   ", "level": "city", "county": "huzhou"},
        "catalogue_admin",
    ),
    ("/proofs", lambda: proof_body(name=" \u3000 "), "catalogue_admin"),
    ("/verification-requests", lambda: relay_body(purpose="   "), "agency"),
    ("/lost-notices", lambda: notice_body(statement="   "), "citizen"),
    ("/complaints", lambda: {"unit_id": "hz-gaj", "description": "\t \n"}, "citizen"),
]


@pytest.mark.parametrize(("path", "make_body", "role"), BLANK_TEXT, ids=[p for p, _, _ in BLANK_TEXT])
def test_text_of_only_white_space_is_refused_not_stored_empty(
    api, relay_setup, admin_token, path, make_body, role
):
    token = {"catalogue_admin": admin_token, "agency": relay_setup["requester"], "citizen": citizen_token()}[
        role
    ]
    before = api.get("/stats").data

    response = api.post(path, make_body(), token=token)

    assert_contract_error(response, 400)
    assert response.data["code"] == "validation_error"
    assert api.get("/stats").data == before


# One text rule for every free-text field (validation.legible), shown here on the fields a
# citizen writes that the public board and an agency's screen show.
INVISIBLE_TEXT = {
    "control characters": "\x00\x01\x07\x1b\x1f",
    "a control inside words": "本人\x00身份证遗失",
    "zero-width space": "\u200b",
    "byte order mark and word joiner": "\ufeff\u2060",
    "bidi marks": "\u200e\u200f\u202e",
    "Hangul filler": "\u3164",
    "braille blank": "\u2800",
    "lone combining marks": "\u0301\u0308",
    "musical null noteheads": "\U0001d159" * 6,
}


@pytest.mark.parametrize("text", INVISIBLE_TEXT.values(), ids=INVISIBLE_TEXT.keys())
def test_invisible_text_is_refused_in_statements_and_complaints(api, relay_setup, text):
    before = api.get("/stats").data
    refused = [
        api.post("/lost-notices", notice_body(statement=text), token=citizen_token()),
        api.post("/complaints", {"unit_id": "hz-gaj", "description": text}, token=citizen_token()),
    ]
    for response in refused:
        assert_contract_error(response, 400)
        assert response.data["code"] == "validation_error"
    assert api.get("/stats").data == before


def test_text_over_several_lines_and_with_a_joiner_inside_is_taken(api, relay_setup):
    described = "窗口要求提供已取消的证明。\n第二次办理时仍被要求。\t（附照片）👨\u200d👩"
    filed = api.post("/complaints", {"unit_id": "hz-gaj", "description": described}, token=citizen_token())
    assert filed.status_code == 201, filed.data
    assert filed.data["description"] == described


def test_integral_numbers_come_back_as_integers(api, relay_setup):
    supervisor = make_token("supervisor")
    body = {"unit_id": "hz-gaj", "inspected_on": "2026-11-20", "items_checked": 5.0, "findings": []}

    created = api.post("/inspections", body, token=supervisor)

    assert created.status_code == 201, created.data
    stored = api.get(f"/inspections/{created.data['inspection_id']}", token=supervisor).data
    assert created.data["items_checked"] == 5 and isinstance(created.data["items_checked"], int)
    assert '"items_checked":5,' in json.dumps(stored, separators=(",", ":"))


# A record stored before the door refused such text must not take a page down with it.


def test_a_stored_unservable_record_does_not_take_the_board_down(api, relay_setup):
    owner = citizen_token()
    good = api.post("/lost-notices", notice_body(statement="本人身份证遗失"), token=owner).data
    bad = api.post(
        "/lost-notices",
        notice_body(doc_type="other", doc_number="HZ-1", statement="将被改写", request_reissue=False),
        token=owner,
    ).data
    table = get_settings().table_name
    client = boto3.client("dynamodb")
    (item,) = [
        i
        for i in client.scan(TableName=table)["Items"]
        if i.get("notice_id", {}).get("S") == bad["notice_id"] and "statement" in i
    ]
    item["statement"] = {"S": "x\ud800y"}  # what an earlier version stored
    client.put_item(TableName=table, Item=item)

    listing = api.get("/lost-notices")
    board = api.client.http.get("/board")

    assert listing.status_code == 200
    assert {n["notice_id"] for n in listing.data["items"]} == {good["notice_id"], bad["notice_id"]}
    assert board.status_code == 200 and "本人身份证遗失" in board.body.decode("utf-8")


# Cursors


def test_a_cursor_from_one_callers_listing_is_refused_for_another(api, relay_setup):
    requester, other = relay_setup["requester"], relay_setup["other"]
    for _ in range(2):
        assert api.post("/verification-requests", relay_body(), token=requester).status_code == 201
        assert api.post("/verification-requests", relay_body(), token=other).status_code == 201
    listings = [
        ("/verification-requests?box=outbox&limit=1", requester, other),
        (
            "/verification-requests?box=outbox&limit=1",
            requester,
            make_token("agency", unit_id="hz-rsj", sub_suffix="b"),
        ),
        ("/me/verification-requests?limit=1", citizen_token(), citizen_token(sub_suffix="someone-else")),
        # The whole caller, not its subject alone: one `sub` speaking for two units, or issued
        # for two citizens (the second answered 500 when the cursor named the sub alone).
        (
            "/verification-requests?box=outbox&limit=1",
            make_token("agency", unit_id="hz-rsj", sub_suffix="shared"),
            make_token("agency", unit_id="hz-mzj", sub_suffix="shared"),
        ),
        (
            "/me/verification-requests?limit=1",
            citizen_token(sub_suffix="shared"),
            citizen_token(id_number=OTHER_CITIZEN, name="李四", sub_suffix="shared"),
        ),
    ]
    for url, owner, stranger in listings:
        first = api.get(url, token=owner)
        cursor = first.data["next_cursor"]
        assert first.status_code == 200 and cursor, (url, first.data)
        assert api.get(f"{url}&cursor={cursor}", token=owner).status_code == 200
        refused = api.get(f"{url}&cursor={cursor}", token=stranger)
        assert_contract_error(refused, 400)
        assert refused.data["details"] == {"parameter": "cursor"}


# Query numbers and cursors on every list


LIST_ROUTES = sorted(operations(lists=True))
BAD_PAGING = [
    "limit=%C2%B2",  # '²': a digit to str.isdigit, not to int
    "limit=%EF%BC%95",  # fullwidth 5
    "limit=" + "9" * 5000,
    "limit=0",
    "limit=101",
    "limit=-1",
    "limit=1.5",
    "limit=%201",
    "cursor=%C3%A9.x",
    "cursor=" + "A" * 5000 + ".x",
    "cursor=not-a-cursor",
]


@pytest.mark.parametrize("route", LIST_ROUTES, ids=[p for _, p in LIST_ROUTES])
def test_bad_paging_is_400_on_every_list(api, relay_setup, route):
    _, path = route
    box = "box=inbox&" if path == "/verification-requests" else ""
    for query in BAD_PAGING:
        answers = [api.get(f"{path}?{box}{query}", token=token) for token in tokens()]
        answers.append(api.get(f"{path}?{box}{query}"))
        for response in answers:
            assert_contract_error(response)
        assert any(r.status_code == 400 for r in answers), (path, query)


# Path ids


ID_ROUTES = sorted(op for op in operations() if "{" in op[1])
BAD_IDS = ["A" * 2044, "ｘｙ", "a%2Fb", "..", "-x", "x" * 65]


@pytest.mark.parametrize("route", ID_ROUTES, ids=[f"{m} {p}" for m, p in ID_ROUTES])
def test_malformed_path_ids_are_404_before_any_table_is_read(api, relay_setup, route):
    method, path = route
    for bad in BAD_IDS:
        for token in [None, *tokens()]:
            response = api.request(method, concrete(path, bad), raw=b"{}", token=token)
            assert_contract_error(response, 404)
            assert bad not in response.body.decode("utf-8")  # the value is not repeated


def test_a_huge_finding_number_is_404(api, relay_setup):
    supervisor = make_token("supervisor")
    body = {
        "unit_id": "hz-gaj",
        "inspected_on": "2026-11-20",
        "items_checked": 3,
        "findings": [{"problem": "仍索要证明", "rectify_by": "2027-01-31"}],
    }
    inspection_id = api.post("/inspections", body, token=supervisor).data["inspection_id"]
    for n in ("9" * 5000, "1000", "²", "-1"):
        response = api.post(
            f"/inspections/{inspection_id}/findings/{n}/rectify", {"note": "改"}, token=supervisor
        )
        assert_contract_error(response, 404)


# Dates at the edges


@pytest.mark.parametrize(
    "since",
    [
        "0001-01-01T00:00:00%2B14:00",
        "0999-12-31T00:00:00Z",
        "9999-12-31T23:59:59-10:00",
        "1969-12-31T23:59:59Z",
    ],
)
def test_times_outside_the_range_are_400(api, since):
    response = api.get(f"/catalogue/changes?since={since}")
    assert_contract_error(response, 400)
    assert response.data["details"] == {"parameter": "since"}


def test_the_earliest_time_is_taken(api):
    assert api.get("/catalogue/changes?since=1970-01-01T00:00:00Z").status_code == 200


# Limits a transaction can hold


def test_an_inspection_holds_at_most_what_one_transaction_can_write(api, relay_setup):
    supervisor = make_token("supervisor")
    findings = [{"problem": f"问题{n}", "rectify_by": "2027-01-31"} for n in range(51)]
    body = {"unit_id": "hz-gaj", "inspected_on": "2026-11-20", "items_checked": 60, "findings": findings}

    too_many = api.post("/inspections", body, token=supervisor)
    most = api.post("/inspections", {**body, "findings": findings[:50]}, token=supervisor)

    assert_contract_error(too_many, 400)
    assert most.status_code == 201, most.data
    assert api.get("/stats").data["supervision"]["findings"] == 50


# Identifiers in other scripts' digits, in bodies and in tokens

FULLWIDTH = SUBJECT_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
ARABIC_INDIC = SUBJECT_ID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


@pytest.mark.parametrize("number", [FULLWIDTH, ARABIC_INDIC], ids=["fullwidth", "arabic-indic"])
def test_resident_ids_in_other_scripts_digits_are_refused(api, relay_setup, number):
    subject = {"name": "王小明", "id_type": "resident_id", "id_number": number}
    relay = api.post("/verification-requests", relay_body(subject=subject), token=relay_setup["requester"])
    notice = api.post("/lost-notices", notice_body(doc_number=number), token=citizen_token())
    token = api.get("/me/verification-requests", token=citizen_token(id_number=number))

    assert_contract_error(relay)
    assert relay.status_code in (400, 422)
    assert_contract_error(notice)
    assert notice.status_code in (400, 422)
    assert_contract_error(token, 401)


# Claims of the wrong type

WRONG_CLAIMS = [
    {"role": ["agency"]},
    {"role": {"agency": True}},
    {"role": 1},
    {"sub": 7},
    {"sub": ["a"]},
    {"sub": "x" * 257},
    {"role": "agency", "unit_id": ["hz-gaj"]},
    {"role": "agency", "unit_id": "../hz"},
    {"role": "citizen", "name": {"zh": "王"}, "id_number": SUBJECT_ID},
    {"role": "citizen", "name": "王\ud800", "id_number": SUBJECT_ID},
    {"role": "citizen", "name": "王", "id_number": 330521196201010014},
]


@pytest.mark.parametrize("claims", WRONG_CLAIMS, ids=[json.dumps(c)[:40] for c in WRONG_CLAIMS])
def test_claims_of_the_wrong_type_are_401(api, claims):
    from chalicelib.auth import dev_token

    base = {"sub": "someone", "role": "supervisor", "exp": 4_102_444_800}
    token = dev_token(get_settings(), {**base, **claims})
    for path in ("/complaints", "/me/verification-requests", "/verification-requests?box=inbox"):
        assert_contract_error(api.get(path, token=token), 401)


def test_an_agency_of_an_unregistered_unit_cannot_create_requests(api, relay_setup):
    stranger = make_token("agency", unit_id="hz-nowhere", sub_suffix="nowhere")
    before = api.get("/stats").data

    response = api.post("/verification-requests", relay_body(), token=stranger)

    assert_contract_error(response, 403)
    assert response.data["code"] == "unit_not_registered"
    assert api.get("/stats").data == before


def test_answers_to_a_caller_with_a_token_are_never_cached(api, relay_setup):
    request_id = api.post("/verification-requests", relay_body(), token=relay_setup["requester"]).data[
        "request_id"
    ]

    for path, token in (
        (f"/verification-requests/{request_id}", relay_setup["target"]),
        ("/me/verification-requests", citizen_token()),
        ("/complaints", make_token("supervisor")),
    ):
        response = api.get(path, token=token)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "no-store" not in api.get("/proofs/PF-R001").headers.get("Cache-Control", "")


# Personal data in logs


def test_an_unhandled_error_is_logged_by_kind_and_place_never_by_its_message(
    api, relay_setup, monkeypatch, capfd
):
    def crash(*args, **kwargs):
        raise ValueError(f"invalid literal for int() with base 10: '{SUBJECT_ID}'")

    monkeypatch.setattr("chalicelib.services.relay.RelayService.create", crash)
    capfd.readouterr()

    response = api.post("/verification-requests", relay_body(), token=relay_setup["requester"])

    printed = capfd.readouterr().out
    assert response.status_code == 500 and response.data["code"] == "internal_error"
    assert SUBJECT_ID not in printed and SUBJECT_ID not in response.body.decode("utf-8")
    (line,) = [json.loads(line) for line in printed.splitlines() if '"unhandled error"' in line]
    assert line["error"] == "ValueError" and any("crash" in frame for frame in line["stack"])
