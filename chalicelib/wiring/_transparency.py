"""The transparency log: its checkpoints and proofs, and the witness of the peers' logs."""

from __future__ import annotations

from chalicelib.adapters.transparency_repository import DynamoTransparencyLog
from chalicelib.adapters.witness_repository import DynamoWitnessStore
from chalicelib.services.transparency import TransparencyService
from chalicelib.services.transparency_proofs import LogProofs
from chalicelib.services.witness import WitnessService
from chalicelib.settings import get_settings
from chalicelib.wiring import given
from chalicelib.wiring._stage import bind_tables, notary, peer_client, peer_stages


def transparency_log() -> DynamoTransparencyLog:
    _, connection = bind_tables()
    return DynamoTransparencyLog(connection)


def transparency() -> TransparencyService:
    config, system = get_settings(), given()
    return TransparencyService(
        transparency_log(), notary, system.clock, system.new_id, config.stage, config.county, peer_stages
    )


def log_proofs() -> LogProofs:
    return LogProofs(transparency_log())


def witness() -> WitnessService:
    own_log, system = transparency_log(), given()
    config, connection = bind_tables()
    return WitnessService(
        DynamoWitnessStore(connection),
        notary(),
        system.clock,
        system.new_id,
        config.county,
        lambda: own_log.tree().checkpoint,
        peer_client,
    )
