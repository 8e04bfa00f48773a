"""What counts as text this service can store and serve back."""

from __future__ import annotations

import re
import unicodedata

# A lone UTF-16 surrogate (`"\ud800"` in JSON, or in a token's claims) decodes to a str that
# cannot be encoded back to UTF-8: stored, it would make every answer that holds it unservable.
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_servable(text: str) -> bool:
    return _SURROGATE.search(text) is None


# Line breaks and tabs are kept: a complaint's description may run over several lines. Every
# other control character (C0, DEL, C1) is refused: it renders as nothing, or as a control,
# on the board and in an agency's screen.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Characters that draw nothing though Unicode calls them letters or symbols (Hangul fillers,
# the blank braille pattern, the musical null notehead, the object replacement character);
# with format characters (Cf: zero-width, bidi marks, U+FEFF, U+2060), spaces (Z*) and marks
# (M*, which only decorate a character before them) they leave nothing to read.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\U0001d159\ufffc")
_UNSEEN_CATEGORIES = ("C", "Z", "M")


def has_controls(text: str) -> bool:
    return _CONTROL.search(text) is not None


def is_visible(text: str) -> bool:
    """Whether `text` shows at least one character a reader can see."""
    return any(
        not unicodedata.category(char).startswith(_UNSEEN_CATEGORIES) and char not in _BLANK_LOOKING
        for char in text
    )


# The shape of every id this service names things by (units, proof items, matters; ULIDs):
# the schemas' id pattern, the path ids (api/routing.py) and an agency token's unit.
ID = re.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def is_id(text: str) -> bool:
    return ID.fullmatch(text) is not None
