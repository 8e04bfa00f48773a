"""`make bench` keeps working: a tiny run goes through every benchmark and prints every table.

Its verdicts are timings and are not asserted here (they live in the README); what is asserted
is that each operation is measured in each section and that every alert arrives.
"""

import os
import re

import pytest

from bench import run

OPERATIONS = ["proof lookup", "matter requirements", "relay create", "commitment submit", "notice publish"]


@pytest.mark.e2e
def test_a_small_bench_run_measures_every_operation_in_every_section(capsys):
    saved = dict(os.environ)
    try:
        run.main(["--sizes", "70", "90", "--runs", "3", "--alerts", "3"])
    finally:  # the bench points this process at its own tables and stack
        os.environ.clear()
        os.environ.update(saved)

    printed = capsys.readouterr().out
    sections = re.split(r"\n(?=Warm requests|DynamoDB capacity|Alert latency|Cost per million)", printed)
    assert len(sections) == 5
    for section in (sections[1], sections[2], sections[4]):
        assert all(name in section for name in OPERATIONS)
    assert re.search(r"^\s+3/3\s", sections[3], re.M)
    assert "0.5 / 0" in sections[2]  # the proof lookup, at both sizes
