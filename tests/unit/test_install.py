"""make install builds .venv on the Python of .python-version (the stages' Lambda runtime), and
says what to install where that Python is missing, rather than building on whatever python3 is."""

import os
import subprocess
import sys

from infra.local.stack import PROJECT

SCRIPT = PROJECT / "scripts" / "venv.sh"
WANT = (PROJECT / ".python-version").read_text().strip()


def run(tmp_path, *args, path="/usr/bin:/bin", pyenv_root=None):
    env = {"PATH": path, "HOME": str(tmp_path), "PYENV_ROOT": str(pyenv_root or tmp_path / "no-pyenv")}
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60)


def test_the_virtualenvs_python_is_the_one_python_version_names():
    assert WANT == "3.13"
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" == WANT


def test_without_that_python_it_says_what_to_install_and_builds_nothing(tmp_path):
    result = run(tmp_path)

    assert result.returncode == 1
    assert f"make install needs Python {WANT}" in result.stderr
    assert f"pyenv install {WANT}" in result.stderr and f"PYTHON=/path/to/python{WANT}" in result.stderr


def test_another_python_named_by_hand_is_refused_with_its_version(tmp_path):
    other = tmp_path / "python"
    other.write_text("#!/bin/sh\necho 3.11\n")
    other.chmod(0o755)

    result = run(tmp_path, str(other))

    assert result.returncode == 1 and f"'{other}' is Python 3.11." in result.stderr


def test_it_finds_the_version_under_pyenvs_root_when_the_shims_are_not_on_the_path(tmp_path):
    # Given pyenv's root with the wanted version but no shims on the PATH
    found = tmp_path / "pyenv" / "versions" / f"{WANT}.9" / "bin"
    found.mkdir(parents=True)
    (found / f"python{WANT}").symlink_to(os.path.realpath(sys.executable))

    result = run(tmp_path, pyenv_root=tmp_path / "pyenv")

    assert result.returncode == 0, result.stderr  # (this checkout's .venv already runs it: kept as is)
    assert "needs Python" not in result.stderr
