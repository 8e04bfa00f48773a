"""The checks of commitments afterwards, sent through the relay."""

from __future__ import annotations

from chalicelib.services.commitment_checks import CommitmentChecks
from chalicelib.settings import get_settings
from chalicelib.wiring import given
from chalicelib.wiring._commitments import commitment_repo
from chalicelib.wiring._relay import relay, relay_repo
from chalicelib.wiring._stage import calendar


def commitment_checks() -> CommitmentChecks:
    config, system = get_settings(), given()
    return CommitmentChecks(
        commitment_repo(),
        relay_repo(),
        relay(),
        system.clock,
        system.new_id,
        calendar(config),
        config.relay_due_working_days,  # the handling unit decides within the relay's own limit
        config.county,
    )
