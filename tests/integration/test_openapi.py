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


def test_the_alert_schema_the_document_and_the_api_rules_name_every_alert_type_the_code_sends():
    from chalicelib.domain.alerts import EVENT_TYPES

    assert openapi.ALERT.read_text(encoding="utf-8") == openapi.render_alert(), "run `make openapi`"
    published = json.loads(DOCUMENT.read_text(encoding="utf-8"))["components"]["schemas"]["alert"]
    assert published["properties"]["event_type"]["enum"] == list(EVENT_TYPES)
    rules = (DOCUMENT.parent.parent / "docs" / "api-rules.md").read_text(encoding="utf-8")
    assert [name for name in EVENT_TYPES if f"`{name}`" not in rules] == []


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


def test_redocly_lints_the_document_with_no_error():
    """Redocly CLI (pinned in infra/local/package.json, installed by make install) with its
    recommended rules: what an integrator's own tooling says of the document."""
    import subprocess

    redocly = DOCUMENT.parent.parent / "infra" / "local" / "node_modules" / ".bin" / "redocly"
    linted = subprocess.run(
        [str(redocly), "lint", str(DOCUMENT), "--format=summary"], capture_output=True, text=True, timeout=120
    )
    assert linted.returncode == 0, linted.stdout[-2000:] + linted.stderr[-2000:]
    assert "error" not in linted.stdout.replace("0 errors", ""), linted.stdout[-2000:]


def test_every_operation_has_a_url_safe_camel_case_id_a_tag_and_the_answers_any_operation_may_give():
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    operations = [op for item in document["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in operations]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch("[a-z][A-Za-z0-9]*", op_id) for op_id in ids), ids
    tags = {tag["name"] for tag in document["tags"]}
    assert all(len(op["tags"]) == 1 and op["tags"][0] in tags for op in operations)
    assert all({"429", "500"} <= set(op["responses"]) for op in operations)
    assert document["info"]["title"].isascii() and document["info"]["license"]["identifier"]
    assert all(title.isascii() for title in (s["title"] for s in document["components"]["schemas"].values()))
    for op in operations:
        limits = [p for p in op.get("parameters", []) if p["name"] == "limit"]
        assert all(
            p["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20} for p in limits
        )
        if "Idempotency-Key" in {p["name"] for p in op.get("parameters", [])}:
            success = next(code for code in op["responses"] if code.startswith("2"))
            assert "Idempotency-Replayed" in op["responses"][success]["headers"]


def test_every_time_and_date_field_says_its_format():
    def fields(schema, path=""):
        if isinstance(schema, dict):
            for name, sub in schema.get("properties", {}).items():
                yield f"{path}/{name}", name, sub
                yield from fields(sub, f"{path}/{name}")
            for key in ("items", "anyOf", "oneOf", "allOf"):
                for sub in schema.get(key, []) if isinstance(schema.get(key), list) else [schema.get(key)]:
                    yield from fields(sub, path)

    def formats(sub):
        return {sub.get("format")} | {s.get("format") for s in sub.get("anyOf", [])}

    schemas = json.loads(DOCUMENT.read_text(encoding="utf-8"))["components"]["schemas"]
    missing = [
        f"{name}{where}"
        for name, schema in schemas.items()
        for where, field, sub in fields(schema)
        if (field.endswith("_at") and "date-time" not in formats(sub))
        or (field.endswith("_on") and "date" not in formats(sub))
    ]
    assert missing == []
