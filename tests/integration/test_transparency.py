"""The transparency log through the API, against DynamoDB Local: signed checkpoints of the trail
events' Merkle tree and of the change log, the proofs an outsider checks with the project's
verifier (scripts/verify_log.py), and an insider's edits, each caught."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib import wiring
from chalicelib.adapters.catalogue_rows import CHANGELOG
from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.adapters.relay_rows import request_pk
from chalicelib.adapters.transparency_rows import NodeRow, TreeRow
from chalicelib.api import jobs
from chalicelib.domain import merkle
from chalicelib.domain.hashchain import record_hash
from chalicelib.services import transparency as transparency_service
from chalicelib.settings import get_settings
from scripts import verify_log
from tests.support import relay_body
from tests.support.stack import run_together
from tests.support.transparency import current_size, forget_checkpoints, rebuild_changelog_from

ANSWER = {"outcome": "confirmed", "attestation": {"record": "户籍档案 2001-17"}}


def answered_request(api, tokens):
    """A request created, accepted and answered here: three events recorded on this stage."""
    created = api.post("/verification-requests", relay_body(), token=tokens["requester"])
    assert created.status_code == 201, created.data
    request_id = created.data["request_id"]
    assert api.post(f"/verification-requests/{request_id}/accept", token=tokens["target"]).status_code == 200
    done = api.post(f"/verification-requests/{request_id}/respond", ANSWER, token=tokens["target"])
    assert done.status_code == 200
    return request_id


def issue():
    return wiring.transparency().issue_checkpoint()


def fetcher(api):
    def fetch(path):
        response = api.get(path)
        assert response.status_code == 200, (path, response.data)
        return response.data

    return fetch


def trail_with_proofs(api, tokens, request_id):
    response = api.get(f"/verification-requests/{request_id}/trail?inclusion=true", token=tokens["requester"])
    assert response.status_code == 200, response.data
    return response.data


def events_here(api, tokens, request_ids):
    trails = [
        api.get(f"/verification-requests/{r}/trail", token=tokens["requester"]).data for r in request_ids
    ]
    return sum(len(trail["events"]) for trail in trails)


def table():
    return boto3.resource("dynamodb").Table(get_settings().table_name)


def alarms_queued():
    return [a for a in DynamoOutbox().pending(100) if a.event_type == "transparency.inconsistent"]


# Checkpoints and proofs


def test_a_checkpoint_covers_every_event_recorded_here_and_verifies_with_the_directory(api, relay_setup):
    assert api.get("/transparency/checkpoint").data["code"] == "checkpoint_not_found"
    request_ids = [answered_request(api, relay_setup) for _ in range(3)]

    run = issue()

    checkpoint = api.get("/transparency/checkpoint").data
    assert run.checkpoint is not None and checkpoint == run.checkpoint.to_view()
    assert checkpoint["tree_size"] == events_here(api, relay_setup, request_ids) >= 9
    assert (checkpoint["number"], checkpoint["stage"]) == (1, "local")
    changes = api.get("/catalogue/changes?limit=100").data["items"]
    assert checkpoint["changelog"] == {"seq": changes[-1]["seq"], "hash": changes[-1]["hash"]}
    assert checkpoint["hash"] == record_hash(checkpoint)
    _, failures = verify_log.check(fetcher(api))
    assert failures == []


def test_the_trail_proves_each_event_in_the_checkpoint_and_a_changed_event_does_not_verify(api, relay_setup):
    request_ids = [answered_request(api, relay_setup) for _ in range(5)]
    issue()
    trail = trail_with_proofs(api, relay_setup, request_ids[2])

    assert [p["seq"] for p in trail["inclusion"]] == [e["seq"] for e in trail["events"]]
    assert trail["checkpoint"] == api.get("/transparency/checkpoint").data
    assert verify_log.check(fetcher(api), trail=trail)[1] == []
    assert all(
        len(p["audit_path"]) <= trail["checkpoint"]["tree_size"].bit_length() for p in trail["inclusion"]
    )

    forged = json.loads(json.dumps(trail))
    forged["events"][1]["actor"] = "someone else"
    forged["events"][1]["hash"] = record_hash(forged["events"][1])
    failures = verify_log.check(fetcher(api), trail=forged)[1]
    assert failures == [f"event 2 of request {request_ids[2]} is not in the checkpoint's tree"]


def test_events_after_the_checkpoint_have_no_proof_until_the_next(api, relay_setup):
    first = answered_request(api, relay_setup)
    issue()
    later = answered_request(api, relay_setup)
    assert trail_with_proofs(api, relay_setup, later)["inclusion"] == []
    plain = api.get(f"/verification-requests/{later}/trail", token=relay_setup["requester"]).data
    assert "inclusion" not in plain and "checkpoint" not in plain
    issue()
    assert len(trail_with_proofs(api, relay_setup, later)["inclusion"]) == 3
    assert len(trail_with_proofs(api, relay_setup, first)["inclusion"]) == 3


def test_a_later_checkpoint_proves_it_extends_the_earlier(api, relay_setup, admin_token):
    answered_request(api, relay_setup)
    first = issue().checkpoint
    assert issue().checkpoint is None  # nothing moved: nothing new to sign
    answered_request(api, relay_setup)
    patched = api.patch(
        "/proofs/PF-K001", {"version": 1, "guidance": "线上办理", "reason": "便民"}, token=admin_token
    )
    assert patched.status_code == 200
    second = issue().checkpoint

    assert (second.number, second.changelog.seq) == (2, first.changelog.seq + 1)
    assert api.get("/transparency/checkpoints/1").data == first.to_view()
    proof = api.get(f"/transparency/consistency?from={first.tree_size}&to={second.tree_size}").data
    assert (proof["from"], proof["to"]) == (first.tree_size, second.tree_size)
    hashes = [bytes.fromhex(h) for h in proof["proof"]]
    assert verify_log.verify_consistency(first.tree_size, second.tree_size, first.root, second.root, hashes)
    assert verify_log.check(fetcher(api), held=[first.to_view()])[1] == []


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("from=2&to=1", 422, "tree_size_unknown"),
        ("from=1&to=999", 422, "tree_size_unknown"),
        ("from=0&to=1", 400, "validation_error"),
        ("from=1", 400, "validation_error"),
        ("from=a&to=1", 400, "validation_error"),
        ("from=1&to=1.5", 400, "validation_error"),
    ],
)
def test_a_consistency_proof_needs_two_sizes_the_log_has(api, relay_setup, query, status, code):
    answered_request(api, relay_setup)
    issue()
    response = api.get(f"/transparency/consistency?{query}")
    assert (response.status_code, response.data["code"]) == (status, code)
    assert response.data["message_zh"]


@pytest.mark.parametrize("number", ["2", "0", "x1", "12345678901"])
def test_an_unknown_checkpoint_number_is_a_404(api, relay_setup, number):
    answered_request(api, relay_setup)
    issue()
    response = api.get(f"/transparency/checkpoints/{number}")
    assert (response.status_code, response.data["code"]) == (404, "checkpoint_not_found")


def test_before_any_checkpoint_proofs_are_a_404_and_trails_say_none(api, relay_setup):
    request_id = answered_request(api, relay_setup)
    assert api.get("/transparency/consistency?from=1&to=1").data["code"] == "checkpoint_not_found"
    trail = trail_with_proofs(api, relay_setup, request_id)
    assert (trail["checkpoint"], trail["inclusion"]) == (None, [])
    bad = api.get(f"/verification-requests/{request_id}/trail?inclusion=yes", token=relay_setup["requester"])
    assert (bad.status_code, bad.data["code"]) == (400, "validation_error")


def test_runs_at_once_give_every_event_exactly_one_place(api, relay_setup):
    request_ids = [answered_request(api, relay_setup) for _ in range(12)]
    service = wiring.transparency()

    sequenced = run_together([service.sequence] * 4)

    assert not [r for r in sequenced if isinstance(r, Exception)]
    expected = events_here(api, relay_setup, request_ids)
    assert sum(sequenced) == expected
    leaves = wiring.transparency()._log.leaves(0, expected + 5)
    assert [index for index, _, _ in leaves] == list(range(expected))
    assert len({(leaf.request_id, leaf.seq) for _, leaf, _ in leaves}) == expected
    assert issue().checkpoint.tree_size == expected
    assert wiring.transparency().audit() == ()


# An insider with write access to the tables


def test_an_old_change_record_edited_in_place_is_caught_by_the_audit_and_the_verifier(api, relay_setup):
    answered_request(api, relay_setup)
    issue()
    table().update_item(
        Key={"pk": CHANGELOG, "sk": "REC#0000000001"},
        UpdateExpression="SET reason = :r",
        ExpressionAttributeValues={":r": "从未发生的理由"},
    )

    assert wiring.transparency().audit() == ("changelog_broken",)
    assert [a.target_unit for a in alarms_queued()] == ["supervision"]
    failures = verify_log.check(fetcher(api))[1]
    assert failures == ["change record 1 does not recompute: it was edited"]
    wiring.transparency().audit()
    assert len(alarms_queued()) == 1  # the same damage found again raises no second alert


def test_a_change_log_rebuilt_with_valid_hashes_is_not_signed_and_the_verifier_sees_it(api, relay_setup):
    answered_request(api, relay_setup)
    held = issue().checkpoint
    rebuild_changelog_from(table(), 2, reason="改写的历史")

    run = issue()

    assert (run.checkpoint, run.problems) == (None, ("changelog_rewritten",))
    assert len(alarms_queued()) == 1
    assert api.get("/transparency/checkpoint").data["number"] == held.number  # nothing new signed
    _, failures = verify_log.check(fetcher(api), held=[held.to_view()])
    assert (
        f"checkpoint {held.number} names change record {held.changelog.seq} with another hash than the log's"
        in failures
    )


def test_a_request_deleted_with_its_events_is_caught_and_its_saved_proof_still_stands(api, relay_setup):
    request_ids = [answered_request(api, relay_setup) for _ in range(3)]
    held = issue().checkpoint
    saved = trail_with_proofs(api, relay_setup, request_ids[1])
    rows = table().query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": request_pk(request_ids[1])}
    )
    for item in rows["Items"]:
        table().delete_item(Key={"pk": item["pk"], "sk": item["sk"]})

    assert "event_missing" in wiring.transparency().audit()
    assert (
        api.get(f"/verification-requests/{request_ids[1]}", token=relay_setup["requester"]).status_code == 404
    )
    # The requester's saved trail still proves, against a checkpoint the stage signed and that
    # today's tree extends, that the stage logged the events it no longer shows.
    assert verify_log.check(fetcher(api), held=[held.to_view()], trail=saved)[1] == []


def test_a_tree_rebuilt_without_a_request_is_refused_and_a_fresh_start_is_caught(api, relay_setup):
    request_ids = [answered_request(api, relay_setup) for _ in range(3)]
    held = issue().checkpoint
    rebuild_tree_without(request_ids[0])

    run = issue()
    assert run.checkpoint is None and run.problems == ("tree_shrunk",)
    assert len(alarms_queued()) == 1

    # The insider goes further and wipes the stage's memory of its checkpoints, so that it
    # signs the rewritten tree as if it were new. Whoever kept a checkpoint catches that.
    forget_checkpoints(table())
    fresh = issue().checkpoint
    assert fresh is not None and fresh.tree_size == held.tree_size - 3
    failures = verify_log.check(fetcher(api), held=[held.to_view()])[1]
    shrank = f"the tree shrank from {held.tree_size} leaves (checkpoint {held.number}) to {fresh.tree_size}"
    assert failures == [shrank]


def test_a_tree_rebuilt_with_other_leaves_past_the_old_size_is_refused_and_the_fork_is_caught(
    api, relay_setup
):
    request_ids = [answered_request(api, relay_setup) for _ in range(2)]
    held = issue().checkpoint
    rebuild_tree_without(request_ids[0])
    for _ in range(2):
        answered_request(api, relay_setup)  # the tree grows past its old size again

    run = issue()
    assert run.checkpoint is None and run.problems == ("tree_rewritten",)

    forget_checkpoints(table())
    fresh = issue().checkpoint
    assert fresh.tree_size > held.tree_size
    failures = verify_log.check(fetcher(api), held=[held.to_view()])[1]
    assert failures == [
        f"the latest tree does not extend the tree of checkpoint {held.number}: history was rewritten"
    ]


# How an insider rewrites the tree, with valid hashes


def rebuild_tree_without(request_id):
    """Every stored subtree rewritten from the leaves that remain once the request's are gone."""
    log = wiring.transparency()._log
    size = current_size(table())
    kept = [leaf for _, leaf, _ in log.leaves(0, size) if leaf.request_id != request_id]
    for level in range(size.bit_length() + 1):
        for index in range(size >> level):
            NodeRow(*NodeRow.key(level, index)).delete()
    frontier = merkle.Frontier()
    for leaf in kept:
        for level, index, value in frontier.append(leaf.hash):
            NodeRow.of(level, index, value, leaf if level == 0 else None).save()
    table().update_item(
        Key={"pk": TreeRow.KEY[0], "sk": TreeRow.KEY[1]},
        UpdateExpression="SET size = :s",
        ExpressionAttributeValues={":s": len(kept)},
    )


