"""What counts as text this service can store and serve back."""

from __future__ import annotations

import re

# A lone UTF-16 surrogate (`"\ud800"` in JSON, or in a token's claims) decodes to a str that
# cannot be encoded back to UTF-8: stored, it would make every answer that holds it unservable.
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_servable(text: str) -> bool:
    return _SURROGATE.search(text) is None


# The shape of every id this service names things by (units, proof items, matters; ULIDs):
# the schemas' id pattern, the path ids (api/routing.py) and an agency token's unit.
ID = re.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def is_id(text: str) -> bool:
    return ID.fullmatch(text) is not None
