"""SupervisionService's rules on the in-memory adapters: complaints, inspections, findings and
their rectification, a unit's record, overdue alerts, the figures."""

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from tests.unit.services.conftest import SUPERVISOR, citizen, new_proof

FINDING = {"problem": "仍要求提供亲属关系证明", "rectify_by": "2026-12-10"}


def complaint_body(**overrides):
    return {"unit_id": "hz-gaj", "description": "办理时仍被要求开具证明", **overrides}


def inspection_body(**overrides):
    return {
        "unit_id": "hz-gaj",
        "inspected_on": "2026-11-25",
        "items_checked": 3,
        "findings": [FINDING],
        **overrides,
    }


def test_a_complaint_about_a_proof_no_longer_retained_is_a_suspected_violation_and_alerts_the_unit(
    supervision, catalogue, city_unit, store
):
    cancelled = new_proof(catalogue, disposition="cancelled", rule="no_legal_basis")
    retained = new_proof(catalogue, disposition="retained", rule=None, guidance="到派出所开具")
    store.outbox.clear()

    about_cancelled = supervision.file_complaint(citizen(), complaint_body(proof_id=cancelled))
    about_retained = supervision.file_complaint(citizen(), complaint_body(proof_id=retained))
    about_nothing = supervision.file_complaint(citizen(), complaint_body())

    assert (about_cancelled.suspected_violation, about_retained.suspected_violation) == (True, False)
    assert about_nothing.suspected_violation is False and about_cancelled.proof_name == "亲属关系证明"
    assert [(a.event_type, a.target_unit) for a in store.outbox] == [("complaint.filed", "hz-gaj")] * 3
    assert supervision.unit_record("hz-gaj")["summary"]["complaints"] == 3


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"unit_id": "nowhere"}, "unit_not_found"),
        ({"proof_id": "PF-NONE"}, "proof_not_found"),
        ({"matter_code": "MT-NONE"}, "matter_not_found"),
    ],
)
def test_a_complaint_naming_what_does_not_exist_is_refused_and_not_stored(
    supervision, city_unit, store, overrides, code
):
    with pytest.raises(NotFound) as refused:
        supervision.file_complaint(citizen(), complaint_body(**overrides))

    assert refused.value.code == code
    assert supervision.complaints(None, 10, None).items == [] and store.outbox == []


def test_complaints_are_listed_newest_first_by_status_in_pages(supervision, city_unit, clock):
    filed = []
    for minute in range(3):
        clock.at(minutes=minute)
        filed.append(supervision.file_complaint(citizen(), complaint_body()).complaint_id)
    supervision.resolve(filed[0], {"finding": "unsubstantiated", "action": "已核实"})

    first = supervision.complaints(None, 2, None)
    rest = supervision.complaints(None, 2, first.next_key)
    open_ones = supervision.complaints("open", 10, None)

    assert [c.complaint_id for c in first.items + rest.items] == filed[::-1]
    assert rest.next_key is None
    assert [c.complaint_id for c in open_ones.items] == filed[:0:-1]


def test_a_complaint_is_resolved_once_and_a_substantiated_one_counts_on_the_units_record(
    supervision, city_unit
):
    complaint_id = supervision.file_complaint(citizen(), complaint_body()).complaint_id

    resolved = supervision.resolve(complaint_id, {"finding": "substantiated", "action": "已责令整改"})
    with pytest.raises(Conflict) as again:
        supervision.resolve(complaint_id, {"finding": "unsubstantiated", "action": "x"})

    assert (resolved.status.value, resolved.finding, resolved.version) == ("resolved", "substantiated", 2)
    assert again.value.code == "invalid_state"
    assert supervision.complaint(complaint_id).finding == "substantiated"
    assert supervision.unit_record("hz-gaj")["summary"]["complaints_substantiated"] == 1


