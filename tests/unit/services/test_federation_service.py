"""Two stages federating, each on in-memory adapters: units and proof items told to the peer,
a request across stages created, answered and followed on both copies, each message applied
once with the peer's signed receipt kept; a stranger's or a peer's bad message refused."""

from __future__ import annotations

import dataclasses
import itertools
import json
from typing import Any

import pytest

from chalicelib.adapters.memory.catalogue import MemoryCatalogueRepository
from chalicelib.adapters.memory.federation import MemoryFederationRepository
from chalicelib.adapters.memory.relay import MemoryRelayRepository
from chalicelib.adapters.memory.store import MemoryStore
from chalicelib.adapters.memory.transparency import MemoryTransparencyLog
from chalicelib.adapters.memory.witness import MemoryWitnessStore
from chalicelib.adapters.notary import StageNotary
from chalicelib.adapters.signing import FileSigner
from chalicelib.api.errors import error_response
from chalicelib.domain.clock import stamps
from chalicelib.domain.errors import DomainError, Unauthenticated
from chalicelib.domain.federation import Directory, Message
from chalicelib.services.catalogue import CatalogueService, ProofFinder
from chalicelib.services.federation import FederationService
from chalicelib.services.relay import RelayConfig, RelayService
from chalicelib.services.relay_peers import PeerRequests
from chalicelib.services.transparency import TransparencyService
from chalicelib.services.transparency_proofs import LogProofs
from chalicelib.services.witness import WitnessService
from tests.support.catalogue import proof_body
from tests.support.relay import relay_body
from tests.unit.services.conftest import agency


class Stage:
    """One stage: its own store, key, services; messages to peers wait in `queue`."""

    def __init__(self, name: str, signer: FileSigner, directory: dict[str, Any], clock, new_id, calendar):
        self.name, self.store, self.queue = name, MemoryStore(), []
        self.notary = StageNotary(signer, Directory.from_json(name, directory))
        catalogue = MemoryCatalogueRepository(self.store, name)
        relay_repo, federation_repo = (
            MemoryRelayRepository(self.store, name),
            MemoryFederationRepository(self.store),
        )
        peers = [m.stage for m in self.notary.directory.peers()]
        finder = ProofFinder(catalogue, federation_repo, lambda: peers)
        self.catalogue = CatalogueService(catalogue, clock, new_id, name, name, lambda: peers, finder)
        config = RelayConfig(name, 5, stage=name)
        self.relay = RelayService(
            relay_repo, catalogue, clock, new_id, config, calendar, self.notary, federation_repo
        )
        requests = PeerRequests(self.relay, relay_repo, catalogue, self.notary, stamps(clock))
        log = MemoryTransparencyLog(self.store)
        self.transparency = TransparencyService(
            log, lambda: self.notary, clock, new_id, name, name, lambda: peers
        )
        self.proofs = LogProofs(log)
        self.witness = WitnessService(
            MemoryWitnessStore(self.store), self.notary, clock, new_id, name, lambda: log.tree().checkpoint,
            lambda: self.peers,
        )  # fmt: skip
        self.peers = Doors()
        self.federation = FederationService(
            self.notary, federation_repo, catalogue, requests, self.witness, clock, self.peers, self
        )

    def send(self, message: Message) -> None:  # the delivery queue
        self.queue.append(message)


class Doors:
    """The peers' POST /federation/messages, answered as the HTTP layer answers it."""

    def __init__(self) -> None:
        self.stages: dict[str, Stage] = {}

    def post(self, url: str, token: str) -> tuple[int, dict[str, Any]]:
        stage = self.stages[url.split("/")[2]]
        try:
            return 200, stage.federation.receive(token)
        except DomainError as error:
            response = error_response(error)
            return response.status_code, json.loads(response.body)

    def get(self, url: str) -> tuple[int, dict[str, Any]]:
        """GET /catalogue/changes, all of it on one page: what a witness's audit reads."""
        _, _, name, path = url.split("/", 3)
        assert path.startswith("catalogue/changes"), url
        page = self.stages[name].catalogue.changes(None, 100, None)
        return 200, {"items": [record.to_view() for record in page.items], "next_cursor": None}


@pytest.fixture
def stages(clock, calendar, tmp_path) -> dict[str, Stage]:
    """Given stages `local` and `peer`, each pinning the other's key in its directory."""
    numbers = itertools.count(1)

    def new_id() -> str:
        return f"01J{next(numbers):023d}"  # one sequence: ids never collide between the stages

    signers = {name: FileSigner(tmp_path / f"{name}.pem") for name in ("local", "peer")}
    directory = {
        "stages": [
            {"stage": name, "label": name, "api_url": f"http://{name}", "jwks": {"keys": [signer.public_jwk]}}
            for name, signer in signers.items()
        ]
    }
    made = {name: Stage(name, signer, directory, clock, new_id, calendar) for name, signer in signers.items()}
    for stage in made.values():
        stage.peers.stages = made
    return made


def sent(message: Message) -> dict[str, Any]:
    """The message as its stage's delivery sends it, stamped now."""
    return {**message.to_view(), "sent_at": "2026-11-26T08:00:00Z"}


def exchange(stages: dict[str, Stage]) -> int:
    """Forward and deliver every committed message until none is left; how many went."""
    delivered = 0
    while True:
        for stage in stages.values():
            stage.federation.forward()
        waiting = [(stage, stage.queue.pop(0)) for stage in stages.values() for _ in list(stage.queue)]
        if not waiting:
            return delivered
        for stage, message in waiting:
            assert stage.federation.deliver(message) is None, message.type
            delivered += 1


