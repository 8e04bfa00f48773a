"""The README's "Trying it" runs as written on a fresh `make run`: its block is read from the
README, run by bash (the addresses moved to this launcher's free ports), every curl must get a
2xx, and every `# →` line must be found in what the call before it printed."""

import re
import subprocess
from pathlib import Path

import pytest

from infra.local.launch import launcher
from infra.local.stack import PROJECT

pytestmark = pytest.mark.e2e

README = Path(PROJECT) / "README.md"
EXPECTED = re.compile(r"^\s*# → (.+)$")

# Run before the block: curl answers 2xx or the script stops (unless the README lets it fail,
# with -f), and keeps what it printed last for the `# →` checks (`expect`).
PRELUDE = r"""
set -euo pipefail
LAST=$(mktemp)
curl() {
  local out status
  # curl -f: the README handles the failure itself (it retries until a peer stage has caught up)
  case " $* " in *" -sf "*|*" -f "*|*" --fail "*) command curl "$@"; return ;; esac
  out=$(command curl "$@" -w '\n%{http_code}')
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  printf '%s' "$out" > "$LAST"
  printf '%s\n' "$out"
  case $status in 2*) ;; *) echo "curl $* answered $status: ${out:0:300}" >&2; exit 1 ;; esac
}
expect() {
  grep -qF -- "$1" "$LAST" || { echo "expected $1 in: $(head -c 600 "$LAST")" >&2; exit 1; }
}
"""


def trying_it() -> list[str]:
    """The lines of the indented block under "## Trying it", without `make run` itself."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Trying it\n", 1)[1]
    block = section.split("\n    ", 1)[1]  # from the first indented line
    lines = ("    " + block).split("\n")
    taken = []
    for line in lines:
        if line and not line.startswith("    "):
            break
        taken.append(line[4:])
    return [line for line in taken if not line.startswith("make run")]


def script(lines: list[str], base: str, peer: str) -> str:
    body = []
    for line in lines:
        expected = EXPECTED.match(line)
        body.append(f"expect {_quoted(expected.group(1))}" if expected else line)
    text = "\n".join(body)
    return PRELUDE + text.replace("localhost:8000", base).replace("localhost:8001", peer)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def test_the_readme_block_reads_as_it_runs():
    lines = trying_it()
    assert sum(bool(EXPECTED.match(line)) for line in lines) >= 15
    assert not any("<" in line and "_id>" in line for line in lines)  # no placeholder to fill in
    assert not any("uuidgen" in line for line in lines)


def test_every_command_of_trying_it_runs_as_written_on_a_fresh_make_run(tmp_path):
    with launcher(tmp_path) as running:
        base = running["base"].removeprefix("http://")
        peer = running["peer"].removeprefix("http://")
        ran = subprocess.run(
            ["bash", "-c", script(trying_it(), base, peer)],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert ran.returncode == 0, ran.stderr[-3000:] + "\n--- printed ---\n" + ran.stdout[-3000:]
