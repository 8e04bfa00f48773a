"""Errors the rules raise. Each carries a stable code and a message in English and Chinese.

The kind of error (its class) decides the HTTP status, in chalicelib/api/errors.py alone.
Messages never contain personal data: callers pass identifiers of records, not of people.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(
        self, code: str, message: str, message_zh: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_zh = message_zh
        self.details = details


class InvalidInput(DomainError):
    """The request is malformed: schema, type, format (400)."""


class Unauthenticated(DomainError):
    """No valid identity (401)."""


class Forbidden(DomainError):
    """Known identity, not allowed (403)."""


class NotFound(DomainError):
    """The resource does not exist, or must not be seen to exist (404)."""


class Conflict(DomainError):
    """The request collides with the current state (409)."""


class RuleViolation(DomainError):
    """Well-formed, but the rules refuse it (422)."""


def validation_error(message: str, message_zh: str, details: dict[str, Any] | None = None) -> InvalidInput:
    return InvalidInput("validation_error", message, message_zh, details)


def not_found(kind: str, kind_zh: str, ident: str | None = None) -> NotFound:
    """`<kind>_not_found`; without `ident` when the id sent is not repeated (it may be anything)."""
    code = f"{kind.replace(' ', '_')}_not_found"
    if ident is None:
        return NotFound(code, f"No such {kind}.", f"未找到该{kind_zh}。")
    return NotFound(code, f"No {kind} with id '{ident}'.", f"未找到{kind_zh}“{ident}”。", {"id": ident})


def already_exists(kind: str, kind_zh: str, field: str, ident: str) -> Conflict:
    """`<kind>_exists`: an id or code that is taken (`kind` "proof item" answers proof_exists)."""
    code = f"{kind.split()[0]}_exists"
    return Conflict(
        code, f"{kind.capitalize()} '{ident}' already exists.", f"{kind_zh}“{ident}”已存在。", {field: ident}
    )


def forbidden() -> Forbidden:
    return Forbidden("forbidden", "You are not allowed to do this.", "无权执行此操作。")


def unauthenticated(reason: str) -> Unauthenticated:
    return Unauthenticated(
        "unauthenticated",
        f"A valid bearer token is required ({reason}).",
        "需要有效的身份令牌。",
    )
