"""What the deployed function checks is what the tests check: jsonschema checks a format only when
an optional package is installed (rfc3339-validator for date-time), and the tests' environment
has many that the Lambda package, built from requirements.txt alone, does not."""

import re
import subprocess
import sys
from pathlib import Path

from bench.cold_start import PROJECT

# In a fresh interpreter: refuse to import any distribution outside requirements.txt and what
# its pins require, then list the formats jsonschema's FormatChecker can check.
PROBE = r"""
import importlib.metadata as metadata, re, sys

def name(requirement):
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")

wanted = [name(line) for line in open("requirements.txt") if line.strip() and not line.startswith("#")]
closure = set()
while wanted:
    dist = wanted.pop()
    if dist in closure:
        continue
    closure.add(dist)
    for requirement in metadata.requires(dist) or []:
        if "extra ==" not in requirement or "crypto" in requirement:  # PyJWT[crypto] is pinned
            wanted.append(name(requirement))

owners = metadata.packages_distributions()

class OutsideTheRuntime:
    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        dists = {d.lower().replace("_", "-") for d in owners.get(top, [])}
        if dists and not dists & closure:
            raise ImportError(f"{top} is not shipped in the Lambda package")
        return None

sys.meta_path.insert(0, OutsideTheRuntime())
from jsonschema import FormatChecker
print(" ".join(sorted(FormatChecker().checkers)))
"""


def test_every_format_the_schemas_name_is_checked_with_the_runtime_dependencies_alone():
    # Given the formats the schemas name
    named = set()
    for path in Path(PROJECT, "schemas").glob("*.json"):
        named |= set(re.findall(r'"format":\s*"([^"]+)"', path.read_text(encoding="utf-8")))
    assert "date-time" in named

    # When jsonschema is loaded with only what requirements.txt ships
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=PROJECT)
    assert done.returncode == 0, done.stderr[-2000:]
    checked = set(done.stdout.split())

    # Then each of them is checked, as in the tests
    assert named <= checked, f"not checked in the deployed function: {sorted(named - checked)}"
