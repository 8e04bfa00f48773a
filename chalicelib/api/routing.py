"""Declaring routes. Each route states, where it is registered, what it is: its summary, who
may call it, the schemas of its body and query, its success status and the refusals of its own.
The wrapper reads and checks the request from that declaration (path ids, caller, body, query,
Idempotency-Key), turns the view's plain data or any domain error into a JSON response, and
the OpenAPI document (scripts/openapi.py) is built from the same declarations."""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from chalice.app import Blueprint, Response

from chalicelib.api.errors import CHALICE_ERRORS, error_body, error_response, json_response
from chalicelib.api.idempotency import idempotent
from chalicelib.api.inputs import body, caller, optional_caller, pager, query
from chalicelib.api.pagination import Pager
from chalicelib.domain.commands import SCHEMA_OF
from chalicelib.domain.errors import DomainError, not_found
from chalicelib.domain.identity import EVERYONE, Identity, Role
from chalicelib.domain.text import is_id
from chalicelib.observability import logger
from chalicelib.validation import MAX_BODY_BYTES, load_json

# Bodies are parsed as JSON whatever the label: `curl -d` sends form-encoded by default, and a
# token in the Authorization header (which no HTML form can send) guards every write.
BODY_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/jose"]

# Every id in a path has the shape of the ids this service writes (schemas' id pattern; ULIDs);
# findings and checkpoints are numbered. Anything else is a 404 before any table is read: an id
# longer than DynamoDB's key limit would otherwise fail inside DynamoDB, a huge number in int().
NUMBERS = {"n": re.compile("[0-9]{1,3}"), "number": re.compile("[1-9][0-9]{0,9}")}
PATH_IDS = {
    "unit_id": ("unit", "单位"),
    "proof_id": ("proof", "证明事项"),
    "matter_code": ("matter", "事项"),
    "request_id": ("verification request", "协查请求"),
    "commitment_id": ("commitment", "承诺"),
    "notice_id": ("lost notice", "遗失声明"),
    "complaint_id": ("complaint", "投诉"),
    "inspection_id": ("inspection", "检查"),
    "n": ("finding", "问题"),
    "number": ("checkpoint", "检查点"),
    "stage": ("stage", "平台"),
}
IDEMPOTENCY_CONFLICTS = ("idempotency_key_reused", "idempotency_in_progress")
# What a write answers when other writes to the same records kept it out (adapters/transact.py).
BUSY = "busy"


@dataclass(frozen=True, kw_only=True)
class Route:
    """What a route is, declared once: the wrapper enforces it, the OpenAPI document shows it."""

    method: str
    path: str
    summary: str
    roles: tuple[Role, ...] = ()  # none: public
    audience: str = ""  # who may call, in words, where the roles alone do not say it
    body: str | None = None  # request schema
    max_body: int = MAX_BODY_BYTES  # bytes of body read: larger is a 400 payload_too_large
    raw_body: str | None = None  # the media type of a body that is not JSON (the view reads it)
    query: str | None = None  # query schema (schemas/query-*.json)
    response: str | None = None  # response schema; "html" for a web page; a media type for a file
    page_of: str | None = None  # the response is a page of these
    status: int = 200
    refuses: Mapping[int, str] = field(default_factory=dict)  # the route's own refusals
    idempotent: bool = False  # honours Idempotency-Key
    # What a write answers (409) when other writes to the same records kept it out after every
    # retry (services/retry.py); None for a write that is one conditional put, never retried.
    busy: str | None = BUSY
    reads_token: bool = False  # public, but shows more to a caller who sends a token
    # How a refusal is shown when not as JSON (the board shows its errors as a page).
    errors_as: Callable[[Any, DomainError], Response | None] | None = None
    # Set at registration from the view: its name (the OpenAPI operationId, camelCased) and
    # its module under chalicelib/api (the capability, the operation's tag).
    name: str = ""
    capability: str = ""

    @property
    def operation_id(self) -> str:
        first, *rest = self.name.split("_")
        return first + "".join(word.capitalize() for word in rest)

    @property
    def body_optional(self) -> bool:
        """A body whose schema requires nothing may be left out: it reads as `{}` (an action
        that takes no body, or only optional fields)."""
        return bool(self.body) and not load_json(f"{self.body}.json").get("required")

    @property
    def path_ids(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]

    def standard_answers(self) -> dict[int, list[str]]:
        """The refusals that follow from the declaration, then the route's own."""
        answers: dict[int, list[str]] = {}

        def add(status: int, *codes: str) -> None:
            listed = answers.setdefault(status, [])
            listed.extend(code for code in codes if code not in listed)

        if self.body or self.query or self.raw_body:
            add(400, "validation_error")
        # A listing binds its cursors to the caller, so it checks a token that is sent.
        if self.roles or self.reads_token or self.query:
            add(401, "unauthenticated")
        if self.roles and set(self.roles) != set(EVERYONE):
            add(403, "forbidden")
        if Role.AGENCY in self.roles:  # api/inputs.caller: a unit acts on its home stage only
            add(403, "unit_not_registered", "unit_not_homed_here")
        for name in self.path_ids:
            add(404, not_found(*PATH_IDS[name]).code)  # the code check_path_ids answers
        for status, codes in self.refuses.items():
            add(status, *(code.strip() for code in codes.split(",")))
        if self.method != "GET" and self.busy:
            add(409, self.busy)
        if self.idempotent:
            add(409, *IDEMPOTENCY_CONFLICTS)
        return dict(sorted(answers.items()))


