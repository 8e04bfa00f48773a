"""The checks of commitments afterwards, sent through the relay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.services.commitment_checks import CommitmentChecks
from chalicelib.wiring._commitments import commitment_repo
from chalicelib.wiring._relay import relay_repo

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def build_commitment_checks(c: Container) -> CommitmentChecks:
    config, given = c.settings, c.given
    return CommitmentChecks(
        commitment_repo(c),
        relay_repo(c),
        c.relay,
        given.clock,
        given.new_id,
        c.calendar,
        config.relay_due_working_days,  # the handling unit decides within the relay's own limit
        config.county,
    )
