"""Given a commitment-eligible proof, the notice, the sample and the states follow the rules."""

import dataclasses

import pytest

from chalicelib.adapters.system import draw
from chalicelib.domain.catalogue import new_proof
from chalicelib.domain.commitments import (
    Applicant,
    Commitment,
    Status,
    check_eligible,
    check_notice_read,
    notice,
    picked_for_check,
)
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from chalicelib.domain.hashchain import record_hash
from chalicelib.domain.identity import Audience, Identity, Role

ID = "330521196201010014"
NOW = "2026-11-26T08:00:00Z"


def proof(rate=None, **overrides):
    terms = (
        {"verification": "sample", "sample_rate": rate, "verify_within_days": 30}
        if rate
        else {"verification": "all", "verify_within_days": 10}
    )
    data = {
        "name": "家庭收入证明",
        "name_en": "Proof of household income",
        "issuing_unit": "hz-mzj",
        "legal_basis": "《社会救助暂行办法》",
        "disposition": "commitment",
        "rule": "written_commitment",
        "commitment": terms,
        **overrides,
    }
    return new_proof(data, "PF-M001", NOW)


def commitment(status=Status.ACCEPTED):
    return Commitment(
        "C1",
        "PF-M001",
        "HZ-MZ-001",
        "hz-mzj",
        Applicant("王小明", ID),
        "1-x",
        "h" * 64,
        status,
        NOW,
        "2026-12-06T08:00:00Z",
        NOW,
    )


OWNER = Identity("s", Role.CITIZEN, name="王小明", id_number=ID)
AGENCY = Identity("a", Role.AGENCY, unit_id="hz-mzj")


def test_the_notice_says_everything_the_guidance_asks_and_its_hash_recomputes():
    text = notice(proof(0.2), None)
    for field in ("content", "legal_basis", "conditions", "consequences", "verification", "inquiry"):
        assert text[field]
    assert "20%" in text["verification"]["description"] and text["legal_basis"] == "《社会救助暂行办法》"
    assert text["notice_hash"] == record_hash({k: v for k, v in text.items() if k != "notice_hash"})


def test_a_new_version_of_the_proof_is_a_new_notice():
    import dataclasses

    first = notice(proof(), None)
    second = notice(dataclasses.replace(proof(), version=2, legal_basis="新依据"), None)
    assert first["notice_version"] != second["notice_version"]
    with pytest.raises(Conflict) as stale:
        check_notice_read(first["notice_version"], second)
    assert stale.value.code == "notice_outdated"


def test_no_notice_and_no_commitment_for_a_proof_that_is_not_replaced_by_one():
    shared = proof(disposition="data_sharing", rule="data_sharing", commitment=None)
    with pytest.raises(NotFound):
        notice(shared, None)
    with pytest.raises(RuleViolation) as refused:
        check_eligible(shared, ("PF-M001",))
    assert refused.value.code == "commitment_not_allowed"
    with pytest.raises(RuleViolation):
        check_eligible(proof(), ("PF-OTHER",))  # the matter does not ask for it


def test_all_is_always_picked_and_a_sample_picks_below_its_rate():
    assert picked_for_check(proof(), 0.99)
    assert picked_for_check(proof(0.2), 0.1) and not picked_for_check(proof(0.2), 0.2)


def test_the_systems_draws_pick_a_sample_within_statistical_bounds():
    n, rate = 20_000, 0.2
    picked = sum(picked_for_check(proof(rate), draw()) for _ in range(n))
    sigma = (n * rate * (1 - rate)) ** 0.5
    assert abs(picked - n * rate) < 5 * sigma  # fails by chance about once in two million runs


def test_the_owner_withdraws_and_the_handling_unit_verifies():
    assert commitment().withdraw(OWNER, NOW).status is Status.WITHDRAWN
    checked = commitment(Status.VERIFICATION_DUE).verify(AGENCY, "false_commitment", "收入不实", NOW)
    assert (checked.status, checked.version) == (Status.FALSE_COMMITMENT, 2)
    with pytest.raises(Conflict):
        checked.withdraw(OWNER, NOW)
    with pytest.raises(Forbidden):
        commitment().withdraw(AGENCY, NOW)
    with pytest.raises(Forbidden):
        commitment().verify(OWNER, "confirmed", None, NOW)
    with pytest.raises(NotFound):
        commitment().verify(Identity("b", Role.AGENCY, unit_id="hz-gaj"), "confirmed", None, NOW)


