#!/usr/bin/env bash
# `make install`'s virtualenv, on the Python that .python-version names: the stages' Lambda
# runtime (infra/stages.py reads the same file), because Chalice packages wheels and bytecode
# for the Python that runs it. Usage: scripts/venv.sh [python]
# Without an argument it takes python<version> from the PATH (pyenv's shims resolve it through
# .python-version), else the newest such version under pyenv's root, which a shell without
# pyenv's shims on its PATH would not find.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(tr -d '[:space:]' < .python-version)
version='import sys; print("%d.%d" % sys.version_info[:2])'
runs() { [ "$("$1" -c "$version" 2>/dev/null)" = "$want" ]; }

python=${1:-}
if [ -z "$python" ]; then
  python=python$want
  if ! runs "$python"; then
    for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$want".*/bin/python"$want" 2>/dev/null | sort -V -r); do
      if runs "$candidate"; then python=$candidate; break; fi
    done
  fi
fi
if ! runs "$python"; then
  have=$("$python" -c "$version" 2>/dev/null) && found="is Python $have" || found="was not found or does not run"
  echo "make install needs Python $want (the stages' Lambda runtime, named in .python-version):" >&2
  echo "  '$python' $found." >&2
  echo "  Install it with pyenv (\`pyenv install $want\`; pyenv then finds it here through .python-version)" >&2
  echo "  or your system's python$want package, or name one: make install PYTHON=/path/to/python$want" >&2
  exit 1
fi
# A virtualenv of another Python (an older checkout's) is made anew, not patched.
if ! runs .venv/bin/python; then
  echo "creating .venv with $python" >&2
  "$python" -m venv --clear .venv
fi
