"""`make bench` keeps working: a tiny run goes through every benchmark and prints every table.

It runs as its own process, as `make bench` does: the benchmark points its process at stacks and
tables of its own. Its verdicts are timings and are not asserted here (make bench keeps them in
docs/benchmarks-latest.txt); what is asserted is that it finishes, measures each operation in
each section, and that every alert arrives.
"""

import re
import subprocess
import sys

import pytest

from tests.support import PROJECT

OPERATIONS = ["proof lookup", "matter requirements", "relay create", "commitment submit", "notice publish"]


@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_a_small_bench_run_measures_every_operation_in_every_section():
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--sizes",
        "70",
        "90",
        "--runs",
        "3",
        "--alerts",
        "3",
        "--federated",
        "3",
        "--log-size",
        "5000",
        "--fresh",
        "1",
    ]
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=540)

    printed = result.stdout
    assert re.search(r"^(all targets met|targets missed: .+)$", printed, re.M), result.stderr[-2000:]
    titles = (
        "Warm requests|DynamoDB capacity|Alert latency|Federation under|Transparency log|Cost per million"
        "|What the province costs"
    )
    sections = re.split(rf"\n(?={titles})", printed)
    assert len(sections) == 8
    for section in (sections[1], sections[2], sections[6]):
        assert all(name in section for name in OPERATIONS)
    assert re.search(r"^\s+3/3\s", sections[3], re.M)
    federated = sections[4]
    assert "target's alert" in federated and "requester's stage shows it" in federated
    assert re.search(r"KMS Sign calls per cross-stage request .*: \d+", federated)
    assert re.search(r"extra for crossing\s+[\d.]+\s+\d+", federated)
    assert "0.5 / 0" in sections[2]  # the proof lookup, at both sizes
    cold_first = sections[0].partition("Cold first response")[2]
    for name in ("proof lookup", "relay create"):  # total (import + first request), both sides, ratio
        row = rf"^\s+{name}\s+\d+ ms \(\d+ \+ \d+\)\s+\d+ ms \(\d+ \+ \d+\)\s+\d\.\d\d\s+<= 1\.[23]"
        assert re.search(row, cold_first, re.M), cold_first
    deployed = r"building dynamodb, kms, secretsmanager .* the app \d+ ms, boto3.client \d+ ms"
    assert re.search(deployed, cold_first), cold_first
    logged = sections[5]
    assert "n = 5,000 simulated" in logged
    assert re.search(r"KMS Sign per checkpoint\s+1\s", logged)
    assert re.search(r"inclusion hashes at n \(max\)\s+13\s", logged)  # ceil(log2 5000)
    province = sections[7]
    assert re.search(r"^\s+the province: 101 stages, idle\s+¥[\d,]+\s+¥[\d,]+", province, re.M), province
    assert re.search(r"^\s+DispatchAlerts\s+43,200\s", province, re.M)  # every minute, idle
    assert re.search(r"checkpoints to 3 witnesses each\s+87,264\s", province)
