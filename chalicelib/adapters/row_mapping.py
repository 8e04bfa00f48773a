"""Rows from records and records back, by field name.

A row class declares its attributes once; a record's fields that share a name with one travel
between them without being listed again. A row's mapping then names only what differs: its
keys and index keys, nested records, and fields stored under another name.
"""

from __future__ import annotations

import dataclasses
import types
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

from pynamodb.models import Model


def row_values(record: Any, row_class: type[Model], **given: Any) -> dict[str, Any]:
    """The attributes a record fills in a row: each field of the record that the row class
    declares (an enum as its value, a tuple as a list), then `given`."""
    declared = row_class.get_attributes()
    values = {
        field.name: _stored(getattr(record, field.name))
        for field in dataclasses.fields(record)
        if field.name in declared and field.name not in given
    }
    return {**values, **given}


def record_of[Record](record_class: type[Record], row: Model, **given: Any) -> Record:
    """The record a row holds: each field of the record that the row declares, read back as
    the field's type, then `given` (the record's defaults fill the rest)."""
    declared = row.get_attributes()
    hints = _field_types(record_class)
    values = {
        name: _read(hint, getattr(row, name))
        for name, hint in hints.items()
        if name in declared and name not in given
    }
    return record_class(**values, **given)


_FIELD_TYPES: dict[type, dict[str, Any]] = {}


def _field_types(record_class: type) -> dict[str, Any]:
    """The record's fields and their types (resolved once per class: hints are text here)."""
    if record_class not in _FIELD_TYPES:
        hints = get_type_hints(record_class)
        _FIELD_TYPES[record_class] = {f.name: hints[f.name] for f in dataclasses.fields(record_class)}
    return _FIELD_TYPES[record_class]


def _stored(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def _read(hint: Any, value: Any) -> Any:
    """A stored value as the field's type: DynamoDB numbers come back as numbers of either
    kind, enums as their values, and a text field stored as null (written before the field
    existed) reads as empty text."""
    if value is None:
        return "" if hint is str else None
    kind = _optional_of(hint)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if kind in (int, bool):
        return kind(value)
    return value


def _optional_of(hint: Any) -> Any:
    """`X` for `X | None`; the hint itself otherwise."""
    if get_origin(hint) in (Union, types.UnionType):
        kinds = [kind for kind in get_args(hint) if kind is not type(None)]
        return kinds[0] if len(kinds) == 1 else hint
    return hint
