"""Request validation against the JSON Schemas in schemas/ (draft 2020-12).

The schemas are read from schemas/ beside the project, or from chalicelib/_schemas/ where the
build copies them into the deployment package (Chalice ships only app.py and chalicelib/).
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import InvalidInput, validation_error
from chalicelib.domain.text import has_controls, is_servable, is_visible

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

_HERE = Path(__file__).resolve().parent
# The project's own schemas/ first: the packaged copy exists only for Lambda, and a copy left
# by an earlier `make synth` must never shadow the schemas being edited.
SCHEMA_DIRS = (_HERE.parent / "schemas", _HERE / "_schemas")
MAX_ERRORS = 10
MAX_PROBLEM = 200  # characters of a field's path or a problem's text in a 400's details
MAX_BODY_BYTES = 64 * 1024  # the largest legitimate body (a proof item) is a few KiB
MAX_DEPTH = 16  # the deepest legitimate body nests 4 levels
SAFE_INTEGER = 2**53  # integral numbers up to here are integers, whatever their spelling


def schema_path(name: str) -> Path:
    for folder in SCHEMA_DIRS:
        path = folder / name
        if path.exists():
            return path
    raise FileNotFoundError(name)


@cache
def load_json(name: str) -> Any:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> Draft202012Validator:
    # Compiled on first use, not at import, and jsonschema itself imported only then: a request
    # with neither body nor query (a public lookup) never loads it, about 25 ms of a cold start.
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource

    # A schema may name another file's definition (`"$ref": "unit-create.json#/properties/name"`),
    # so that what a peer stage sends is held to the same field rules as the public API.
    # (`retrieve` is an attrs field of Registry, its documented way to load on demand, which
    # mypy cannot see without the attrs plugin.)
    registry: Registry[Any] = Registry(retrieve=lambda uri: Resource.from_contents(load_json(uri)))  # type: ignore[call-arg]
    return Draft202012Validator(load_json(f"{name}.json"), format_checker=FormatChecker(), registry=registry)


def parse_json(raw: bytes | None, empty_as: Any = None, max_bytes: int = MAX_BODY_BYTES) -> Any:
    """The body as strict RFC 8259 JSON, cleaned the one way every body is (`clean`)."""
    if not raw or not raw.strip():
        if empty_as is not None:
            return empty_as
        raise validation_error("The request needs a JSON body.", "请求须包含 JSON 正文。")
    if len(raw) > max_bytes:
        raise InvalidInput(
            "payload_too_large",
            f"The body is larger than {max_bytes // 1024} KiB.",
            f"请求正文超过 {max_bytes // 1024} KiB。",
        )
    try:
        document = loads_strict(raw)
    except ValueError:
        raise validation_error(
            "The body is not valid UTF-8 JSON (RFC 8259: no NaN or Infinity).",
            "请求正文不是有效的 UTF-8 JSON（不接受 NaN 或 Infinity）。",
        ) from None
    return clean(document)


def loads_strict(raw: bytes) -> Any:
    """Strict RFC 8259 JSON from a stranger's bytes, at a bounded cost: ValueError for anything
    else, nesting deep enough to exhaust the parser's recursion included (RecursionError is not
    a ValueError, and would otherwise escape as a 500). Every JSON this service is sent, bodies
    and the parts of a peer's JWS alike, is read through here."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite)
    except (UnicodeDecodeError, RecursionError) as error:
        raise ValueError("not UTF-8 JSON") from error


def clean(value: Any, depth: int = 0) -> Any:
    """How every body's text and numbers are taken, decided once, before any schema sees them:
    strings are trimmed of surrounding white space (so a blank name fails its minLength);
    text that cannot be encoded back to UTF-8, holds a control character or shows nothing
    visible is refused (`legible`); integral numbers are integers (`5.0` is `5`); nesting past
    MAX_DEPTH is refused."""
    if depth > MAX_DEPTH:
        raise validation_error(
            f"The body nests deeper than {MAX_DEPTH} levels.", f"请求正文嵌套超过 {MAX_DEPTH} 层。"
        )
    if isinstance(value, str):
        return legible(servable(value).strip())
    if isinstance(value, float) and value.is_integer() and abs(value) <= SAFE_INTEGER:
        return int(value)
    if isinstance(value, list):
        return [clean(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {legible(servable(key)): clean(item, depth + 1) for key, item in value.items()}
    return value


def servable(text: str) -> str:
    """`text` if it can be served back as UTF-8, else a 400 (never naming the value)."""
    if not is_servable(text):
        raise validation_error(
            "Text holds an unpaired UTF-16 surrogate, which is not a character.",
            "文本含有不成对的 UTF-16 代理码元，不是有效字符。",
        )
    return text


def legible(text: str) -> str:
    """`text` if a person can read it: no control characters but line breaks and tabs, and,
    unless empty, something visible once format characters, spaces, marks and blank-looking
    letters are set aside. Else a 400 (never naming the value)."""
    if has_controls(text):
        raise validation_error(
            "Text holds a control character (only line breaks and tabs are allowed).",
            "文本含有控制字符（仅允许换行和制表符）。",
        )
    if text and not is_visible(text):
        raise validation_error(
            "Text holds no visible character (only spaces, zero-width or format characters).",
            "文本不含可见字符（仅有空格、零宽或格式字符）。",
        )
    return text


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999 overflows to infinity
        raise ValueError("not a finite number")
    return number


def validate(name: str, document: Any) -> dict[str, Any]:
    """Return `document` if it matches schema `name`, else raise a 400 listing the problems."""
    errors = sorted(_validator(name).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        problems = [
            {"field": _short("/" + "/".join(str(p) for p in error.path)), "problem": _short(_describe(error))}
            for error in errors[:MAX_ERRORS]
        ]
        raise validation_error(
            "The request does not match its schema.",
            "请求内容不符合格式要求。",
            {"schema": name, "errors": problems},
        )
    valid: dict[str, Any] = document  # every schema here describes an object
    return valid


def _short(text: str) -> str:
    """At most MAX_PROBLEM characters: a field's name or a message quoting one is the sender's
    text (a key of 100,000 characters would otherwise come back, and be kept with a refusal)."""
    return text if len(text) <= MAX_PROBLEM else text[: MAX_PROBLEM - 1] + "…"


# These messages name fields only; every other message of jsonschema quotes the value sent,
# which may be a resident ID number, so it is replaced by the constraint that failed.
_SAFE_MESSAGES = {"required", "additionalProperties", "dependentRequired", "unevaluatedProperties"}


def _describe(error: Any) -> str:
    if error.validator in _SAFE_MESSAGES:
        return str(error.message)
    expected = json.dumps(error.validator_value, ensure_ascii=False)
    if len(expected) > 200 or error.validator in {"oneOf", "anyOf", "allOf", "not", "if"}:
        return f"does not satisfy '{error.validator}'"
    return f"does not satisfy '{error.validator}': {expected}"
