"""Delivering this stage's messages to a peer (docs/federation.md, "Delivery"): a message stays
in the sender's table until the peer's signed receipt or its final refusal, so the queue is never
its only copy. The peer is a real HTTP server played by the test, answering as it is told; the
queue is moto's SQS; the table DynamoDB Local."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from ulid import ULID

from chalicelib import wiring
from chalicelib.adapters import jws, metrics, peers
from chalicelib.adapters.catalogue_repository import DynamoCatalogueRepository
from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.adapters.federation_rows import OUT, OutgoingRow, ReceiptRow
from chalicelib.adapters.signing import FileSigner
from chalicelib.adapters.tables import find
from chalicelib.api import jobs
from chalicelib.domain.clock import format_time
from chalicelib.domain.federation import Message
from chalicelib.domain.units import Level, Unit
from chalicelib.services.ports import Owed
from chalicelib.settings import get_settings
from tests.support.catalogue import proof_body
from tests.support.federation import PEER
from tests.support.stack import set_stage_env

FOURTEEN_DAYS = timedelta(days=14)


class PeerDoor:
    """The peer's POST /federation/messages: answers each message with the next status the test
    queued (200 with the peer's signed receipt; any other with an error body); "hang" never answers
    in time."""

    def __init__(self, signer: FileSigner) -> None:
        self.signer = signer
        self.answers: list[int | str] = []
        self.received: list[dict] = []
        door = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                token = self.rfile.read(int(self.headers["Content-Length"])).decode()
                door.received.append(json.loads(jws.unb64url(token.split(".")[1])))
                status = door.answers.pop(0) if door.answers else 200
                if status == "hang":
                    threading.Event().wait(7)  # past the client's 5 s timeout
                    return
                body = door.answer(status, door.received[-1])
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, status: int, message: dict) -> dict:
        if status != 200:
            return {"code": "refused_here", "message": "x" * 2000, "message_zh": "拒收"}
        at = message["sent_at"]
        receipt = {"message_id": message["message_id"], "stage": PEER, "received_at": at}
        sealed = jws.sign_compact(receipt, self.signer.kid, self.signer.sign)
        return {"message_id": message["message_id"], "received_at": at, "receipt": sealed}


@pytest.fixture
def door(stack_env, tmp_path, monkeypatch):
    """Given a peer stage at a real HTTP address, pinned in this stage's directory, and this
    stage's delivery queue."""
    settings = get_settings()
    own, theirs = FileSigner(tmp_path / "own.pem"), FileSigner(tmp_path / "peer.pem")
    served = PeerDoor(theirs)
    directory = {
        "stages": [
            {"stage": settings.stage, "label": "本地", "api_url": "", "jwks": {"keys": [own.public_jwk]}},
            {"stage": PEER, "label": "德清", "api_url": served.url, "jwks": {"keys": [theirs.public_jwk]}},
        ]
    }
    (tmp_path / "directory.json").write_text(json.dumps(directory), encoding="utf-8")
    queue = boto3.client("sqs").create_queue(QueueName=f"fed-{settings.table_name}")["QueueUrl"]
    set_stage_env(monkeypatch, "FEDERATION_KEY_FILE", str(tmp_path / "own.pem"))
    set_stage_env(monkeypatch, "FEDERATION_DIRECTORY_FILE", str(tmp_path / "directory.json"))
    set_stage_env(monkeypatch, "FEDERATION_QUEUE_URL", queue)
    yield served
    served.server.shutdown()


@pytest.fixture
def message_to_peer(api, door, admin_token):
    """Given a change that owes the peer a message (a unit registered here), committed."""
    body = {"unit_id": "hz-new", "name": "湖州市新单位", "level": "city", "county": "huzhou"}
    assert api.post("/units", body, token=admin_token).status_code == 201
    (row,) = OutgoingRow.query(OUT, consistent_read=True)
    return row.to_domain()


def state(message):
    """The message's row: None once delivered, else its state and the refusal kept with it."""
    row = next(iter(OutgoingRow.query(OUT, OutgoingRow.sk == message.message_id, consistent_read=True)), None)
    return None if row is None else (row.lsi1sk.split("#")[0], row.refusal)


def queued():
    """Take every message the delivery queue offers now (as its consumer would)."""
    sqs, url = boto3.client("sqs"), get_settings().federation_queue_url
    taken = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for record in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=record["ReceiptHandle"])
            taken.append(json.loads(record["Body"]))
    return taken


