"""A fuzzer of hostile input over real HTTP: Hypothesis draws strings and numbers that no schema
allows (lone surrogates, other scripts' digits, NaN and Infinity, numbers past any range, huge
and blank text, nesting) into the path ids, query parameters and bodies of every operation of
the OpenAPI document, for every role and for no token. No answer is a 5xx or a dropped
connection, and every error is in the contract's format.

Schemathesis (test_schemathesis.py) checks conformance with data shaped by the schemas; this
goes where they do not: text that cannot be encoded, numbers JSON does not have."""

import json
import re
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.validation import load_json
from infra.local.launch import launcher
from tests.support import SUBJECT_ID, make_token

# One worker runs the module against one launcher (make test runs two workers).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("hostile_fuzz")]

OPENAPI = load_json("openapi.json")
OPERATIONS = sorted(
    (method.upper(), path, operation)
    for path, item in OPENAPI["paths"].items()
    for method, operation in item.items()
    if method in ("get", "post", "patch") and path != "/openapi.json"
)
TOKENS = [
    None,
    ("citizen", {"name": "王小明", "id_number": SUBJECT_ID}),
    ("agency", {"unit_id": "hz-gaj"}),
    ("catalogue_admin", {}),
    ("supervisor", {}),
]

HOSTILE_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec=None), max_size=40),  # surrogates included
    st.sampled_from(
        [
            "\ud800",
            "x\udfff",
            "",
            "   ",
            "\u3000",
            SUBJECT_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            "²",
            "٣٣٠",
            "9" * 5000,
            "证" * 3000,
            "../../etc/passwd",
            "\x00",
            "<script>alert(1)</script>",
            "NaN",
            "1e999",
            "0001-01-01T00:00:00+14:00",
        ]
    ),
)
HOSTILE_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([10**4000, -1, 0, 2**63, 5.0, 1e308]),
)
HOSTILE_VALUE = st.recursive(
    st.one_of(HOSTILE_TEXT, HOSTILE_NUMBER, st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(HOSTILE_TEXT, inner, max_size=3)),
    max_leaves=8,
)
PATH_PARAM = re.compile(r"\{([a-z_]+)\}")


def raw_path(text: str) -> str:
    """Percent-encode even what UTF-8 cannot carry (surrogates pass as their 3 bytes)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def body_for(operation: dict, values: list, extra: dict) -> bytes | None:
    """A body with the operation's own field names, each holding a hostile value (plus hostile
    fields of its own), written as Python's JSON encoder does when let: NaN, Infinity and
    escaped lone surrogates included."""
    if "requestBody" not in operation:
        return None
    # A body that is not JSON (a peer's JWS) gets the same hostile document: it must be refused.
    schema = operation["requestBody"]["content"].get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = OPENAPI["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    names = list(schema.get("properties", {}))
    document = {**dict(zip(names, values, strict=False)), **extra}
    return json.dumps(document, allow_nan=True).encode()


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with launcher(tmp_path_factory.mktemp("hostile")) as running:
        yield running


@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_hostile_input_never_gets_a_5xx_or_a_dropped_connection(target, method, path, operation):
    tokens = [None if t is None else make_token(t[0], **t[1]) for t in TOKENS]
    parameters = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]

    @settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        ids=st.dictionaries(st.sampled_from(PATH_PARAM.findall(path) or ["_"]), HOSTILE_TEXT),
        query=st.dictionaries(
            st.sampled_from(parameters or ["limit"]), st.one_of(HOSTILE_TEXT, HOSTILE_NUMBER)
        ),
        field_values=st.lists(HOSTILE_VALUE, min_size=12, max_size=12),
        extra=st.dictionaries(HOSTILE_TEXT, HOSTILE_VALUE, max_size=2),
        token=st.sampled_from(tokens),
    )
    def fuzz(ids, query, field_values, extra, token):
        url_path = PATH_PARAM.sub(lambda m: raw_path(ids.get(m.group(1), "X1")), path)
        url = target["base"] + url_path
        if query:
            url += "?" + "&".join(f"{raw_path(k)}={raw_path(str(v))}" for k, v in query.items())
        body = body_for(operation, field_values, extra)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = requests.request(method, url, data=body, headers=headers, timeout=30)
        except requests.ConnectionError as error:  # a dropped connection is a failure too
            pytest.fail(f"{method} {url_path[:80]}: connection dropped: {type(error).__name__}")
        assert response.status_code < 500, (method, url_path[:80], response.status_code, response.text[:300])
        if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            assert {"code", "message", "message_zh"} <= set(response.json()), response.text[:300]

    fuzz()
