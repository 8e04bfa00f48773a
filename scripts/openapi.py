"""Build schemas/openapi.json (OpenAPI 3.1) from the routes' own declarations (`endpoint()` in
chalicelib/api/routing.py) and the JSON Schemas in schemas/. `make openapi` writes it; a test
fails when the committed document is stale or does not name exactly the routes the app serves."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
OUTPUT = SCHEMAS / "openapi.json"
BESIDE = {"federation-message"}
ALERT = SCHEMAS / "alert.json"
FEDERATION_MESSAGE = "federation-message.json, published beside this document (schemas/)"

ERROR_TEXT = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    422: "Refused by the rules",
    429: "Too many requests",
    500: "Internal error",
}
# What any operation may answer besides its own refusals: API Gateway's throttling on a
# deployed stage (429, in the contract's error body: infra/stack.py) and the last line of
# defence against a 5xx body leak (api/routing.py).
EVERY_OPERATION = {429: ["too_many_requests"], 500: ["internal_error"]}
# One tag per capability (the module of chalicelib/api that declares the route), in this order.
TAGS = {
    "catalogue": ("Catalogue", "Proof items and what replaced each one (证明事项清单)"),
    "matters": ("Matters", "What a matter asks for (办事事项)"),
    "units": ("Units", "Agencies, departments, towns and villages (单位)"),
    "relay": ("Verification relay", "Requests between agencies, with a signed trail (协查)"),
    "commitments": ("Written commitments", "Commitments instead of proofs, checked afterwards (告知承诺)"),
    "lost_notices": ("Lost-document notices", "Notices online instead of in newspapers (遗失声明)"),
    "supervision": ("Supervision", "Complaints, inspections and findings (监督)"),
    "public": ("Figures", "Public figures and this document"),
    "transparency": ("Transparency", "The log of trail events, its checkpoints and proofs (透明日志)"),
    "federation": ("Federation", "Between stages: the directory and signed messages (跨区县)"),
    "workbench": ("Workbench", "The handlers' page on this API (协查工作台)"),
}
LIMIT = {
    "name": "limit",
    "in": "query",
    "required": False,
    "description": "Page size.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
}
REPLAYED = {
    "Idempotency-Replayed": {
        "description": "`true` when the answer is the first response to this Idempotency-Key, replayed.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retry-safe key, scoped to the caller, kept 24 h.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 128},
}


def _routes() -> list[Any]:
    import app  # noqa: F401 - importing the app registers every route's declaration
    from chalicelib.api.routing import ROUTES

    return ROUTES


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    schema.pop("$schema", None)
    return schema


def _titled(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The schema under an ASCII title made from its name (`verification-create` becomes
    `VerificationCreate`), which generators name their classes by; the file's own title, a
    phrase for people, leads its description."""
    phrase, text = schema.pop("title", ""), schema.pop("description", "")
    described = ". ".join(part for part in (phrase, text) if part)
    title = "".join(word.capitalize() for word in name.split("-"))
    return {"title": title, **({"description": described} if described else {}), **schema}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _components(routes: list[Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        # Published beside this document, not in it: a peer's signed message (the JWS payload,
        # which names its own $defs). The alert, an SNS message, is in it for generators.
        if path.name == OUTPUT.name or path.stem.startswith("query-") or path.stem in BESIDE:
            continue
        schemas[path.stem] = _titled(path.stem, _schema(path.stem))
    for item in sorted({route.page_of for route in routes if route.page_of}):
        schemas[f"{item}-page"] = {
            "title": "".join(word.capitalize() for word in f"{item}-page".split("-")),
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": _ref(item)},
                "next_cursor": {"type": ["string", "null"]},
            },
        }
    return schemas


def _parameters(route: Any) -> list[dict[str, Any]]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in route.path_ids
    ]
    for name, schema in (_schema(route.query)["properties"] if route.query else {}).items():
        if name == "limit":  # a query string carries text; the value it must hold is an integer
            parameters.append(LIMIT)
            continue
        schema = dict(schema)
        text = schema.pop("description", "")
        parameters.append(
            {"name": name, "in": "query", "required": False, "description": text, "schema": schema}
        )
    if route.idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    return parameters