def test_the_job_signs_audits_once_a_day_and_reports_what_it_finds(api, relay_setup, clock, capfd):
    answered_request(api, relay_setup)
    jobs.maintain_transparency_log()
    assert api.get("/transparency/checkpoint").data["number"] == 1
    capfd.readouterr()
    table().update_item(
        Key={"pk": CHANGELOG, "sk": "REC#0000000002"},
        UpdateExpression="SET reason = :r",
        ExpressionAttributeValues={":r": "悄悄改过"},
    )

    jobs.maintain_transparency_log()  # the audit ran a moment ago: not due
    quiet = capfd.readouterr().out
    assert "log_inconsistent" not in quiet and '"TransparencyLogDamage":[0.0]' in quiet
    clock.at(days=1, minutes=1)
    jobs.maintain_transparency_log()

    found = capfd.readouterr().out
    assert '"TransparencyLogDamage":[1.0]' in found
    line = next(json.loads(text) for text in found.splitlines() if "log_inconsistent" in text)
    assert (line["level"], line["problems"]) == ("ERROR", ["changelog_broken"])


def test_the_job_reads_the_log_a_slice_a_run_so_that_a_run_stays_short_however_large_the_log(
    api, relay_setup, monkeypatch
):
    monkeypatch.setattr(transparency_service, "AUDIT_CHUNK", 4)  # 4 leaves a run, at the least
    request_ids = [answered_request(api, relay_setup) for _ in range(3)]  # 9 leaves
    issue()
    service = wiring.transparency()
    first = service.audit_step()
    assert (first.problems, first.daily) == ((), True)
    index_of = wiring.transparency()._log.leaf_indexes(request_ids[2])
    assert min(index_of.values()) >= 4  # the third request's leaves are in the second slice on
    rows = table().query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": request_pk(request_ids[2])}
    )
    for item in rows["Items"]:
        table().delete_item(Key={"pk": item["pk"], "sk": item["sk"]})

    steps = [service.audit_step() for _ in range(3)]  # leaves 4-7, 8, then 0-3 again

    assert [step.problems for step in steps] == [("event_missing",), ("event_missing",), ()]
    assert [step.daily for step in steps] == [False, False, False]
    assert len(alarms_queued()) == 1


def test_a_backlog_is_sequenced_over_several_runs_in_order(api, relay_setup):
    request_ids = [answered_request(api, relay_setup) for _ in range(10)]  # 30 events or more
    service = wiring.transparency()
    assert service.sequence(batches=1) == 24  # one transaction's worth this run
    rest = service.sequence()
    assert 24 + rest == events_here(api, relay_setup, request_ids)
    assert issue().checkpoint.tree_size == 24 + rest
