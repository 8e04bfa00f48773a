"""Schemathesis against the served app (the make run launcher), from the OpenAPI document:
every documented operation, positive and negative cases, for each role and for no token.
Zero 5xx, and every response matches its documented status and schema."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.launch import launcher
from scripts import openapi
from tests.support import PROJECT, make_token

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

CALLERS = {
    "anonymous": None,
    "citizen": {"name": "王小明", "id_number": "330521196201010014"},
    "agency": {"unit_id": "hz-gaj"},
    "catalogue_admin": {},
    "supervisor": {},
}


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    # A launcher of its own: the fuzzer writes all sorts of records into its tables.
    with launcher(tmp_path_factory.mktemp("fuzzed")) as running:
        yield running


@pytest.mark.timeout(900)  # a full Schemathesis run takes 1 to 2 minutes, more on a busy machine
@pytest.mark.parametrize("role", list(CALLERS))
def test_no_input_gets_a_5xx_or_an_undocumented_answer(target, role, tmp_path):
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{target['base']}/openapi.json",
        "--checks",
        "not_a_server_error,status_code_conformance,response_schema_conformance",
        "--max-examples",
        "5",
        "--workers",
        "1",
        "--generation-deterministic",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    if CALLERS[role] is not None:
        command += ["--header", f"Authorization: Bearer {make_token(role, **CALLERS[role])}"]
    hooks = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=PROJECT, env=hooks)
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    documented = sum(len(methods) for methods in openapi.build()["paths"].values())
    # Every operation but GET /openapi.json, the schema itself, which Schemathesis does not test.
    assert re.search(r"Tested: (\d+)", result.stdout).group(1) == str(documented - 1), summary