def deliver(message) -> bool:
    """The queue consumer's step for one message: True when it is done with (SQS deletes it)."""
    return jobs.deliver_message(json.dumps(message.to_view()), attempts=1)


def test_a_forwarded_message_stays_in_the_table_until_the_peers_receipt(message_to_peer, door):
    assert jobs.forward_messages() == 1
    assert [m["message_id"] for m in queued()] == [message_to_peer.message_id]
    assert state(message_to_peer) == ("QUEUED", None)  # handed to the queue, not forgotten
    assert jobs.forward_messages() == 0  # and handed over once

    assert deliver(message_to_peer) is True

    assert state(message_to_peer) is None
    receipt = find(ReceiptRow, *ReceiptRow.key(message_to_peer.message_id))
    assert receipt.to_stage == PEER and receipt.receipt.count(".") == 2


@pytest.mark.parametrize("status", [400, 403])
def test_a_final_refusal_is_kept_with_the_answer_alarmed_and_never_sent_again(
    message_to_peer, door, status, monkeypatch
):
    recorded = []
    monkeypatch.setattr(metrics, "record", lambda name, *_, **__: recorded.append(name))
    jobs.forward_messages()
    queued()
    door.answers = [status]

    assert deliver(message_to_peer) is True  # done with: the queue lets it go

    kept, refusal = state(message_to_peer)
    assert kept == "REFUSED"
    assert (refusal["status"], refusal["code"]) == (status, "refused_here")
    assert len(refusal["message"]) == 500  # the peer's words, cut short
    assert metrics.FEDERATION_REFUSED in recorded
    # Never sent again: not by the forwarding job, not by the putting back of old messages
    assert jobs.forward_messages() == 0
    assert wiring.federation().requeue(timedelta(0)) == 0
    assert queued() == [] and len(door.received) == 1


@pytest.mark.parametrize("answer", [401, 404, 409, 429, 500, 503, "hang", "down"])
def test_any_other_answer_or_none_leaves_the_message_queued_for_a_retry(message_to_peer, door, answer):
    jobs.forward_messages()
    queued()
    if answer == "down":
        door.server.shutdown()
        door.server.server_close()
    else:
        door.answers = [answer]

    assert deliver(message_to_peer) is False  # the queue offers it again after a back-off

    assert state(message_to_peer) == ("QUEUED", None)


def test_what_the_queue_held_longer_than_it_keeps_messages_is_put_back_from_the_table(
    message_to_peer, door, clock
):
    # Given a message handed to the queue at T0, which the queue then dropped (retention)
    assert jobs.forward_messages() == 1
    queued()
    service = wiring.federation()

    # When less time than the queue keeps messages has passed: nothing to put back
    clock.at(days=13, hours=23)
    assert service.requeue(FOURTEEN_DAYS) == 0
    # Once more has passed, it goes back on the queue, and counts as queued from then on
    clock.at(days=14, seconds=1)
    assert service.requeue(FOURTEEN_DAYS) == 1
    assert [m["message_id"] for m in queued()] == [message_to_peer.message_id]
    assert service.requeue(FOURTEEN_DAYS) == 0
    clock.at(days=28, seconds=2)
    assert service.requeue(FOURTEEN_DAYS) == 1
    queued()

    # And the peer, back at last, takes it once
    assert deliver(message_to_peer) is True
    assert state(message_to_peer) is None and len(door.received) == 1


def test_the_forwarding_job_puts_back_what_is_older_than_the_stages_queue_retention(
    message_to_peer, door, clock, monkeypatch
):
    set_stage_env(monkeypatch, "FEDERATION_QUEUE_RETENTION_SECONDS", "60")
    assert jobs.forward_messages() == 1
    queued()
    clock.at(seconds=59)
    assert jobs.forward_messages() == 0
    clock.at(seconds=61)
    assert jobs.forward_messages() == 1
    assert len(queued()) == 1


