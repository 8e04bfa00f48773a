"""What the README and docs/ state that the code knows, held to the code, so it cannot drift:
links, seed counts, settings, routes, and no benchmark figure written by hand (the alert types:
tests/integration/test_openapi.py; the alarms: tests/infra/test_runbook.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
README = PROJECT / "README.md"
DOCS = PROJECT / "docs"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]


def text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def test_the_readme_opens_with_the_two_commands_and_stays_short():
    lines = text(README).splitlines()
    assert lines[2].split()[0:2] == ["make", "run"] and lines[3].split()[0:2] == ["make", "test"]
    assert len(lines) <= 260


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(PROJECT)) for p in PAGES])
def test_every_relative_link_leads_to_a_file(page):
    targets = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text(page))
    missing = [t for t in targets if not (page.parent / t).exists()]
    assert missing == []


def test_the_seed_counts_stated_anywhere_are_those_of_a_seed_file():
    seeds = set()
    for seed in ("seed.json", "seed-peer.json"):
        data = json.loads((PROJECT / "infra" / "local" / seed).read_text(encoding="utf-8"))
        seeds.add(tuple(len(data[k]) for k in ("units", "proofs", "matters")))
    stated = re.compile(r"(\d+) units, (\d+) proof items,? (?:and )?(\d+) matters?")
    claims = {tuple(map(int, m)) for page in PAGES for m in stated.findall(" ".join(text(page).split()))}
    assert len(claims) >= 2 and claims <= seeds


def test_every_setting_the_code_reads_is_documented():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT / "chalicelib").rglob("*.py"))
    read = set(re.findall(r"""(?:env|environ)(?:\.get\(|\[)"([A-Z][A-Z0-9_]+)\"""", source))
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", text(DOCS / "configuration.md")))
    assert sorted(n for n in read - documented if not n.startswith("AWS_")) == []


def test_the_count_of_operations_is_the_apps():
    from app import app

    operations = sum(len(methods) for methods in app.routes.values())
    stated = re.compile(r"(\d+) operations \(a method on a path\)")
    claims = {int(n) for page in PAGES for n in stated.findall(text(page))}
    assert claims == {operations}


def test_benchmark_figures_are_only_in_what_make_bench_wrote():
    # make bench writes docs/benchmarks-latest.txt; the pages' tables say what each figure
    # measures and its target (≤ ...), never a figure of a run.
    for page in (README, DOCS / "benchmarks.md"):
        rows = [line for line in text(page).splitlines() if line.startswith("|")]
        figures = [
            f for row in rows for f in re.findall(r"(?<![\d.])(?<!≤ )\d+(?:\.\d+)? ?(?:ms|s|RCU|WCU)\b", row)
        ]
        assert figures == [], page.name
    latest = (DOCS / "benchmarks-latest.txt").read_text(encoding="utf-8")
    assert latest.startswith("Proof-Free City benchmarks") and "Cost per million" in latest
