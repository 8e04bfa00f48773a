"""StatsService's figures follow what the other services did, from their counters alone."""

from tests.support.lost_notices import notice_body
from tests.support.relay import relay_body
from tests.unit.services.conftest import SUPERVISOR, agency, citizen, new_proof


def test_the_figures_follow_every_capability(
    stats, catalogue, relay, lost_notices, supervision, city_unit, clock
):
    # Given three proof items (one cancelled), a request answered after 90 minutes and one
    # overdue, a lost notice, a complaint and an inspection with one finding rectified
    catalogue.register_unit(
        {"unit_id": "hz-rsj", "name": "湖州市人社局", "level": "city", "county": "huzhou"}
    )
    kept = new_proof(catalogue)
    new_proof(catalogue, disposition="cancelled", rule="no_legal_basis")
    new_proof(catalogue, disposition="retained", rule=None, guidance="窗口办理")
    answered = relay.create(agency("hz-rsj"), relay_body(proof_id=kept)).request_id
    relay.create(agency("hz-rsj"), relay_body(proof_id=kept))
    relay.accept(agency("hz-gaj"), answered)
    clock.at(minutes=90)
    relay.respond(agency("hz-gaj"), answered, {"outcome": "confirmed", "attestation": {}})
    clock.at(days=8)
    relay.mark_overdue()
    lost_notices.publish(citizen(), notice_body())
    supervision.file_complaint(citizen(), {"unit_id": "hz-gaj", "description": "仍要求证明"})
    findings = [{"problem": "p", "rectify_by": "2026-12-10"}]
    inspection = supervision.record_inspection(
        SUPERVISOR,
        {"unit_id": "hz-gaj", "inspected_on": "2026-12-01", "items_checked": 2, "findings": findings},
    )
    supervision.rectify(inspection.inspection_id, 0, "已整改")

    figures = stats.figures()

    assert (figures["catalogue"]["total"], figures["catalogue"]["cancelled"]) == (3, 2)
    assert figures["catalogue"]["cancelled_ratio"] == 0.6667
    assert figures["verification"] == {
        "requests": 2,
        "completed": 1,
        "overdue": 1,
        "median_turnaround_hours": 1.5,
    }
    assert figures["lost_notices"] == {"published": 1, "reissued": 0, "newspaper_cost_saved_yuan": 300}
    assert figures["supervision"] == {"complaints": 1, "inspections": 1, "findings": 1, "rectified": 1}
    assert figures["commitments"]["accepted"] == 0


def test_a_stage_with_nothing_yet_shows_zeros(stats):
    figures = stats.figures()

    assert figures["catalogue"] == {
        "total": 0,
        "cancelled": 0,
        "cancelled_ratio": 0.0,
        "by_disposition": dict.fromkeys(figures["catalogue"]["by_disposition"], 0),
    }
    assert figures["verification"]["median_turnaround_hours"] is None
