"""RelayService's rules on the in-memory adapters: a request between two units of this stage,
its signed trail, who sees and answers it, the refusals, overdue marking, alerts recorded."""

import pytest

from chalicelib.adapters.memory.relay import MemoryRelayRepository
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from chalicelib.domain.identity import Audience
from tests.support.catalogue import proof_body
from tests.support.relay import relay_body
from tests.unit.services.conftest import SUPERVISOR, agency, citizen

REQUESTER, TARGET, OTHER = agency("hz-rsj"), agency("hz-gaj"), agency("hz-mzj")
ANSWER = {"outcome": "confirmed", "attestation": {"relation": "父子"}}


@pytest.fixture
def units(catalogue):
    """hz-gaj holds the records, hz-rsj asks, hz-mzj stands by; proofs in several dispositions."""
    for unit_id in ("hz-gaj", "hz-rsj", "hz-mzj"):
        catalogue.register_unit({"unit_id": unit_id, "name": unit_id, "level": "city", "county": "huzhou"})
    proofs = {
        "PF-R001": {},
        "PF-C001": {"disposition": "cancelled", "rule": "no_legal_basis"},
        "PF-E001": {"disposition": "existing_credential", "rule": "existing_credential"},
    }
    for proof_id, overrides in proofs.items():
        catalogue.create_proof(proof_body(proof_id=proof_id, **overrides))


def ask(relay, **overrides):
    return relay.create(REQUESTER, relay_body(**overrides))


def test_a_request_is_pending_due_in_five_working_days_and_alerts_the_target(relay, units, store):
    store.outbox.clear()
    request = ask(relay)

    assert (request.status.value, request.due_at) == ("pending", "2026-12-03T08:00:00Z")  # Thu -> next Thu
    assert [(a.event_type, a.target_unit) for a in store.outbox] == [("verification.requested", "hz-gaj")]
    assert store.counters["VERIFICATION"]["requests"] == 1 and store.messages == []


@pytest.mark.parametrize("proof_id", ["PF-C001", "PF-E001"])
def test_asking_for_a_cancelled_proof_is_refused_and_recorded_on_the_askers_record(
    relay, supervision, units, store, proof_id
):
    with pytest.raises(RuleViolation) as refused:
        ask(relay, proof_id=proof_id)

    assert refused.value.code == "proof_cancelled"
    assert relay.inbox_or_outbox(REQUESTER, "outbox", None, 10, None).items == []
    record = supervision.unit_record("hz-rsj")
    assert record["summary"]["refused_requests_for_cancelled_proofs"] == 1
    assert record["refused_requests"][0]["proof_id"] == proof_id


@pytest.mark.parametrize(("overrides", "code"), [({"target_unit": "nowhere"}, "unit_not_found"),
                                                 ({"proof_id": "PF-NONE"}, "proof_not_found")])  # fmt: skip
def test_a_request_to_an_unknown_unit_or_proof_is_404(relay, units, overrides, code):
    with pytest.raises(NotFound) as refused:
        ask(relay, **overrides)

    assert refused.value.code == code


def test_the_target_accepts_then_answers_and_the_requester_is_alerted_each_time(relay, units, store):
    request_id = ask(relay).request_id
    store.outbox.clear()

    accepted = relay.accept(TARGET, request_id)
    answered = relay.respond(TARGET, request_id, ANSWER)

    assert (accepted.status.value, answered.status.value, answered.outcome) == (
        "accepted",
        "completed",
        "confirmed",
    )
    assert [(a.event_type, a.target_unit) for a in store.outbox] == [
        ("verification.accepted", "hz-rsj"),
        ("verification.completed", "hz-rsj"),
    ]
    assert store.counters["VERIFICATION"]["completed"] == 1


def test_only_the_target_changes_a_request_and_only_from_an_open_state(relay, units):
    request_id = ask(relay).request_id

    with pytest.raises(Forbidden):
        relay.accept(REQUESTER, request_id)
    with pytest.raises(NotFound):
        relay.accept(OTHER, request_id)  # a stranger must not learn it exists
    rejected = relay.reject(TARGET, request_id, {"reason": "no_record"})
    with pytest.raises(Conflict) as again:
        relay.respond(TARGET, request_id, ANSWER)

    assert (rejected.status.value, rejected.reject_reason) == ("rejected", "no_record")
    assert again.value.code == "invalid_state"


