"""The `make run` launcher on free ports, shared by the e2e tests that only read and write
through HTTP (tests that stop it or fill it with fuzz start their own)."""

import pytest

from infra.local.launch import launcher


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    with launcher(tmp_path_factory.mktemp("make-run")) as running:
        yield running