ROUTES: list[Route] = []  # every declared route, in the order registered


@dataclass(frozen=True)
class Call:
    """A request as its route declared it: the checked caller, the validated body and query."""

    request: Any
    route: Route
    caller: Identity | None  # None on a public route called without a token
    body: dict[str, Any]
    filters: dict[str, str]

    @property
    def who(self) -> Identity:
        """The caller of a route that requires one."""
        assert self.caller is not None, "only routes with roles have a caller for certain"
        return self.caller

    def command[C](self, kind: type[C]) -> C:
        """The body as the typed command of its route's schema, which checked it at the door
        (domain/commands.SCHEMA_OF; tests/unit/test_commands.py keeps the two alike)."""
        assert SCHEMA_OF[kind] == self.route.body, f"{kind.__name__} is not the command of {self.route.body}"
        return cast(C, self.body)

    def pager(self, listing: str | None = None, **defaults: str) -> Pager:
        """Paging for this route's listing (or `listing`, where two routes share one), bound to
        its filters, with `defaults` standing for the filters a request leaves out."""
        return pager(self.request, listing or self.route.path, {**defaults, **self.filters})

    @classmethod
    def read(cls, route: Route, request: Any) -> Call:
        # The caller first: a stranger learns nothing from the validation of what they sent.
        if route.roles:
            who: Identity | None = caller(request, *route.roles)
        else:
            who = optional_caller(request) if route.reads_token else None
        empty_as: dict[str, Any] | None = {} if route.body_optional else None
        data = body(request, route.body, empty_as, route.max_body) if route.body else {}
        filters = query(request, route.query) if route.query else {}
        return cls(request, route, who, data, filters)


def endpoint(blueprint: Blueprint, **declaration: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `view(call, **path_ids)` on `blueprint` as `Route(**declaration)` says."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        capability = view.__module__.rsplit(".", 1)[-1]
        route = Route(**declaration, name=view.__name__, capability=capability)
        ROUTES.append(route)

        @functools.wraps(view)
        def respond(**path_args: str) -> Response:
            try:
                check_path_ids(path_args)
                call = Call.read(route, blueprint.current_request)
                result = _run(blueprint, call, view, path_args)
            except DomainError as error:
                page = route.errors_as(blueprint.current_request, error) if route.errors_as else None
                return page or error_response(error)
            except Exception as error:  # noqa: BLE001 - the last line of defence against a 5xx body leak
                # Logged by kind and place only: an exception's message may quote the value
                # that caused it (an ID number). The client gets the contract's error body.
                logger.error("unhandled error", extra=where(error))
                return json_response(error_body(*CHALICE_ERRORS[500]), 500)
            if isinstance(result, Response):
                return result
            return json_response(result, route.status)

        blueprint.route(route.path, methods=[route.method], content_types=BODY_TYPES)(respond)
        return view

    return register


def _run(blueprint: Blueprint, call: Call, view: Callable[..., Any], path_args: dict[str, str]) -> Any:
    if not call.route.idempotent:
        return view(call, **path_args)
    return idempotent(
        blueprint,
        call.who,
        f"{call.route.method} {call.route.path}",
        call.body,
        lambda: view(call, **path_args),
        call.route.status,
    )


def check_path_ids(path_args: dict[str, str]) -> None:
    for name, value in path_args.items():
        if not (NUMBERS[name].fullmatch(value) if name in NUMBERS else is_id(value)):
            raise not_found(*PATH_IDS.get(name, ("resource", "资源")))  # the value is not repeated


def where(error: BaseException) -> dict[str, Any]:
    """What an unhandled error was and where it was raised, without its message."""
    frames = traceback.extract_tb(error.__traceback__)
    return {
        "error": type(error).__name__,
        "stack": [f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in frames],
    }
