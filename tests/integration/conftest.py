"""Every integration test also checks that nothing it made the app print holds an ID number."""

import re

import pytest

from chalicelib import wiring
from chalicelib.domain.errors import InvalidInput
from tests.support.clock import Clock

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


@pytest.fixture(autouse=True)
def alerts_match_their_schema(monkeypatch):
    """Every alert a test makes the app publish is checked against schemas/alert.json, as a
    consumer that validates would check it, before it goes to SNS."""
    from chalicelib.adapters.sns_publisher import SnsPublisher
    from chalicelib.validation import validate

    publish, refused = SnsPublisher.publish, []

    def checked(self, alert):
        try:
            validate("alert", alert.message())
        except InvalidInput as error:  # kept, not raised: the dispatcher would retry it quietly
            refused.append((alert.event_type, error.details))
        return publish(self, alert)

    monkeypatch.setattr(SnsPublisher, "publish", checked)
    yield
    assert refused == [], "alerts that break schemas/alert.json"


@pytest.fixture(autouse=True)
def no_id_number_in_logs(capfd):
    yield
    out, err = capfd.readouterr()
    leaked = ID_NUMBER.search(out + err)
    assert leaked is None, "an 18-character ID number reached the logs"


@pytest.fixture
def clock(stack_env):
    """The services' clock, from T0 on, until the test moves it."""
    fake = Clock()
    with wiring.overridden(clock=fake):
        yield fake