def test_only_the_owner_sees_the_applicant_whole():
    filed = commitment()
    assert filed.to_view(filed.audience_for(OWNER))["applicant"]["id_number"] == ID
    assert filed.to_view(filed.audience_for(AGENCY))["applicant"] == {
        "name": "王**",
        "id_number": "330521********0014",
    }
    assert ID not in str(filed.to_view(Audience.RECEIPT))


# A check through the relay

MATTER_UNIT = Identity("r", Role.AGENCY, unit_id="hz-rsj")
DECIDE_BY = "2026-12-03T08:00:00Z"


def due_with_matter_unit():
    return dataclasses.replace(commitment(Status.VERIFICATION_DUE), handling_unit="hz-rsj")


def test_only_the_matter_unit_starts_a_check_and_only_one_at_a_time():
    due = due_with_matter_unit()
    with pytest.raises(Forbidden):
        due.start_check(AGENCY, "R1", False, NOW)  # the issuing unit answers checks, it does not ask
    started = due.start_check(MATTER_UNIT, "R1", False, NOW)
    assert (started.check_request_id, started.version) == ("R1", 2)
    with pytest.raises(Conflict) as waiting:
        started.start_check(MATTER_UNIT, "R2", True, NOW)
    assert waiting.value.code == "check_in_progress"
    with pytest.raises(Conflict) as closed:
        dataclasses.replace(started, status=Status.ACCEPTED).start_check(MATTER_UNIT, "R2", False, NOW)
    assert closed.value.code == "invalid_state"


@pytest.mark.parametrize(
    ("answer", "status", "decide_by"),
    [
        ("confirmed", Status.VERIFIED, None),
        ("not_confirmed", Status.VERIFICATION_DUE, DECIDE_BY),
        ("rejected", Status.VERIFICATION_DUE, None),
        ("cancelled", Status.VERIFICATION_DUE, None),
    ],
)
def test_the_commitment_follows_its_checks_answer_once(answer, status, decide_by):
    started = due_with_matter_unit().start_check(MATTER_UNIT, "R1", False, NOW)
    after = started.follow_check("R1", answer, NOW, DECIDE_BY)
    assert (after.status, after.check_outcome, after.decide_by) == (status, answer, decide_by)
    assert after.follow_check("R1", answer, NOW, DECIDE_BY) is None  # followed already
    assert started.follow_check("R0", answer, NOW, DECIDE_BY) is None  # not its current check


def test_a_not_confirmed_answer_moves_verify_by_only_later():
    started = due_with_matter_unit().start_check(MATTER_UNIT, "R1", False, NOW)
    assert (
        started.follow_check("R1", "not_confirmed", NOW, "2099-01-01T00:00:00Z").verify_by
        == "2099-01-01T00:00:00Z"
    )
    assert (
        started.follow_check("R1", "not_confirmed", NOW, "2000-01-01T00:00:00Z").verify_by
        == started.verify_by
    )


def test_after_not_confirmed_a_false_commitment_needs_a_note_and_rests_on_the_relay():
    answered = due_with_matter_unit().start_check(MATTER_UNIT, "R1", False, NOW)
    answered = answered.follow_check("R1", "not_confirmed", NOW, DECIDE_BY)
    with pytest.raises(RuleViolation) as bare:
        answered.verify(MATTER_UNIT, "false_commitment", None, NOW)
    assert bare.value.code == "note_required"
    decided = answered.verify(MATTER_UNIT, "false_commitment", "收入不实", NOW)
    assert (decided.status, decided.check_method) == (Status.FALSE_COMMITMENT, "relay")
    on_site = due_with_matter_unit().verify(AGENCY, "confirmed", None, NOW, "on_site")
    assert on_site.check_method == "on_site"
    assert due_with_matter_unit().verify(AGENCY, "false_commitment", None, NOW).check_method == "other"


def test_an_answer_to_a_withdrawn_commitment_is_kept_as_moot():
    started = due_with_matter_unit().start_check(MATTER_UNIT, "R1", False, NOW)
    withdrawn = started.withdraw(OWNER, NOW)
    moot = withdrawn.follow_check("R1", "confirmed", NOW, DECIDE_BY)
    assert (moot.status, moot.check_outcome, moot.outcome) == (Status.WITHDRAWN, "confirmed", None)