@pytest.fixture
def federated(stages):
    """Given hz-rsj on `local`, and on `peer` dq-gaj issuing PF-1, each told to the other."""
    stages["local"].catalogue.register_unit(
        {"unit_id": "hz-rsj", "name": "人社局", "level": "city", "county": "hz"}
    )
    stages["peer"].catalogue.register_unit(
        {"unit_id": "dq-gaj", "name": "公安局", "level": "county", "county": "dq"}
    )
    stages["peer"].catalogue.create_proof(proof_body(proof_id="PF-1", issuing_unit="dq-gaj"))
    assert exchange(stages) == 3
    return stages


def test_a_stage_learns_its_peers_units_and_mirrors_their_proofs(federated):
    local = federated["local"]

    assert local.catalogue.unit("dq-gaj").stage == "peer"
    assert MemoryFederationRepository(local.store).peer_proof("peer", "PF-1")["version"] == 1
    assert federated["peer"].catalogue.unit("hz-rsj").stage == "local"
    assert local.store.records["fed_receipt"] and all(
        not s.federation._repo.unqueued(10) for s in federated.values()
    )


def test_a_request_across_stages_is_answered_on_the_targets_stage_and_followed_on_the_requesters(federated):
    local, peer = federated["local"], federated["peer"]

    made = local.relay.create(agency("hz-rsj"), relay_body(target_unit="dq-gaj", proof_id="PF-1"))
    exchange(federated)
    peer.relay.accept(agency("dq-gaj"), made.request_id)
    peer.relay.respond(
        agency("dq-gaj"), made.request_id, {"outcome": "confirmed", "attestation": {"ok": True}}
    )
    exchange(federated)

    here, there = (
        local.relay.trail(agency("hz-rsj"), made.request_id),
        peer.relay.trail(agency("dq-gaj"), made.request_id),
    )
    assert local.relay.view(agency("hz-rsj"), made.request_id)["status"] == "completed"
    assert [e["type"] for e in here["events"]] == [e["type"] for e in there["events"]]
    assert here["events"] == there["events"] and here["chain_valid"] and there["chain_valid"]
    alerted = [a.event_type for a in peer.store.outbox if a.resource_id == made.request_id]
    assert alerted[0] == "verification.requested"
    assert MemoryRelayRepository(local.store).get(made.request_id).delivered_at is not None


def test_a_message_delivered_twice_is_applied_once_with_the_same_receipt(federated):
    local, peer = federated["local"], federated["peer"]
    local.relay.create(agency("hz-rsj"), relay_body(target_unit="dq-gaj", proof_id="PF-1"))
    local.federation.forward()
    token = local.notary.seal(sent(local.queue[0]))

    first, again = peer.federation.receive(token), peer.federation.receive(token)

    assert first == again
    assert (
        len(MemoryRelayRepository(peer.store, "peer").list_box("dq-gaj", "inbox", None, 10, None).items) == 1
    )


def test_a_stranger_is_refused_before_anything_is_read_and_a_peer_speaks_only_for_its_own_units(
    federated, tmp_path
):
    local, peer = federated["local"], federated["peer"]
    stranger = FileSigner(tmp_path / "stranger.pem")
    forged = sent(Message("01JFORGED000000000000000000", "peer", "local", "unit.registered", "", {}))

    with pytest.raises(Unauthenticated):
        local.federation.receive(StageNotary(stranger, peer.notary.directory).seal(forged))
    # The peer claims a unit of this stage's as its own
    body = {"unit_id": "hz-x", "name": "x", "name_en": None, "level": "city", "county": "hz"}
    body |= {"parent_unit": None, "stage": "local"}
    claim = Message("01JCLAIM0000000000000000000", "peer", "local", "unit.registered", "", body)
    status, refusal = peer.peers.post("http://local/federation/messages", peer.notary.seal(sent(claim)))

    assert (status, refusal["code"]) == (403, "forbidden")
    assert local.store.records["unit"].get("hz-x") is None


def test_each_stage_witnesses_its_peers_checkpoints_as_they_extend_each_other(federated, clock):
    local, peer = federated["local"], federated["peer"]
    first = peer.transparency.issue_checkpoint().checkpoint
    exchange(federated)
    clock.at(minutes=5)
    peer.catalogue.create_proof(proof_body(proof_id="PF-2", issuing_unit="dq-gaj"))
    second = peer.transparency.issue_checkpoint().checkpoint
    exchange(federated)

    held = local.witness.witnessed("peer")
    assert (first.number, second.number) == (1, 2)
    assert held["checkpoint"] == second.to_view() and held["consistent"] is True
    assert local.witness.witnessed("local")["checkpoint"] is None  # its own: none issued yet
    assert local.witness.audit_peers() == 0 and local.witness.recent_disputes() == 0


def test_a_peer_that_rewrites_its_signed_change_log_is_disputed_and_told(federated, clock):
    local, peer = federated["local"], federated["peer"]
    peer.transparency.issue_checkpoint()
    exchange(federated)
    records = peer.store.records["change"]
    first = min(records)
    records[first] = dataclasses.replace(records[first], reason="rewritten")  # an old record edited in place
    local.store.outbox.clear()

    disputed = local.witness.audit_peers()
    exchange(federated)

    assert disputed == 1 and local.witness.recent_disputes() == 1
    assert local.witness.witnessed("peer")["consistent"] is False
    assert [a.event_type for a in local.store.outbox] == ["transparency.inconsistent"]
    told = peer.witness.witnessed("peer")["disputes"]
    assert [(d["found_by"], d["checkpoint"]["number"]) for d in told] == [("local", 1)]