def _responses(route: Any) -> dict[str, Any]:
    html = route.response == "html"
    if html or "/" in (route.response or ""):  # a page, or a file it loads (a media type)
        success = {"text/html" if html else str(route.response): {"schema": {"type": "string"}}}
    else:
        name = f"{route.page_of}-page" if route.page_of else route.response
        success = {"application/json": {"schema": _ref(name) if name else {"type": "object"}}}
    responses: dict[str, Any] = {str(route.status): {"description": "Success", "content": success}}
    if route.idempotent:
        responses[str(route.status)]["headers"] = REPLAYED
    for status, codes in {**route.standard_answers(), **EVERY_OPERATION}.items():
        # The board shows a refused search as a page; any other refusal is the JSON error body.
        media = {"text/html": {"schema": {"type": "string"}}} if html and status == 400 else None
        responses[str(status)] = {
            "description": f"{ERROR_TEXT[status]}: {', '.join(codes)}",
            "content": media or {"application/json": {"schema": _ref("error")}},
        }
    return responses


def _operation(route: Any) -> dict[str, Any]:
    summary = route.summary + (" (honours Idempotency-Key)" if route.idempotent else "")
    doc: dict[str, Any] = {
        "summary": summary,
        "operationId": route.operation_id,
        "tags": [TAGS[route.capability][0]],
    }
    parameters = _parameters(route)
    if parameters:
        doc["parameters"] = parameters
    if route.body:
        content = {"application/json": {"schema": _ref(route.body)}}
        doc["requestBody"] = {"required": not route.body_optional, "content": content}
    if route.raw_body:
        payload = {
            "type": "string",
            "description": f"A JWS compact serialization; its payload: {FEDERATION_MESSAGE}",
        }
        # Only peer stages call it: a generator that knows no application/jose leaves this one
        # operation out (openapi-python-client says so in a warning) and makes the rest.
        doc["requestBody"] = {"required": True, "content": {route.raw_body: {"schema": payload}}}
    doc["responses"] = _responses(route)
    if route.roles:
        doc["security"] = [{"bearer": []}]
        doc["description"] = f"Roles: {route.audience or ', '.join(route.roles)}."
    else:
        doc["security"] = []
    return doc


def build() -> dict[str, Any]:
    routes = _routes()
    paths: dict[str, Any] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Proof-Free City API",
            "summary": "无证明城市：证明事项清单、部门协查、告知承诺、遗失声明网上公示与监督",
            "version": "1.0.0",
            "description": "Proof-Free City (无证明城市): public proof catalogue, verification relay, "
            "written commitments, lost-document notices and supervision. Errors: "
            "{code, message, message_zh, details?}. Alerts to agencies (SNS) follow the `alert` "
            "schema; a peer stage's signed message, federation-message.json beside this document.",
            "license": {"name": "Apache 2.0", "identifier": "Apache-2.0"},
        },
        "tags": [{"name": name, "description": text} for name, text in TAGS.values()],
        "servers": [{"url": "http://127.0.0.1:8000", "description": "make run"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": _components(routes),
        },
        "paths": paths,
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=2) + "\n"


def render_alert() -> str:
    """schemas/alert.json with its event types as the code lists them (domain/alerts.py)."""
    from chalicelib.domain.alerts import EVENT_TYPES

    schema = json.loads(ALERT.read_text(encoding="utf-8"))
    schema["properties"]["event_type"] = {
        "enum": list(EVENT_TYPES),
        "description": "; ".join(f"`{name}`: {whom}" for name, whom in EVENT_TYPES.items()),
    }
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    ALERT.write_text(render_alert(), encoding="utf-8")  # first: the document includes it
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(Path.cwd()) if OUTPUT.is_relative_to(Path.cwd()) else OUTPUT}")
    sys.exit(0)
