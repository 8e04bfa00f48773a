"""The transparency log: its checkpoints and proofs, and the witness of the peers' logs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.adapters.transparency_repository import DynamoTransparencyLog
from chalicelib.adapters.witness_repository import DynamoWitnessStore
from chalicelib.services.transparency import TransparencyService
from chalicelib.services.transparency_proofs import LogProofs
from chalicelib.services.witness import WitnessService

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def transparency_log(c: Container) -> DynamoTransparencyLog:
    return DynamoTransparencyLog(c.connection)


def build_transparency(c: Container) -> TransparencyService:
    config, given = c.settings, c.given
    return TransparencyService(
        transparency_log(c),
        lambda: c.notary,  # built when the log first signs: a public read never loads the key
        given.clock,
        given.new_id,
        config.stage,
        config.county,
        c.witness_stages,
    )


def build_log_proofs(c: Container) -> LogProofs:
    return LogProofs(transparency_log(c))


def build_witness(c: Container) -> WitnessService:
    own_log, given = transparency_log(c), c.given
    return WitnessService(
        DynamoWitnessStore(c.connection),
        c.notary,
        given.clock,
        given.new_id,
        c.settings.county,
        lambda: own_log.tree().checkpoint,
        lambda: c.peer_client,
    )
