"""What a route reads from a request: the caller, a validated body, validated query params."""

from __future__ import annotations

from typing import Any

from chalicelib import auth, wiring
from chalicelib.api.pagination import Pager
from chalicelib.domain.identity import Identity, Role
from chalicelib.validation import MAX_BODY_BYTES, load_json, parse_json, validate

PAGING = ("limit", "cursor")
NAVIGATION = ("back",)  # where a page came from (the board's previous-page link): not a filter


_IDENTITY = "_proof_free_identity"  # where a request keeps its verified caller


def caller(request: Any, *roles: Role) -> Identity:
    """The authenticated caller (401 otherwise), who must hold one of `roles` (403 otherwise);
    an agency's unit must be registered and homed on this stage (403 unit_not_registered,
    unit_not_homed_here): every action and inbox read of a unit happens on its home stage."""
    identity = optional_caller(request)
    if identity is None:
        identity = auth.identify(request.headers, wiring.settings())  # raises the 401
    identity.require(*roles)
    if identity.role is Role.AGENCY:
        assert identity.unit_id is not None  # an agency token always names its unit
        wiring.catalogue().acting_unit(identity.unit_id)
    return identity


def optional_caller(request: Any) -> Identity | None:
    """The caller if a token is sent (and then it must be valid), else None (anonymous).
    The token is verified once per request; pager() reads the same identity."""
    if not (request.headers or {}).get("authorization"):
        return None
    if not hasattr(request, _IDENTITY):
        setattr(request, _IDENTITY, auth.identify(request.headers, wiring.settings()))
    identity: Identity = getattr(request, _IDENTITY)
    return identity


def body(request: Any, schema: str, empty_as: Any = None, max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    return validate(schema, parse_json(request.raw_body, empty_as, max_bytes))


def query(request: Any, schema: str) -> dict[str, str]:
    """Query parameters, validated; parameters the schema does not name are dropped, and an
    empty one counts as absent (an HTML form sends its empty fields)."""
    params = {k: v for k, v in (request.query_params or {}).items() if v != ""}
    validate(schema, params)
    known = load_json(f"{schema}.json").get("properties", {})
    return {k: v for k, v in params.items() if k in known and k not in PAGING + NAVIGATION}


def pager(request: Any, listing: str, filters: dict[str, str]) -> Pager:
    """Paging for `listing` with these filters; the cursor is bound to both and to the whole
    caller (Identity.key), so one caller's cursor never opens another's listing."""
    paging = {k: v for k, v in (request.query_params or {}).items() if k in PAGING and v != ""}
    who = optional_caller(request)
    scope = {"caller": who.key} if who else {}
    return Pager(wiring.cursor_secret(), listing, {**filters, **paging, **scope})
