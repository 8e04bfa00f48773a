"""Witnessing a peer's transparency log, against DynamoDB Local: the peer (played by the test,
with its own key) sends its checkpoints through POST /federation/messages; this stage holds
each that extends the last, and disputes, keeps and tells of any that does not."""

from __future__ import annotations

import pytest

from chalicelib import wiring
from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.api import jobs
from chalicelib.domain import merkle
from chalicelib.domain.hashchain import record_hash
from chalicelib.domain.transparency import ChangelogHead, Checkpoint, hexes
from tests.support import relay_body
from tests.support.federation import PEER


class PeerLog:
    """The peer's log as it would keep it: leaves, change records, signed checkpoints."""

    def __init__(self, signer) -> None:
        self.signer = signer
        self.leaves: list[bytes] = []
        self.changes: list[dict] = []
        self.issued: list[Checkpoint] = []

    def grow(self, events: int = 3, changes: int = 1, tag: str = "") -> None:
        self.leaves += [
            merkle.leaf_hash(f"{tag}event {len(self.leaves) + i}".encode()) for i in range(events)
        ]
        for _ in range(changes):
            record = {
                "seq": len(self.changes) + 1,
                "proof_id": "PF-DQ-V01",
                "reason": f"{tag}改",
                "prev_hash": self.head().hash,
            }
            self.changes.append({**record, "hash": record_hash(record)})

    def head(self) -> ChangelogHead:
        return ChangelogHead(len(self.changes), self.changes[-1]["hash"] if self.changes else None)

    def root(self, size: int) -> bytes:
        return merkle.root(self.node, size)

    def node(self, level: int, index: int) -> bytes:
        frontier = merkle.Frontier()
        for leaf in self.leaves[index << level : (index + 1) << level]:
            frontier.append(leaf)
        return frontier.root()

    def checkpoint(self, number: int | None = None) -> Checkpoint:
        number = number or len(self.issued) + 1
        size = len(self.leaves)
        unsigned = Checkpoint(PEER, number, size, self.root(size).hex(), self.head(), "2026-12-01T01:00:00Z")
        signed = unsigned.signed(self.signer.kid, self.signer.sign(unsigned.signed_bytes))
        self.issued.append(signed)
        return signed

    def body(self, checkpoint: Checkpoint, since: Checkpoint | None) -> dict:
        """What the peer sends: the checkpoint, the proof from `since`, the changes after it."""
        old = 0 if since is None else since.tree_size
        proof = merkle.consistency_proof(self.node, old, checkpoint.tree_size) if old else []
        seq = 0 if since is None else since.changelog.seq
        changes = self.changes[seq : checkpoint.changelog.seq]
        return {"checkpoint": checkpoint.to_view(), "consistency": hexes(proof), "changes": changes}


@pytest.fixture
def log(peer):
    return PeerLog(peer.signer)


def send(peer, checkpoint, since, log):
    response = peer.send(peer.message("checkpoint.issued", log.body(checkpoint, since)))
    assert response.status_code == 200, response.data
    return response


def witnessed(api, stage=PEER):
    response = api.get(f"/transparency/witnessed/{stage}")
    assert response.status_code == 200, response.data
    return response.data


def disputes_told():
    return [
        m
        for m in DynamoFederationRepository(wiring.container().connection).unqueued(50)
        if m.type == "checkpoint.disputed"
    ]


def alerts():
    return [a for a in DynamoOutbox().pending(100) if a.event_type == "transparency.inconsistent"]


def test_each_checkpoint_that_extends_the_last_is_held(api, peer, log):
    assert witnessed(api) == {
        "stage": PEER,
        "checkpoint": None,
        "witnessed_at": None,
        "consistent": True,
        "disputes": [],
    }
    log.grow(events=4)
    first = log.checkpoint()
    send(peer, first, None, log)
    assert witnessed(api)["checkpoint"] == first.to_view()
    log.grow(events=3, changes=2)
    second = log.checkpoint()
    send(peer, second, first, log)

    seen = witnessed(api)
    assert (seen["checkpoint"], seen["consistent"], seen["disputes"]) == (second.to_view(), True, [])
    assert alerts() == [] and disputes_told() == []


