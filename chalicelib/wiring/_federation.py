"""Messages between stages: received over HTTP, delivered through the stage's queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.domain.clock import stamps
from chalicelib.services.federation import FederationService
from chalicelib.services.relay_peers import PeerRequests
from chalicelib.wiring._catalogue import catalogue_repo
from chalicelib.wiring._relay import relay_repo

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def build_federation(c: Container) -> FederationService:
    """Receiving and delivering messages between stages, over HTTP and the stage's queue unless
    the container was given others (the benchmark plays two stages in one process)."""
    catalogue, given = catalogue_repo(c), c.given
    peer_requests = PeerRequests(c.relay, relay_repo(c), catalogue, c.notary, stamps(given.clock))
    return FederationService(
        c.notary,
        DynamoFederationRepository(c.connection),
        catalogue,
        peer_requests,
        c.witness,
        given.clock,
        peers=c.peer_client,
        queue=given.queue or c.federation_queue,
    )
