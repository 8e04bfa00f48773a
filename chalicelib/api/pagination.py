"""`?limit=&cursor=` parsing and opaque, tamper-checked cursors.

A cursor is the storage position after the last item served, signed with HMAC-SHA256 together
with the listing it belongs to (path and filters), so it cannot be forged, altered, or replayed
against another listing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain.errors import validation_error
from chalicelib.services.ports import Page, PageKey

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CURSOR = 1024  # a cursor this service writes is a few hundred characters
_LIMIT = re.compile("[0-9]{1,3}")


class Pager:
    def __init__(self, secret: str, listing: str, query: Mapping[str, str] | None) -> None:
        query = dict(query or {})
        self.limit = _limit(query.pop("limit", None))
        cursor = query.pop("cursor", None)
        # The filters are part of what the cursor is bound to.
        self._scope = json.dumps([listing, sorted(query.items())], ensure_ascii=False)
        self._key = hashlib.sha256(secret.encode()).digest()
        self.start: PageKey | None = None if cursor is None else self._decode(cursor)

    def body[T](self, page: Page[T], render: Callable[[T], Any]) -> dict[str, Any]:
        return {
            "items": [render(item) for item in page.items],
            "next_cursor": None if page.next_key is None else self._encode(page.next_key),
        }

    def _sign(self, payload: bytes) -> str:
        mac = hmac.new(self._key, self._scope.encode() + b"\0" + payload, hashlib.sha256)
        return _b64(mac.digest()[:16])

    def _encode(self, key: PageKey) -> str:
        payload = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(payload)}.{self._sign(payload)}"

    def _decode(self, cursor: str) -> PageKey:
        # compare_digest takes ASCII text only; anything longer than a cursor we write is not one
        key = self._verified(cursor) if len(cursor) <= MAX_CURSOR and cursor.isascii() else None
        if not isinstance(key, dict):
            raise validation_error(
                "The cursor is not valid for this listing: start again without it.",
                "分页游标无效或不属于此列表，请不带游标重新查询。",
                {"parameter": "cursor"},
            )
        return key

    def _verified(self, cursor: str) -> Any:
        payload_part, _, signature = cursor.partition(".")
        try:
            payload = base64.urlsafe_b64decode(payload_part + "=" * (-len(payload_part) % 4))
            valid = hmac.compare_digest(self._sign(payload), signature)
            return json.loads(payload) if valid else None
        except (ValueError, UnicodeDecodeError):
            return None


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    # ASCII digits only: str.isdigit() also takes '²' and other scripts' digits, which int() refuses
    if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise validation_error(
            f"limit must be a whole number from 1 to {MAX_LIMIT}.",
            f"limit 须为 1 到 {MAX_LIMIT} 之间的整数。",
            {"parameter": "limit"},
        )
    return int(raw)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