def test_a_checkpoint_that_comes_before_the_one_it_extends_waits_for_it(api, peer, log):
    log.grow()
    first = log.checkpoint()
    send(peer, first, None, log)
    log.grow()
    second = log.checkpoint()
    log.grow()
    third = log.checkpoint()

    send(peer, third, second, log)
    assert witnessed(api)["checkpoint"]["number"] == 1
    send(peer, second, first, log)

    assert witnessed(api)["checkpoint"] == third.to_view()


@pytest.mark.parametrize("rewrite", ["tree", "changelog", "same_number", "earlier_number"])
def test_a_checkpoint_that_does_not_extend_the_one_held_is_disputed_on_both_sides(api, peer, log, rewrite):
    log.grow(events=5, changes=2)
    first = log.checkpoint()
    send(peer, first, None, log)
    held = first
    if rewrite == "earlier_number":
        log.grow()
        held = log.checkpoint()
        send(peer, held, first, log)
    # The peer's operator rewrites history from some point on, with valid hashes, and signs.
    since = held
    if rewrite == "tree":
        log.leaves = log.leaves[:2] + [merkle.leaf_hash(b"forged") for _ in range(3)]
        log.grow(events=2, tag="later ")
    elif rewrite == "changelog":
        log.changes = log.changes[:1]
        log.grow(events=1, changes=2, tag="rewritten ")
    else:  # the stage starts its numbering again, with a tree of another size
        log.leaves, since = log.leaves[:4], None
    forged = log.checkpoint(number=held.number + 1 if rewrite in ("tree", "changelog") else 1)
    send(peer, forged, since, log)

    seen = witnessed(api)
    assert seen["checkpoint"] == held.to_view() and seen["consistent"] is False
    [dispute] = seen["disputes"]
    evidence = first if rewrite == "earlier_number" else held  # the same number's, or the last
    assert (dispute["found_by"], dispute["checkpoint"]) == ("local", forged.to_view())
    assert dispute["held"] == evidence.to_view()
    assert [a.target_unit for a in alerts()] == ["supervision"]
    [told] = disputes_told()
    assert (told.to_stage, told.body["checkpoint"]) == (PEER, forged.to_view())
    assert jobs.maintain_transparency_log() == 0 and wiring.witness().recent_disputes() == 1


def test_the_same_checkpoint_again_changes_nothing(api, peer, log):
    log.grow()
    first = log.checkpoint()
    log.grow()
    second = log.checkpoint()
    for checkpoint, since in ((first, None), (second, first), (first, None), (second, first)):
        send(peer, checkpoint, since, log)
    seen = witnessed(api)
    assert (seen["checkpoint"], seen["disputes"]) == (second.to_view(), [])


def test_the_disputed_stage_keeps_the_dispute_and_alerts_its_supervisors(api, peer, relay_setup):
    created = api.post(
        "/verification-requests",
        relay_body(),
        token=relay_setup["requester"],
    )
    assert created.status_code == 201
    own = wiring.transparency().issue_checkpoint().checkpoint
    # the evidence: a checkpoint of this stage as it signed it (here the same one)
    body = {
        "checkpoint": own.to_view(),
        "held": own.to_view(),
        "reason": "the tree does not extend checkpoint 1's",
    }

    response = peer.send(peer.message("checkpoint.disputed", body))

    assert response.status_code == 200, response.data
    seen = witnessed(api, "local")
    assert (seen["checkpoint"], seen["consistent"]) == (own.to_view(), False)
    assert seen["disputes"][0]["found_by"] == PEER
    assert [a.resource_id for a in alerts()] == [f"local/{own.number}"]