def test_a_message_delivered_while_it_was_being_queued_is_not_brought_back(message_to_peer, door):
    # The consumer may deliver a message before the forwarder has marked it queued.
    service = wiring.federation()
    assert deliver(message_to_peer) is True
    DynamoFederationRepository(wiring.container().connection).mark_queued(
        message_to_peer, format_time(wiring.clock())
    )

    assert state(message_to_peer) is None
    assert service.forward() == 0 and service.requeue(timedelta(0)) == 0


@pytest.fixture
def two_doors(stack_env, tmp_path, monkeypatch):
    """Given two peer stages at real HTTP addresses, `peer` and `peer2`, pinned here."""
    settings = get_settings()
    own = FileSigner(tmp_path / "own.pem")
    doors = {name: PeerDoor(FileSigner(tmp_path / f"{name}.pem")) for name in (PEER, "peer2")}
    members = [{"stage": settings.stage, "label": "本地", "api_url": "", "jwks": {"keys": [own.public_jwk]}}]
    members += [
        {"stage": name, "label": name, "api_url": door.url, "jwks": {"keys": [door.signer.public_jwk]}}
        for name, door in doors.items()
    ]
    (tmp_path / "directory.json").write_text(json.dumps({"stages": members}), encoding="utf-8")
    set_stage_env(monkeypatch, "FEDERATION_KEY_FILE", str(tmp_path / "own.pem"))
    set_stage_env(monkeypatch, "FEDERATION_DIRECTORY_FILE", str(tmp_path / "directory.json"))
    yield doors
    for door in doors.values():
        door.server.shutdown()


def test_a_peer_that_hangs_costs_one_timeout_and_never_delays_another_peer(two_doors):
    def to(stage, n):
        body = {"unit_id": f"hz-{n}", "name": "单位", "level": "city", "county": "huzhou", "stage": "local"}
        message = Message(str(ULID()), get_settings().stage, stage, "unit.registered", "", body)
        return (json.dumps(message.to_view()), 1)

    hung, healthy = two_doors[PEER], two_doors["peer2"]
    hung.answers = ["hang", "hang"]
    batch = [to(PEER, 1), to("peer2", 2), to(PEER, 3), to("peer2", 4)]

    began = time.monotonic()
    done = jobs.deliver_batch(batch)
    took = time.monotonic() - began

    assert done == [False, True, False, True]  # the healthy peer's, in order; the hung peer's wait
    assert len(healthy.received) == 2 and len(hung.received) == 1  # its second failed at once: it rests
    assert took < peers.READ_TIMEOUT + 1.5  # one timeout, not one per message

    # Resting: the hung peer's messages fail at once, the healthy peer's still go.
    began = time.monotonic()
    assert jobs.deliver_batch([to(PEER, 5), to("peer2", 6)]) == [False, True]
    assert time.monotonic() - began < 1.5 and len(hung.received) == 1


# A province: one change owes a message to every peer, more than a transaction holds


PROVINCE_PEERS = 120  # a province has 100 besides each stage; DynamoDB's transactions hold 100 items


@pytest.fixture
def province(stack_env, tmp_path, monkeypatch):
    """Given this stage paired with 120 others (their keys in the listing it was deployed with,
    no witnesses chosen yet), and its delivery queue. Returns the peers' names."""
    settings = get_settings()
    keys = {name: FileSigner(tmp_path / f"{name}.pem") for name in ["own", *counties(PROVINCE_PEERS)]}
    members = [
        {"stage": settings.stage if name == "own" else name, "label": name, "api_url": "http://127.0.0.1:9",
         "jwks": {"keys": [key.public_jwk]}}
        for name, key in keys.items()
    ]  # fmt: skip
    (tmp_path / "directory.json").write_text(json.dumps({"stages": members}), encoding="utf-8")
    queue = boto3.client("sqs").create_queue(QueueName=f"fed-{settings.table_name}")["QueueUrl"]
    set_stage_env(monkeypatch, "FEDERATION_KEY_FILE", str(tmp_path / "own.pem"))
    set_stage_env(monkeypatch, "FEDERATION_DIRECTORY_FILE", str(tmp_path / "directory.json"))
    set_stage_env(monkeypatch, "FEDERATION_QUEUE_URL", queue)
    return counties(PROVINCE_PEERS)


def counties(count):
    return [f"county{n:03d}" for n in range(count)]


def forwarded_until_none_wait():
    total = 0
    while forwarded := jobs.forward_messages():
        total += forwarded
    return total


