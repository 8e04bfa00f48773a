"""Every integration test also checks that nothing it made the app print holds an ID number."""

import re

import pytest

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


@pytest.fixture(autouse=True)
def no_id_number_in_logs(capfd):
    yield
    out, err = capfd.readouterr()
    leaked = ID_NUMBER.search(out + err)
    assert leaked is None, "an 18-character ID number reached the logs"
