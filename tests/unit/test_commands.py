"""Each typed command says what its JSON Schema says: the same fields, the same required ones,
and the same allowed values where the schema lists them. The schema checks a body at the
door; the type is what mypy checks the services against, so the two must not drift apart."""

import typing

import pytest

from chalicelib.domain import commands
from chalicelib.validation import load_json


def _nested(schema, path):
    for part in path:
        schema = schema["properties"][part] if part != "[]" else schema["items"]
    return schema


CASES = [(command, name, ()) for command, name in commands.SCHEMA_OF.items()] + [
    (commands.Terms, "proof-create", ("commitment",)),
    (commands.SubjectData, "verification-create", ("subject",)),
    (commands.FindingData, "inspection-create", ("findings", "[]")),
]


@pytest.mark.parametrize(("command", "schema", "path"), CASES, ids=[c[0].__name__ for c in CASES])
def test_a_command_has_its_schemas_fields_and_required_fields(command, schema, path):
    spec = _nested(load_json(f"{schema}.json"), path)

    assert set(command.__annotations__) == set(spec["properties"])
    assert command.__required_keys__ == set(spec.get("required", []))


@pytest.mark.parametrize(("command", "schema", "path"), CASES, ids=[c[0].__name__ for c in CASES])
def test_a_commands_literal_values_are_its_schemas_enum(command, schema, path):
    spec = _nested(load_json(f"{schema}.json"), path)
    hints = typing.get_type_hints(command)
    literals = {name: hint for name, hint in hints.items() if typing.get_origin(hint) is typing.Literal}

    for name, hint in literals.items():
        field = spec["properties"][name]
        allowed = field["enum"] if "enum" in field else [field["const"]]
        assert set(typing.get_args(hint)) == set(allowed), name


def test_every_request_schema_a_service_reads_has_its_command():
    creates = {"unit-create", "proof-create", "matter-create", "verification-create", "commitment-create"}
    creates |= {"lost-notice-create", "complaint-create", "inspection-create"}

    assert creates <= set(commands.SCHEMA_OF.values())
