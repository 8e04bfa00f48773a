"""Given a verification request, when a party acts, then the states and views follow the rules."""

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from chalicelib.domain.hashchain import chain_is_valid, record_hash
from chalicelib.domain.identity import Audience, Identity, Role
from chalicelib.domain.relay import Party, Status, Subject, VerificationRequest
from chalicelib.domain.stats import verification_block

ID = "330521196201010014"
T0, T1, T2 = "2026-11-26T08:00:00Z", "2026-11-26T09:00:00Z", "2026-11-26T10:30:00Z"


def request(**overrides):
    base = VerificationRequest(
        request_id="R1",
        requester_unit="hz-rsj",
        target_unit="hz-gaj",
        proof_id="PF-R001",
        subject=Subject("王小明", "resident_id", ID),
        case_ref="案-1",
        purpose="核实亲属关系",
        status=Status.PENDING,
        created_at=T0,
        due_at="2026-12-03T08:00:00Z",
        updated_at=T0,
    )
    created, _ = base.record("created", "hz-rsj", T0)
    return created if not overrides else created.__class__(**{**created.__dict__, **overrides})


def agency(unit):
    return Identity(sub="s", role=Role.AGENCY, unit_id=unit)


def test_the_life_of_a_request_leaves_an_unbroken_trail():
    r0 = request()
    r1, e2 = r0.accept(T1)
    r2, e3 = r1.respond("confirmed", {"relation": "父子"}, None, T2)
    assert (r1.status, r2.status, r2.outcome) == (Status.ACCEPTED, Status.COMPLETED, "confirmed")
    assert [e2.seq, e3.seq] == [2, 3] and e3.prev_hash == e2.hash
    first = {"seq": 1, "type": "created", "at": T0, "actor": "hz-rsj", "detail": None, "stage": ""}
    first["prev_hash"] = None
    assert r0.trail_hash == record_hash(first)
    assert chain_is_valid([{**first, "hash": r0.trail_hash}, e2.to_view(), e3.to_view()])


@pytest.mark.parametrize(
    ("steps", "action"),
    [
        (["accept"], "accept"),
        ([], "respond"),
        (["accept", "respond"], "reject"),
        (["reject"], "accept"),
        (["accept", "respond"], "respond"),
    ],
)
def test_an_action_the_state_does_not_allow_is_invalid_state(steps, action):
    r = request()
    do = {
        "accept": lambda x: x.accept(T1),
        "respond": lambda x: x.respond("confirmed", {}, None, T1),
        "reject": lambda x: x.reject("no_record", None, T1),
    }
    for step in steps:
        r, _ = do[step](r)
    with pytest.raises(Conflict) as refused:
        do[action](r)
    assert refused.value.code == "invalid_state"


def test_an_overdue_request_can_still_be_accepted_and_completed():
    r, _ = request(due_at=T0).mark_overdue(T1)
    assert r.status is Status.OVERDUE
    r, _ = r.accept(T1)
    r, _ = r.respond("not_confirmed", {}, "无记录", T2)
    assert r.status is Status.COMPLETED


def test_a_request_not_yet_due_is_not_marked_overdue():
    with pytest.raises(Conflict):
        request().mark_overdue(T1)


def test_only_the_two_units_and_supervisors_see_a_request_and_only_the_target_acts():
    r = request()
    assert r.visible_to(agency("hz-gaj")) is Party.TARGET
    assert r.visible_to(agency("hz-rsj")) is Party.REQUESTER
    assert r.visible_to(Identity("s", Role.SUPERVISOR)) is Party.SUPERVISOR
    for outsider in (
        agency("hz-mzj"),
        Identity("s", Role.CITIZEN, id_number=ID),
        Identity("s", Role.CATALOGUE_ADMIN),
    ):
        with pytest.raises(NotFound):
            r.visible_to(outsider)
    with pytest.raises(Forbidden):
        r.require_target(agency("hz-rsj"))


def test_the_subject_is_whole_for_the_parties_and_masked_for_supervisors():
    r, _ = request().accept(T1)
    r, _ = r.respond("confirmed", {"note": ID}, None, T2)
    assert r.to_view(Party.REQUESTER.audience)["subject"]["id_number"] == ID
    supervised = r.to_view(Party.SUPERVISOR.audience)
    assert supervised["subject"] == {
        "name": "王**",
        "id_type": "resident_id",
        "id_number": "330521********0014",
    }
    assert supervised["attestation"] is None
    assert ID not in str(r.to_view(Audience.RECEIPT))


def test_a_view_is_recorded_once_per_party_per_state():
    r = request()
    viewed = r.view_by(Party.TARGET, "hz-gaj", T1)
    assert viewed is not None
    r2, event = viewed
    assert event.type == "viewed" and r2.updated_at == r.updated_at
    assert r2.view_by(Party.TARGET, "hz-gaj", T1) is None
    assert r2.view_by(Party.SUPERVISOR, "", T1) is None
    r3, _ = r2.accept(T2)
    assert r3.view_by(Party.TARGET, "hz-gaj", T2) is not None


@pytest.mark.parametrize(
    ("id_type", "number"),
    [("resident_id", "330521196201010015"), ("resident_id", "12345"), ("uscc", "91330500MA2B3C4D5X")],
)
def test_subject_numbers_are_checked(id_type, number):
    with pytest.raises(InvalidInput) as refused:
        Subject.parse({"name": "王小明", "id_type": id_type, "id_number": number})
    assert number not in refused.value.message and refused.value.details == {"field": "/subject/id_number"}


def test_a_valid_unified_social_credit_code_is_accepted():
    from stdnum.cn import uscc

    code = "91330500MA2B3C4D5"
    code += uscc.calc_check_digit(code)
    assert Subject.parse({"name": "某公司", "id_type": "uscc", "id_number": code}).id_number == code


def test_the_median_turnaround_comes_from_minute_counters():
    block = verification_block({"requests": 5, "completed": 4, "tat_60": 1, "tat_90": 2, "tat_600": 1})
    assert block == {"requests": 5, "completed": 4, "overdue": 0, "median_turnaround_hours": 1.5}
    assert verification_block({"tat_60": 1, "tat_120": 1})["median_turnaround_hours"] == 1.5
    assert verification_block({"tat_30": 3})["median_turnaround_hours"] == 0.5
    assert verification_block({})["median_turnaround_hours"] is None


@pytest.mark.parametrize("status", [Status.PENDING, Status.ACCEPTED, Status.OVERDUE])
def test_an_open_request_is_cancelled_by_its_requester_with_the_reason(status):
    open_request = request(status=status, commitment_id="C1")
    cancelled, event = open_request.cancel("commitment_withdrawn", T1)
    assert (cancelled.status, cancelled.cancelled_at) == (Status.CANCELLED, T1)
    assert (event.type, event.actor) == ("cancelled", "hz-rsj")
    assert event.detail == {"reason": "commitment_withdrawn", "commitment_id": "C1"}
    assert cancelled.to_view(Audience.PUBLIC)["commitment_id"] == "C1"


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.REJECTED, Status.CANCELLED])
def test_an_answered_or_cancelled_request_is_not_cancelled(status):
    with pytest.raises(Conflict) as refused:
        request(status=status).cancel("commitment_withdrawn", T1)
    assert refused.value.code == "invalid_state"