def test_each_party_sees_the_request_as_its_party_and_a_first_look_is_on_the_trail(relay, units):
    request_id = ask(relay).request_id

    by_target = relay.view(TARGET, request_id)
    relay.view(TARGET, request_id)  # a second look records nothing
    by_supervisor = relay.view(SUPERVISOR, request_id)
    trail = relay.trail(REQUESTER, request_id)

    assert by_target["subject"]["id_number"] == "330521196201010014"
    assert by_supervisor["subject"]["id_number"] != "330521196201010014"  # masked
    assert [e["type"] for e in trail["events"]] == ["created", "viewed"] and trail["chain_valid"] is True
    with pytest.raises(NotFound):
        relay.view(OTHER, request_id)


def test_the_trail_is_signed_by_this_stage_and_an_event_changed_afterwards_breaks_the_chain(
    relay, units, store
):
    request_id = ask(relay).request_id
    relay.accept(TARGET, request_id)
    events = store.records["trail_event"]
    first = min(events)

    signed = relay.trail(TARGET, request_id)
    events[first] = events[first].__class__(**{**events[first].__dict__, "actor": "someone-else"})
    broken = relay.trail(TARGET, request_id)

    assert signed["chain_valid"] is True and all(e["signature"] for e in signed["events"])
    assert broken["chain_valid"] is False


def test_boxes_list_newest_first_by_status_and_a_citizen_sees_requests_about_them(relay, units, clock):
    ids = []
    for minute in range(3):
        clock.at(minutes=minute)
        ids.append(ask(relay).request_id)
    relay.accept(TARGET, ids[0])

    outbox = relay.inbox_or_outbox(REQUESTER, "outbox", None, 2, None)
    rest = relay.inbox_or_outbox(REQUESTER, "outbox", None, 2, outbox.next_key)
    pending = relay.inbox_or_outbox(TARGET, "inbox", "pending", 10, None)
    about_me = relay.about_me(citizen(), 10, None)

    assert [r.request_id for r in outbox.items + rest.items] == ids[::-1]
    assert [r.request_id for r in pending.items] == [ids[2], ids[1]]
    assert relay.inbox_or_outbox(REQUESTER, "inbox", None, 10, None).items == []
    assert [r.request_id for r in about_me.items] == ids[::-1]
    assert about_me.items[0].to_view(Audience.SUBJECT)["request_id"] == ids[2]


def test_a_request_past_due_is_marked_overdue_once_and_both_units_are_alerted(relay, units, clock, store):
    late, answered = ask(relay).request_id, ask(relay).request_id
    relay.accept(TARGET, answered)
    relay.respond(TARGET, answered, ANSWER)
    store.outbox.clear()

    early = relay.mark_overdue()
    clock.at(days=8)
    marked, again = relay.mark_overdue(), relay.mark_overdue()

    assert (early, marked, again) == (0, 1, 0)
    assert MemoryRelayRepository(store).get(late).status.value == "overdue" and relay.overdue_now() == 1
    assert sorted(a.target_unit for a in store.outbox) == ["hz-gaj", "hz-rsj"]
    relay.accept(TARGET, late)  # an overdue request may still be taken up and answered
    relay.respond(TARGET, late, ANSWER)
    assert relay.overdue_now() == 0


def test_an_open_request_is_cancelled_for_its_requester_and_an_answered_one_is_left(relay, units, store):
    open_id, answered_id = ask(relay).request_id, ask(relay).request_id
    relay.accept(TARGET, answered_id)
    relay.respond(TARGET, answered_id, ANSWER)
    store.outbox.clear()

    cancelled = relay.cancel(open_id, "commitment_withdrawn")

    assert cancelled.status.value == "cancelled" and relay.cancel(answered_id, "x") is None
    assert [(a.event_type, a.target_unit) for a in store.outbox] == [("verification.cancelled", "hz-gaj")]


def test_an_alert_sent_is_recorded_on_the_trail_once(relay, units, store):
    request_id = ask(relay).request_id
    alert = store.outbox[-1]

    relay.record_alerted(alert)
    relay.record_alerted(alert)  # published again after a crash

    assert [e["type"] for e in relay.trail(REQUESTER, request_id)["events"]] == ["created", "alerted"]
