"""The OpenAPI document is current, valid, and names exactly the routes the app serves."""

import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from openapi_spec_validator import validate

from app import app
from scripts import openapi
from tests.support import proof_body

DOCUMENT = Path(openapi.OUTPUT)


def test_the_committed_document_is_what_make_openapi_builds():
    assert DOCUMENT.read_text(encoding="utf-8") == openapi.render(), "run `make openapi`"


def test_the_alert_schema_the_document_and_the_readme_name_every_alert_type_the_code_sends():
    from chalicelib.domain.alerts import EVENT_TYPES

    assert openapi.ALERT.read_text(encoding="utf-8") == openapi.render_alert(), "run `make openapi`"
    published = json.loads(DOCUMENT.read_text(encoding="utf-8"))["components"]["schemas"]["alert"]
    assert published["properties"]["event_type"]["enum"] == list(EVENT_TYPES)
    readme = (DOCUMENT.parent.parent / "README.md").read_text(encoding="utf-8")
    assert [name for name in EVENT_TYPES if f"`{name}`" not in readme] == []


def test_the_document_is_valid_openapi_3_1():
    validate(json.loads(DOCUMENT.read_text(encoding="utf-8")))


def test_every_route_is_documented_and_every_documented_operation_exists():
    served = {(path, method.lower()) for path, methods in app.routes.items() for method in methods}
    documented = {(path, method) for path, ops in openapi.build()["paths"].items() for method in ops}
    assert served == documented


def test_every_request_and_response_schema_is_a_valid_json_schema():
    invalid = []
    for name, schema in openapi.build()["components"]["schemas"].items():
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError:
            invalid.append(name)
    assert invalid == []


def test_served_document_matches_the_file(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200
    assert response.data == json.loads(DOCUMENT.read_text(encoding="utf-8"))


def test_responses_match_their_documented_schemas(api, admin_token, unit):
    components = openapi.build()["components"]["schemas"]

    def check(name, body):
        schema = {**components[name], "$defs": components}
        text = json.dumps(schema).replace("#/components/schemas/", "#/$defs/")
        Draft202012Validator(json.loads(text)).validate(body)

    created = api.post(
        "/proofs", proof_body(disposition="cancelled", rule="no_legal_basis"), token=admin_token
    )
    check("proof", created.data)
    check("proof-page", api.get("/proofs").data)
    check("change-record-page", api.get("/catalogue/changes").data)
    check("unit", api.get("/units/hz-gaj").data)
    check("stats", api.get("/stats").data)
    check("error", api.get("/proofs/none").data)
    assert re.fullmatch(r"[a-z_]+", api.get("/proofs/none").data["code"])
