"""The runbook's catalogue load over real HTTP against the `make run` launcher: units, proof
items and matters in order, a second run leaves what is there, a refusal stops the load."""

import json
import os
import subprocess
import sys

import pytest
import requests

from tests.support import PROJECT, make_token, proof_body

# The tests on the shared launcher (conftest.served) run on one worker: one launcher, not two.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("served")]

CATALOGUE = {
    "units": [{"unit_id": "ld-mzj", "name": "装载测试民政局", "level": "county", "county": "deqing"}],
    "proofs": [proof_body(proof_id="PF-LD01", issuing_unit="ld-mzj")],
    "matters": [
        {"matter_code": "LD-001", "name": "装载测试事项", "unit_id": "ld-mzj", "proofs": ["PF-LD01"]}
    ],
}


def load(served, tmp_path, catalogue, token=None):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(catalogue, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "CATALOGUE_TOKEN": token or make_token("catalogue_admin")}
    return subprocess.run(
        [sys.executable, "-m", "scripts.load_catalogue", "--api", served["base"], "--file", str(path)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_catalogue_loads_in_order_and_a_second_run_leaves_it_as_it_is(served, tmp_path):
    first = load(served, tmp_path, CATALOGUE)
    again = load(served, tmp_path, CATALOGUE)

    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {
        k: {"created": 1, "already_there": 0} for k in ("units", "proofs", "matters")
    }
    assert json.loads(again.stdout) == {
        k: {"created": 0, "already_there": 1} for k in ("units", "proofs", "matters")
    }
    needs = requests.get(f"{served['base']}/matters/LD-001/requirements", timeout=10).json()
    assert [r["proof_id"] for r in needs["requirements"]] == ["PF-LD01"]


def test_a_refused_record_stops_the_load_with_the_apis_reason(served, tmp_path):
    bad = {
        "units": [],
        "proofs": [proof_body(proof_id="PF-LD02", issuing_unit="no-such-unit")],
        "matters": [],
    }

    result = load(served, tmp_path, bad)

    assert result.returncode != 0
    assert "PF-LD02" in result.stderr and ("404" in result.stderr or "422" in result.stderr)


def test_a_token_of_another_role_is_refused(served, tmp_path):
    result = load(served, tmp_path, CATALOGUE, token=make_token("supervisor"))

    assert result.returncode != 0 and "403 forbidden" in result.stderr
