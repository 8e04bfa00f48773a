"""Written commitments taken instead of proofs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.adapters.commitment_repository import DynamoCommitmentRepository
from chalicelib.services.commitments import CommitmentService
from chalicelib.wiring._catalogue import catalogue_repo, proofs

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def commitment_repo(c: Container) -> DynamoCommitmentRepository:
    return DynamoCommitmentRepository(c.connection, c.pseudonym)


def build_commitments(c: Container) -> CommitmentService:
    catalogue, given = catalogue_repo(c), c.given
    return CommitmentService(
        commitment_repo(c),
        catalogue,
        given.clock,
        given.new_id,
        given.draw,
        c.settings.county,
        c.calendar,
        proofs(c, catalogue),
    )