def test_the_complainant_reads_their_own_name_a_supervisor_a_masked_one_and_anyone_else_404(
    supervision, city_unit
):
    complaint_id = supervision.file_complaint(citizen(), complaint_body()).complaint_id

    own = supervision.view_complaint(citizen(), complaint_id)
    supervised = supervision.view_complaint(SUPERVISOR, complaint_id)
    with pytest.raises(NotFound) as other:
        supervision.view_complaint(citizen("330102199001011230", "李四"), complaint_id)

    assert own["complainant"] == "王小明" and supervised["complainant"] != "王小明"
    assert other.value.code == "complaint_not_found"
    with pytest.raises(NotFound):
        supervision.complaint("01JNONE")


def test_an_inspection_records_its_findings_and_they_are_rectified_one_by_one(supervision, city_unit):
    body = inspection_body(findings=[FINDING, {**FINDING, "problem": "要求无犯罪记录证明"}])
    inspection = supervision.record_inspection(SUPERVISOR, body)

    once = supervision.rectify(inspection.inspection_id, 1, "已停止要求")
    with pytest.raises(Conflict) as twice:
        supervision.rectify(inspection.inspection_id, 1, "again")
    with pytest.raises(NotFound) as no_such:
        supervision.rectify(inspection.inspection_id, 2, "x")

    assert [f.rectified_at is not None for f in once.findings] == [False, True]
    assert twice.value.code == "invalid_state" and no_such.value.code == "finding_not_found"
    assert supervision.inspection(inspection.inspection_id) == once
    summary = supervision.unit_record("hz-gaj")["summary"]
    assert (summary["inspections"], summary["findings"], summary["findings_rectified"]) == (1, 2, 1)
    assert summary["findings_open"] == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"inspected_on": "2026-11-27"}, "/inspected_on"),  # tomorrow in China at T0
        ({"findings": [{**FINDING, "rectify_by": "2026-11-24"}]}, "/findings/0/rectify_by"),
        ({"items_checked": 0}, "/items_checked"),
    ],
)
def test_an_inspection_against_its_dates_or_counts_is_refused_and_not_stored(
    supervision, city_unit, store, overrides, field
):
    with pytest.raises(InvalidInput) as refused:
        supervision.record_inspection(SUPERVISOR, inspection_body(**overrides))

    assert refused.value.details == {"field": field}
    assert supervision.unit_record("hz-gaj")["inspections"] == [] and not store.counters["SUPERVISION"]


def test_an_inspection_of_an_unknown_unit_or_proof_is_refused(supervision, city_unit):
    with pytest.raises(NotFound):
        supervision.record_inspection(SUPERVISOR, inspection_body(unit_id="nowhere"))
    with pytest.raises(Exception, match="PF-NONE"):
        supervision.record_inspection(
            SUPERVISOR, inspection_body(findings=[{**FINDING, "proof_id": "PF-NONE"}])
        )


def test_a_finding_past_its_deadline_is_alerted_once_and_shows_overdue(supervision, city_unit, clock, store):
    inspection = supervision.record_inspection(SUPERVISOR, inspection_body())
    store.outbox.clear()

    before = supervision.alert_overdue_rectifications()
    clock.at(days=15)  # 2026-12-11 in China: past 2026-12-10
    first, second = supervision.alert_overdue_rectifications(), supervision.alert_overdue_rectifications()

    assert (before, first, second) == (0, 1, 0)
    assert [a.event_type for a in store.outbox] == ["inspection.rectification_overdue"]
    assert supervision.today() == "2026-12-11"
    assert supervision.unit_record("hz-gaj")["summary"]["findings_overdue"] == 1
    assert supervision.inspection(inspection.inspection_id).to_view(supervision.today())["findings"][0][
        "overdue"
    ]


def test_a_finding_rectified_in_time_is_never_alerted(supervision, city_unit, clock, store):
    inspection = supervision.record_inspection(SUPERVISOR, inspection_body())
    supervision.rectify(inspection.inspection_id, 0, "已整改")
    store.outbox.clear()
    clock.at(days=30)

    assert supervision.alert_overdue_rectifications() == 0 and store.outbox == []


def test_a_units_record_of_an_unknown_unit_is_404(supervision):
    with pytest.raises(NotFound) as refused:
        supervision.unit_record("nowhere")

    assert refused.value.code == "unit_not_found"
