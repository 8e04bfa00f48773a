"""Messages between stages: received over HTTP, delivered through the stage's queue."""

from __future__ import annotations

from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.domain.clock import stamps
from chalicelib.services.federation import FederationService
from chalicelib.services.ports import MessageQueue, PeerClient
from chalicelib.services.relay_peers import PeerRequests
from chalicelib.wiring import given
from chalicelib.wiring._catalogue import catalogue_repo
from chalicelib.wiring._relay import relay, relay_repo
from chalicelib.wiring._stage import federation_queue, notary, peer_client
from chalicelib.wiring._transparency import witness


def federation(peers: PeerClient | None = None, queue: MessageQueue | None = None) -> FederationService:
    """Receiving and delivering messages between stages (over HTTP and the stage's queue, unless
    given others: the benchmark runs two stages in one process)."""
    stage_notary, catalogue, system = notary(), catalogue_repo(), given()
    peer_requests = PeerRequests(relay(), relay_repo(), catalogue, stage_notary, stamps(system.clock))
    return FederationService(
        stage_notary,
        DynamoFederationRepository(),
        catalogue,
        peer_requests,
        witness(),
        system.clock,
        peers=peers or peer_client(),
        queue=queue or federation_queue(),
    )
