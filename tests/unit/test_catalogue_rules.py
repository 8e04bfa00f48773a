"""Given a proof item, when its disposition changes, then the catalogue's rules hold."""

import pytest

from chalicelib.domain.catalogue import (
    Action,
    Disposition,
    ProofChange,
    apply_change,
    new_proof,
)
from chalicelib.domain.errors import Conflict, RuleViolation

NOW = "2026-11-26T08:00:00Z"
LATER = "2026-11-26T09:00:00Z"


def item(**overrides):
    data = {
        "name": "亲属关系证明",
        "issuing_unit": "hz-gaj",
        "legal_basis": "《户口登记条例》",
        "disposition": "remote_verification",
        "rule": "inter_agency_check",
        **overrides,
    }
    return new_proof(data, "PF-1", NOW)


@pytest.mark.parametrize(
    ("disposition", "rule", "action"),
    [
        ("cancelled", "no_legal_basis", Action.NONE),
        ("data_sharing", "data_sharing", Action.NONE),
        ("remote_verification", "inter_agency_check", Action.NONE),
        ("existing_credential", "existing_credential", Action.SHOW_EXISTING_CREDENTIAL),
    ],
)
def test_each_disposition_tells_the_citizen_what_to_do(disposition, rule, action):
    assert item(disposition=disposition, rule=rule).action is action


def test_a_commitment_item_asks_for_a_signature_and_a_retained_one_for_the_proof():
    terms = {"verification": "all", "verify_within_days": 10}
    assert item(disposition="commitment", rule="written_commitment", commitment=terms).action is (
        Action.SIGN_COMMITMENT
    )
    retained = item(disposition="retained", rule=None, guidance="到派出所开具")
    assert retained.action is Action.BRING_PROOF
    assert not retained.is_cancelled


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"rule": None}, "rule_required"),
        ({"disposition": "retained", "guidance": "到派出所开具"}, "rule_not_allowed"),
        ({"disposition": "retained", "rule": None}, "guidance_required"),
        ({"disposition": "commitment", "rule": "written_commitment"}, "commitment_terms_required"),
        (
            {
                "disposition": "commitment",
                "rule": "written_commitment",
                "commitment": {"verification": "sample", "verify_within_days": 10},
            },
            "sample_rate_required",
        ),
    ],
)
def test_incoherent_items_are_refused(overrides, code):
    with pytest.raises(RuleViolation) as refused:
        item(**overrides)
    assert refused.value.code == code


def test_a_change_bumps_the_version_and_keeps_what_it_does_not_touch():
    before = item()
    after = apply_change(
        before,
        ProofChange(1, "数据共享上线", fields={"disposition": "data_sharing", "rule": "data_sharing"}),
        LATER,
    )
    assert (after.version, after.disposition, after.updated_at) == (2, Disposition.DATA_SHARING, LATER)
    assert (after.name, after.created_at) == (before.name, NOW)


def test_a_stale_version_is_a_conflict():
    with pytest.raises(Conflict) as conflict:
        apply_change(item(), ProofChange(3, "x", fields={"name": "新名称"}), LATER)
    assert conflict.value.code == "version_conflict"
    assert conflict.value.details == {"current_version": 1}


def test_retaining_an_item_drops_its_cancellation_rule():
    after = apply_change(
        item(), ProofChange(1, "恢复", fields={"disposition": "retained", "guidance": "到窗口办理"}), LATER
    )
    assert after.rule is None and after.action is Action.BRING_PROOF


def test_leaving_the_commitment_route_drops_its_terms():
    terms = {"verification": "all", "verify_within_days": 10}
    before = item(disposition="commitment", rule="written_commitment", commitment=terms)
    after = apply_change(
        before,
        ProofChange(1, "改为数据共享", fields={"disposition": "data_sharing", "rule": "data_sharing"}),
        LATER,
    )
    assert after.commitment is None
