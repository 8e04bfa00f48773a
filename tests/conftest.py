"""Fixtures every suite may ask for, defined in tests/support/ by concern and capability. Unit
tests need none of them; integration and e2e tests ask for `api` or `stack_env`, which start
the local stack (DynamoDB Local + moto server) once per test session."""

import pytest

from chalicelib import wiring
from tests.support.catalogue import unit  # noqa: F401 - fixtures, found by name
from tests.support.commitments import commitment_setup  # noqa: F401
from tests.support.federation import peer  # noqa: F401
from tests.support.lost_notices import notice_setup  # noqa: F401
from tests.support.relay import relay_setup  # noqa: F401
from tests.support.stack import admin_token, api, local_stack, stack_env  # noqa: F401


@pytest.fixture(autouse=True)
def _no_container_outlives_its_test():
    """Each test builds its stage's container (stack_env, or its first request): none is left
    for the next test, whose environment may differ."""
    yield
    wiring.reset()
