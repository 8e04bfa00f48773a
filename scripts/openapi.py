"""Build schemas/openapi.json (OpenAPI 3.1) from the JSON Schemas in schemas/ and the table of
operations below. `make openapi` writes it; a test fails when it is stale or when a route of
the app is missing from it, or the other way round."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
OUTPUT = SCHEMAS / "openapi.json"

PUBLIC: list[str] = []
ADMIN = ["catalogue_admin"]
AGENCY = ["agency"]
SUPERVISOR = ["supervisor"]
TARGET = ["agency (the target unit)"]
PARTIES = ["agency (requester or target unit)", "supervisor"]
IDEMPOTENT = {
    "proof-create",
    "verification-create",
    "commitment-create",
    "lost-notice-create",
    "complaint-create",
}
ACTION_ERRORS = {
    400: "validation_error",
    401: "unauthenticated",
    403: "forbidden",
    404: "verification_request_not_found",
    409: "invalid_state, busy",
}

LIST_PARAMS = [
    ("limit", "Page size, 1 to 100 (default 20).", {"type": "integer", "minimum": 1, "maximum": 100}),
    (
        "cursor",
        "Opaque cursor from the previous page's next_cursor, for the same caller and filters.",
        {"type": "string", "maxLength": 1024},
    ),
]
BOARD_PARAMS = [
    ("doc_type", "Only notices for this document type.", {"type": "string"}),
    (
        "q",
        "Words the statement or the holder's masked name contains. A search reads at most 200 "
        "notices per page, so a page may hold fewer items than limit (even none) with a "
        "next_cursor to search on.",
        {"type": "string", "maxLength": 50},
    ),
    *LIST_PARAMS,
]

# (method, path, summary, roles, request schema, status, response schema, query params, errors)
OPERATIONS: list[tuple[Any, ...]] = [
    (
        "post",
        "/units",
        "Register a unit",
        ADMIN,
        "unit-create",
        201,
        "unit",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden",
            409: "unit_exists",
            422: "unknown_unit, invalid_parent_unit",
        },
    ),
    ("get", "/units/{unit_id}", "Get a unit", PUBLIC, None, 200, "unit", [], {404: "unit_not_found"}),
    (
        "post",
        "/proofs",
        "Add a proof item to the catalogue (honours Idempotency-Key)",
        ADMIN,
        "proof-create",
        201,
        "proof",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden",
            409: "proof_exists, idempotency_key_reused, idempotency_in_progress",
            422: "unknown_unit, rule_required, rule_not_allowed, guidance_required, "
            "commitment_terms_required, sample_rate_required",
        },
    ),
    (
        "get",
        "/proofs",
        "Search the catalogue",
        PUBLIC,
        None,
        200,
        "proof-page",
        [
            (
                "disposition",
                "Only items with this disposition.",
                {"$ref": "#/components/schemas/disposition"},
            ),
            ("issuing_unit", "Only items issued by this unit.", {"type": "string"}),
            (
                "q",
                "Text the name (Chinese or English, any case) contains. A search reads at most 200 "
                "items per page, so a page may hold fewer items than limit (even none) with a "
                "next_cursor to search on.",
                {"type": "string", "maxLength": 50},
            ),
            *LIST_PARAMS,
        ],
        {400: "validation_error"},
    ),
    (
        "get",
        "/proofs/{proof_id}",
        "Get a proof item",
        PUBLIC,
        None,
        200,
        "proof",
        [],
        {404: "proof_not_found"},
    ),
    (
        "patch",
        "/proofs/{proof_id}",
        "Change a proof item (optimistic concurrency on version)",
        ADMIN,
        "proof-patch",
        200,
        "proof",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden",
            404: "proof_not_found",
            409: "version_conflict, catalogue_busy",
            422: "rule_required, rule_not_allowed, guidance_required, commitment_terms_required",
        },
    ),
    (
        "get",
        "/catalogue/changes",
        "The public, hash-chained change log, oldest first",
        PUBLIC,
        None,
        200,
        "change-page",
        [
            (
                "since",
                "Only records changed at or after this RFC 3339 time (to the second).",
                {"type": "string", "format": "date-time"},
            ),
            *LIST_PARAMS,
        ],
        {400: "validation_error"},
    ),
    (
        "post",
        "/matters",
        "Register a matter and the proofs it lists",
        ADMIN,
        "matter-create",
        201,
        "matter",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden",
            409: "matter_exists",
            422: "unknown_unit, unknown_proof",
        },
    ),
    (
        "get",
        "/matters/{matter_code}",
        "Get a matter",
        PUBLIC,
        None,
        200,
        "matter",
        [],
        {404: "matter_not_found"},
    ),
    (
        "get",
        "/matters/{matter_code}/requirements",
        "What a citizen must do, proof by proof",
        PUBLIC,
        None,
        200,
        "requirements",
        [],
        {404: "matter_not_found"},
    ),
    (
        "post",
        "/verification-requests",
        "Ask another unit to verify a fact (honours Idempotency-Key)",
        AGENCY,
        "verification-create",
        201,
        "verification-request",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden, unit_not_registered",
            404: "unit_not_found, proof_not_found",
            409: "idempotency_key_reused, idempotency_in_progress",
            422: "proof_cancelled",
        },
    ),
    (
        "get",
        "/verification-requests",
        "The caller unit's inbox or outbox, newest first",
        AGENCY,
        None,
        200,
        "verification-page",
        [
            (
                "box",
                "inbox (default: requests to the caller's unit) or outbox (requests it sent).",
                {"enum": ["inbox", "outbox"]},
            ),
            (
                "status",
                "Only requests in this status.",
                {"enum": ["pending", "accepted", "completed", "rejected", "overdue"]},
            ),
            *LIST_PARAMS,
        ],
        {400: "validation_error", 401: "unauthenticated", 403: "forbidden"},
    ),
    (
        "get",
        "/verification-requests/{request_id}",
        "A request, as the caller may see it",
        PARTIES,
        None,
        200,
        "verification-request",
        [],
        {401: "unauthenticated", 404: "verification_request_not_found"},
    ),
    (
        "post",
        "/verification-requests/{request_id}/accept",
        "The target unit takes the request on",
        TARGET,
        "empty-action",
        200,
        "verification-request",
        [],
        ACTION_ERRORS,
    ),
    (
        "post",
        "/verification-requests/{request_id}/respond",
        "The target unit answers",
        TARGET,
        "verification-respond",
        200,
        "verification-request",
        [],
        ACTION_ERRORS,
    ),
    (
        "post",
        "/verification-requests/{request_id}/reject",
        "The target unit declines",
        TARGET,
        "verification-reject",
        200,
        "verification-request",
        [],
        ACTION_ERRORS,
    ),
    (
        "get",
        "/verification-requests/{request_id}/trail",
        "Every event, hash-chained, and whether it recomputes",
        PARTIES,
        None,
        200,
        "trail",
        [],
        {401: "unauthenticated", 404: "verification_request_not_found"},
    ),
    (
        "get",
        "/me/verification-requests",
        "Which units asked about the calling citizen",
        ["citizen"],
        None,
        200,
        "my-verification-page",
        LIST_PARAMS,
        {400: "validation_error", 401: "unauthenticated", 403: "forbidden"},
    ),
    (
        "get",
        "/proofs/{proof_id}/commitment-notice",
        "The written notice to read before committing",
        PUBLIC,
        None,
        200,
        "commitment-notice",
        [],
        {404: "proof_not_found, commitment_notice_not_found"},
    ),
    (
        "post",
        "/commitments",
        "Commit in writing instead of bringing the proof (honours Idempotency-Key)",
        ["citizen"],
        "commitment-create",
        201,
        "commitment",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden, commitment_barred",
            404: "proof_not_found, matter_not_found",
            409: "notice_outdated, idempotency_key_reused, idempotency_in_progress",
            422: "commitment_not_allowed",
        },
    ),
    (
        "get",
        "/commitments",
        "The caller unit's commitments (verification_due: those picked for checking)",
        AGENCY,
        None,
        200,
        "commitment-page",
        [
            (
                "status",
                "Only commitments in this status.",
                {"enum": ["accepted", "verification_due", "verified", "false_commitment", "withdrawn"]},
            ),
            *LIST_PARAMS,
        ],
        {400: "validation_error", 401: "unauthenticated", 403: "forbidden"},
    ),
    (
        "get",
        "/commitments/{commitment_id}",
        "A commitment",
        ["citizen (owner)", "agency (handling unit)", "supervisor"],
        None,
        200,
        "commitment",
        [],
        {401: "unauthenticated", 404: "commitment_not_found"},
    ),
    (
        "get",
        "/me/commitments",
        "The calling citizen's commitments",
        ["citizen"],
        None,
        200,
        "commitment-page",
        LIST_PARAMS,
        {400: "validation_error", 401: "unauthenticated", 403: "forbidden"},
    ),
    (
        "post",
        "/commitments/{commitment_id}/withdraw",
        "The applicant withdraws",
        ["citizen (owner)"],
        "empty-action",
        200,
        "commitment",
        [],
        {**ACTION_ERRORS, 404: "commitment_not_found"},
    ),
    (
        "post",
        "/commitments/{commitment_id}/verification",
        "The handling unit records the check",
        ["agency (handling unit)"],
        "commitment-verification",
        200,
        "commitment",
        [],
        {**ACTION_ERRORS, 404: "commitment_not_found"},
    ),
    (
        "post",
        "/lost-notices",
        "Publish a lost-document notice, free (honours Idempotency-Key)",
        ["citizen"],
        "lost-notice-create",
        201,
        "lost-notice",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden",
            404: "unit_not_found",
            409: "idempotency_key_reused, idempotency_in_progress",
            422: "not_holder",
        },
    ),
    (
        "get",
        "/lost-notices",
        "The public board, newest first (numbers and names masked)",
        PUBLIC,
        None,
        200,
        "lost-notice-page",
        BOARD_PARAMS,
        {400: "validation_error"},
    ),
    (
        "get",
        "/lost-notices/{notice_id}",
        "A notice: masked for the public, whole for its holder",
        PUBLIC,
        None,
        200,
        "lost-notice",
        [],
        {401: "unauthenticated", 404: "lost_notice_not_found"},
    ),
    (
        "get",
        "/me/lost-notices",
        "The calling citizen's notices",
        ["citizen"],
        None,
        200,
        "lost-notice-page",
        LIST_PARAMS,
        {400: "validation_error", 401: "unauthenticated", 403: "forbidden"},
    ),
    (
        "post",
        "/lost-notices/{notice_id}/withdraw",
        "The holder withdraws (e.g. the document was found)",
        ["citizen (holder)"],
        "empty-action",
        200,
        "lost-notice",
        [],
        {**ACTION_ERRORS, 404: "lost_notice_not_found"},
    ),
    (
        "post",
        "/lost-notices/{notice_id}/reissue",
        "The issuing unit reissues, after the notice period",
        ["agency (issuing unit)"],
        "empty-action",
        200,
        "lost-notice",
        [],
        {**ACTION_ERRORS, 404: "lost_notice_not_found", 422: "reissue_not_requested"},
    ),
    (
        "get",
        "/board",
        "The notice board as an HTML page (Chinese; ?lang=en for English)",
        PUBLIC,
        None,
        200,
        "html",
        [*BOARD_PARAMS, ("lang", "en for English; Chinese otherwise.", {"enum": ["zh", "en"]})],
        {400: "validation_error (as an HTML page)"},
    ),
    (
        "post",
        "/complaints",
        "Complain that a unit demanded a proof (honours Idempotency-Key)",
        ["citizen"],
        "complaint-create",
        201,
        "complaint",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden",
            404: "unit_not_found, proof_not_found, matter_not_found",
            409: "idempotency_key_reused, idempotency_in_progress",
        },
    ),
    (
        "get",
        "/complaints",
        "Complaints, newest first",
        SUPERVISOR,
        None,
        200,
        "complaint-page",
        [("status", "Only complaints in this status.", {"enum": ["open", "resolved"]}), *LIST_PARAMS],
        {400: "validation_error", 401: "unauthenticated", 403: "forbidden"},
    ),
    (
        "get",
        "/complaints/{complaint_id}",
        "A complaint",
        ["supervisor", "citizen (complainant)"],
        None,
        200,
        "complaint",
        [],
        {401: "unauthenticated", 404: "complaint_not_found"},
    ),
    (
        "post",
        "/complaints/{complaint_id}/resolve",
        "Resolve with a finding and the action taken",
        SUPERVISOR,
        "complaint-resolve",
        200,
        "complaint",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden",
            404: "complaint_not_found",
            409: "invalid_state, busy",
        },
    ),
    (
        "post",
        "/inspections",
        "Record an inspection of a unit and its findings",
        SUPERVISOR,
        "inspection-create",
        201,
        "inspection",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden",
            404: "unit_not_found",
            422: "unknown_proof",
        },
    ),
    (
        "get",
        "/inspections/{inspection_id}",
        "An inspection",
        SUPERVISOR,
        None,
        200,
        "inspection",
        [],
        {401: "unauthenticated", 403: "forbidden", 404: "inspection_not_found"},
    ),
    (
        "post",
        "/inspections/{inspection_id}/findings/{n}/rectify",
        "Mark finding n (0-based) rectified",
        SUPERVISOR,
        "finding-rectify",
        200,
        "inspection",
        [],
        {
            400: "validation_error",
            401: "unauthenticated",
            403: "forbidden",
            404: "inspection_not_found, finding_not_found",
            409: "invalid_state, busy",
        },
    ),
    (
        "get",
        "/units/{unit_id}/supervision",
        "A unit's record: complaints, refused requests, findings",
        SUPERVISOR,
        None,
        200,
        "unit-supervision",
        [],
        {401: "unauthenticated", 403: "forbidden", 404: "unit_not_found"},
    ),
    ("get", "/stats", "Public figures, kept by counters", PUBLIC, None, 200, "stats", [], {}),
    ("get", "/openapi.json", "This document", PUBLIC, None, 200, None, [], {}),
]

ERROR_TEXT = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    422: "Refused by the rules",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        if path.name == OUTPUT.name or path.stem.startswith("query-") or path.stem == "alert":
            continue
        schema = json.loads(path.read_text(encoding="utf-8"))
        schema.pop("$schema", None)
        schemas[path.stem] = schema
    schemas["disposition"] = schemas["proof"]["properties"]["disposition"]
    pages = (
        ("proof", "proof-page"),
        ("change-record", "change-page"),
        ("verification-request", "verification-page"),
        ("my-verification-request", "my-verification-page"),
        ("commitment", "commitment-page"),
        ("lost-notice", "lost-notice-page"),
        ("complaint", "complaint-page"),
    )
    for item, page in pages:
        schemas[page] = {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": _ref(item)},
                "next_cursor": {"type": ["string", "null"]},
            },
        }
    return schemas


def _operation(op: tuple[Any, ...]) -> dict[str, Any]:
    method, path, summary, roles, request, status, response, params, errors = op
    doc: dict[str, Any] = {"summary": summary, "operationId": f"{method}{path}"}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in (part[1:-1] for part in path.split("/") if part.startswith("{"))
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "description": text, "schema": schema}
        for name, text, schema in params
    ]
    if request in IDEMPOTENT:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Retry-safe key, scoped to the caller, kept 24 h.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 128},
            }
        )
    if parameters:
        doc["parameters"] = parameters
    if request:
        doc["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(request)}}}
    if response == "html":
        content = {"text/html": {"schema": {"type": "string"}}}
    else:
        content = {"application/json": {"schema": _ref(response) if response else {"type": "object"}}}
    doc["responses"] = {str(status): {"description": "Success", "content": content}}
    for code, codes in errors.items():
        media = "text/html" if response == "html" else "application/json"
        schema = {"type": "string"} if response == "html" else _ref("error")
        doc["responses"][str(code)] = {
            "description": f"{ERROR_TEXT[code]}: {codes}",
            "content": {media: {"schema": schema}},
        }
    if roles:
        doc["security"] = [{"bearer": []}]
        doc["description"] = f"Roles: {', '.join(roles)}."
    else:
        doc["security"] = []
    return doc


def build() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op[1], {})[op[0]] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Proof-Free City API (无证明城市)",
            "version": "1.0.0",
            "description": "Public proof catalogue, verification relay, written commitments, "
            "lost-document notices and supervision. Errors: "
            "{code, message, message_zh, details?}.",
        },
        "servers": [{"url": "http://127.0.0.1:8000", "description": "make run"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": _components(),
        },
        "paths": paths,
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(Path.cwd()) if OUTPUT.is_relative_to(Path.cwd()) else OUTPUT}")
    sys.exit(0)
