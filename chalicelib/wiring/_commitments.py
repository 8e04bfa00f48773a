"""Written commitments taken instead of proofs."""

from __future__ import annotations

from chalicelib.adapters.commitment_repository import DynamoCommitmentRepository
from chalicelib.services.commitments import CommitmentService
from chalicelib.settings import get_settings
from chalicelib.wiring import given
from chalicelib.wiring._catalogue import catalogue_repo, proofs
from chalicelib.wiring._stage import bind_tables, calendar, pseudonym


def commitment_repo() -> DynamoCommitmentRepository:
    config, connection = bind_tables()
    return DynamoCommitmentRepository(connection, pseudonym(config))


def commitments() -> CommitmentService:
    config, catalogue, system = get_settings(), catalogue_repo(), given()
    return CommitmentService(
        commitment_repo(),
        catalogue,
        system.clock,
        system.new_id,
        system.draw,
        config.county,
        calendar(config),
        proofs(catalogue),
    )