def test_each_change_that_tells_every_peer_commits_in_a_province_and_each_peer_gets_it_once(
    api, province, admin_token
):
    # When a unit is registered, a proof item created and changed, and a checkpoint issued with
    # no witnesses chosen yet (each owes every one of the 120 peers a message)
    unit = {"unit_id": "hz-new", "name": "湖州市新单位", "level": "city", "county": "huzhou"}
    assert api.post("/units", unit, token=admin_token).status_code == 201
    created = api.post("/proofs", proof_body(issuing_unit="hz-new"), token=admin_token)
    assert created.status_code == 201, created.data
    change = {"version": 1, "disposition": "data_sharing", "rule": "data_sharing", "reason": "共享"}
    changed = api.request("PATCH", f"/proofs/{created.data['proof_id']}", change, token=admin_token)
    assert changed.status_code == 200, changed.data
    jobs.maintain_transparency_log()

    # Then forwarding hands the queue one message of each kind for each peer, each once
    assert forwarded_until_none_wait() == 4 * PROVINCE_PEERS
    sent = queued()
    per_peer = {}
    for message in sent:
        per_peer.setdefault(message["to_stage"], []).append(message["type"])
    assert sorted(per_peer) == province
    assert all(
        types == ["unit.registered", "proof.changed", "proof.changed", "checkpoint.issued"]
        for types in per_peer.values()
    ), per_peer
    assert len({m["message_id"] for m in sent}) == len(sent)
    # and each message stays in the table, queued, until its peer's receipt
    rows = list(OutgoingRow.query(OUT, consistent_read=True))
    assert len(rows) == len(sent) and all(row.lsi1sk.startswith("QUEUED#") for row in rows)


def fan_out_of(count):
    """A change that owes one message to each of `count` peers, committed (its fan-out row)."""
    body = {
        "unit_id": "hz-new",
        "name": "湖州市新单位",
        "level": "city",
        "county": "huzhou",
        "stage": "local",
    }
    messages = [
        Message(str(ULID()), get_settings().stage, name, "unit.registered", "", body)
        for name in counties(count)
    ]
    catalogue = DynamoCatalogueRepository(wiring.container().connection, get_settings().stage)
    catalogue.add_unit(Unit("hz-new", "湖州市新单位", Level.CITY, "huzhou"), Owed(messages=messages))
    (row,) = [row for row in OutgoingRow.query(OUT, consistent_read=True) if row.recipients]
    return messages, row


def test_a_fan_out_cut_short_is_taken_up_where_it_stopped_and_loses_or_repeats_no_message(stack_env):
    repo = DynamoFederationRepository(wiring.container().connection)
    messages, fan_out = fan_out_of(250)
    # Given a forwarding run that gave the first 99 peers their rows, then died
    for message in messages[:99]:
        OutgoingRow.of(message).save()
    fan_out.update(actions=[OutgoingRow.expanded.set(99)])

    # When forwarding runs again, page after page
    taken = []
    while page := repo.unqueued(50):
        taken.extend(page)
        for message in page:
            repo.mark_queued(message, "2026-11-26T08:00:00Z")

    # Then every peer's message was taken once, and the fan-out row is gone
    assert sorted(m.message_id for m in taken) == sorted(m.message_id for m in messages)
    rows = list(OutgoingRow.query(OUT, consistent_read=True))
    assert len(rows) == 250 and not any(row.recipients for row in rows)


def test_two_runs_expanding_one_fan_out_at_once_give_each_peer_exactly_one_row(stack_env):
    repo = DynamoFederationRepository(wiring.container().connection)
    messages, _ = fan_out_of(400)

    # When two forwarding runs read and expand it at the same moment
    start = threading.Barrier(2)
    given: list[list[Message]] = []

    def run():
        start.wait()
        given.append(repo.unqueued(1))

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()

    # Then, once any run left by a transaction that collided has been taken up by the next,
    # each message has one row, whichever run gave it (both may return the first rows they
    # found, which delivery takes once)
    repo.unqueued(1)
    rows = list(OutgoingRow.query(OUT, consistent_read=True))
    assert sorted(row.sk for row in rows if row.recipients is None) == sorted(m.message_id for m in messages)
    assert not any(row.recipients for row in rows)
    assert {m.message_id for page in given for m in page} <= {m.message_id for m in messages}