def test_what_is_not_a_peers_signed_checkpoint_is_refused_and_nothing_is_held(api, peer, log):
    log.grow()
    theirs = log.checkpoint()
    strangers = Checkpoint(**{**theirs.__dict__, "signature": None})
    strangers = strangers.signed(peer.stranger.kid, peer.stranger.sign(strangers.signed_bytes))
    cases = [
        # An authenticated peer's message whose checkpoint no stage signed: refused for good
        ({"checkpoint": strangers.to_view(), "consistency": [], "changes": []}, 400),
        ({"checkpoint": {**theirs.to_view(), "stage": "local"}, "consistency": [], "changes": []}, 400),
        ({"checkpoint": {**theirs.to_view(), "tree_size": -1}, "consistency": [], "changes": []}, 400),
        ({"checkpoint": theirs.to_view(), "consistency": ["zz"], "changes": []}, 400),
        ({"checkpoint": theirs.to_view()}, 400),
    ]
    for body, status in cases:
        response = peer.send(peer.message("checkpoint.issued", body))
        assert response.status_code == status, (body, response.data)
    assert witnessed(api)["checkpoint"] is None


def test_an_unknown_stage_is_a_404(api, peer):
    response = api.get("/transparency/witnessed/nowhere")
    assert (response.status_code, response.data["code"]) == (404, "stage_not_found")


@pytest.mark.parametrize(
    "evidence",
    [
        {"consistency": {"a": 1}, "changes": []},
        {"consistency": [], "changes": "x"},
        {"consistency": [], "changes": [1, 2]},
        {"consistency": [], "changes": [{"seq": 10**30, "hash": 5}]},
        {"consistency": [None], "changes": []},
        {"consistency": ["ab" * 32] * 500, "changes": [{}]},
    ],
)
def test_hostile_evidence_with_a_signed_checkpoint_is_never_a_5xx_nor_held(api, peer, log, evidence):
    log.grow()
    held = log.checkpoint()
    send(peer, held, None, log)
    log.grow()
    body = {"checkpoint": log.checkpoint().to_view(), **evidence}

    response = peer.send(peer.message("checkpoint.issued", body))

    assert response.status_code in (200, 400), response.data
    assert witnessed(api)["checkpoint"] == held.to_view()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"held": {"stage": "peer"}}, 400),
        ({"held": "x"}, 400),
        ({"held": None}, 400),  # no evidence: nothing to check, nothing raised
        ({"reason": "长" * 2000}, 400),
        ({"reason": "长" * 500}, 200),
    ],
)
def test_a_dispute_keeps_only_a_checkpoint_as_evidence_and_a_bounded_reason(
    api, peer, relay_setup, change, status
):
    api.post("/verification-requests", relay_body(), token=relay_setup["requester"])
    own = wiring.transparency().issue_checkpoint().checkpoint
    body = {
        "checkpoint": own.to_view(),
        "held": own.to_view(),
        "reason": "the tree does not extend",
        **change,
    }

    response = peer.send(peer.message("checkpoint.disputed", body))

    assert response.status_code == status, response.data
    disputes = witnessed(api, "local")["disputes"]
    assert len(disputes) == (status == 200)
    assert all(len(d["reason"]) <= 500 for d in disputes)


def test_a_disputes_evidence_must_be_signed_by_the_disputed_stage_before_it_raises_anything(
    api, peer, relay_setup
):
    """The evidence of a dispute is a checkpoint of this stage as this stage signed it: one
    forged (another root), unsigned or signed by another key raises no dispute and no alert."""
    api.post("/verification-requests", relay_body(), token=relay_setup["requester"])
    own = wiring.transparency().issue_checkpoint().checkpoint
    forged = Checkpoint(**{**own.__dict__, "root_hash": "ab" * 32, "signature": None})
    forgeries = [
        {**forged.to_view(), "signature": own.signature},  # a signature over another checkpoint
        forged.signed(peer.signer.kid, peer.signer.sign(forged.signed_bytes)).to_view(),  # the peer's
        forged.to_view(),  # none
    ]
    for held in forgeries:
        body = {"checkpoint": own.to_view(), "held": held, "reason": "it does not extend what I hold"}
        response = peer.send(peer.message("checkpoint.disputed", body))
        assert (response.status_code, response.data["code"]) == (400, "invalid_message"), response.data
    assert witnessed(api, "local")["disputes"] == []
    assert alerts() == []
