"""The in-memory adapters keep the DynamoDB adapters' contract: the same cases, run against both.
The services' unit tests (tests/unit/services) trust the in-memory adapters; this is why they
may."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.adapters import jws
from chalicelib.adapters.catalogue_repository import DynamoCatalogueRepository
from chalicelib.adapters.commitment_repository import DynamoCommitmentRepository
from chalicelib.adapters.directory_repository import DynamoDirectoryStore
from chalicelib.adapters.federation_repository import DynamoFederationRepository
from chalicelib.adapters.lost_notice_repository import DynamoLostNoticeRepository
from chalicelib.adapters.memory.catalogue import MemoryCatalogueRepository
from chalicelib.adapters.memory.commitments import MemoryCommitmentRepository
from chalicelib.adapters.memory.directory import MemoryDirectoryStore
from chalicelib.adapters.memory.federation import MemoryFederationRepository
from chalicelib.adapters.memory.lost_notices import MemoryLostNoticeRepository
from chalicelib.adapters.memory.relay import MemoryRelayRepository
from chalicelib.adapters.memory.store import MemoryStore
from chalicelib.adapters.memory.supervision import MemorySupervisionRepository
from chalicelib.adapters.memory.transparency import MemoryTransparencyLog
from chalicelib.adapters.memory.witness import MemoryWitnessStore
from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.adapters.relay_repository import DynamoRelayRepository
from chalicelib.adapters.supervision_repository import DynamoSupervisionRepository
from chalicelib.adapters.transparency_repository import DynamoTransparencyLog
from chalicelib.adapters.witness_repository import DynamoWitnessStore
from chalicelib.domain import catalogue as proofs
from chalicelib.domain import changelog
from chalicelib.domain.alerts import Alert
from chalicelib.domain.catalogue import disposition_moves
from chalicelib.domain.commitments import Applicant, Commitment
from chalicelib.domain.commitments import Status as CommitmentStatus
from chalicelib.domain.errors import Conflict
from chalicelib.domain.federation import Message
from chalicelib.domain.lost_notices import Holder, LostNotice, Status
from chalicelib.domain.relay import Status as RequestStatus
from chalicelib.domain.relay import Subject, VerificationRequest
from chalicelib.domain.supervision import Complaint, ComplaintStatus, Finding, Inspection
from chalicelib.domain.transparency import DIRECTORY_LEAVES, ChangelogHead, Checkpoint, Dispute, Leaf, Tree
from chalicelib.domain.units import Level, Unit
from chalicelib.services.ports import Owed, ProofFilter, StaleWrite
from tests.support.catalogue import proof_body

AT = "2026-11-26T08:00:00Z"


@dataclass
class Backend:
    catalogue: Any
    supervision: Any
    lost_notices: Any
    commitments: Any
    relay: Any
    federation: Any
    witness: Any
    log: Any
    alerts: Any  # () -> the alerts committed, oldest first
    directory: Any


@pytest.fixture(params=["memory", "dynamodb"])
def backend(request) -> Backend:
    if request.param == "memory":
        store = MemoryStore()
        return Backend(
            MemoryCatalogueRepository(store, "local"),
            MemorySupervisionRepository(store),
            MemoryLostNoticeRepository(store),
            MemoryCommitmentRepository(store),
            MemoryRelayRepository(store, "local"),
            MemoryFederationRepository(store),
            MemoryWitnessStore(store),
            MemoryTransparencyLog(store),
            lambda: store.outbox,
            MemoryDirectoryStore(store),
        )
    request.getfixturevalue("stack_env")  # fresh tables of its own
    container = wiring.container()
    connection = container.connection
    return Backend(
        DynamoCatalogueRepository(connection, "local"),
        DynamoSupervisionRepository(connection),
        DynamoLostNoticeRepository(connection, container.pseudonym),
        DynamoCommitmentRepository(connection, container.pseudonym),
        DynamoRelayRepository(connection, container.pseudonym, "local"),
        DynamoFederationRepository(connection),
        DynamoWitnessStore(connection),
        DynamoTransparencyLog(connection),
        lambda: DynamoOutbox().pending(100),
        DynamoDirectoryStore(connection),
    )


def owes(*alerts: Alert, counts: dict[str, int] | None = None, messages=()) -> Owed:
    """What a change owes besides its record, as its service would say."""
    return Owed(alerts, counts or {}, messages)


PUBLISHED = Owed(counts={"published": 1})


def alert(event_id: str) -> Alert:
    return Alert(
        event_type="complaint.filed",
        event_id=event_id,
        occurred_at=AT,
        county="huzhou",
        target_unit="hz-gaj",
        resource_type="complaint",
        resource_id="C1",
    )


def unit(unit_id: str = "hz-gaj", stage: str = "local") -> Unit:
    return Unit(unit_id, "湖州市公安局", Level.CITY, "huzhou", stage=stage)


# Catalogue


def test_a_unit_is_stored_once_and_one_stored_without_a_home_is_homed_here(backend):
    backend.catalogue.add_unit(unit())
    backend.catalogue.add_unit(unit("old", stage=""))

    with pytest.raises(Conflict) as twice:
        backend.catalogue.add_unit(unit())

    assert twice.value.code == "unit_exists"
    assert backend.catalogue.get_unit("hz-gaj") == unit()
    assert backend.catalogue.get_unit("old").stage == "local"
    assert backend.catalogue.get_unit("nowhere") is None


def test_the_units_homed_here_are_listed_by_id_page_by_page_a_peers_left_out(backend):
    for unit_id in ("hz-c", "hz-a", "hz-b"):
        backend.catalogue.add_unit(unit(unit_id))
    backend.catalogue.add_unit(unit("dq-gaj", stage="peer"))

    first = backend.catalogue.home_units(2, None)
    rest = backend.catalogue.home_units(2, first.next_key)

    assert [u.unit_id for u in first.items] == ["hz-a", "hz-b"]
    assert [u.unit_id for u in rest.items] == ["hz-c"] and rest.next_key is None
    assert all(u.stage == "local" for u in [*first.items, *rest.items])


def test_messages_sent_without_a_change_wait_for_delivery_as_any_other(backend):
    messages = [Message(f"M{n:02d}", "local", "peer2", "unit.registered", "", {"n": n}) for n in range(25)]

    backend.catalogue.send(messages)

    assert [m.message_id for m in backend.federation.unqueued(30)] == [f"M{n:02d}" for n in range(25)]


def to_peers(count: int, body: dict[str, Any], first: int = 0) -> list[Message]:
    """One message for each of `count` peers, as a change in a province owes them."""
    return [
        Message(f"M{first + n:04d}", "local", f"county{n:03d}", "unit.registered", "", body)
        for n in range(count)
    ]


def test_a_change_owing_a_message_to_150_peers_commits_and_each_peer_gets_its_own_once(backend):
    # Given a change that owes one message to each of 150 peers, and another change's two
    fan_out = to_peers(150, {"unit_id": "hz-new"})
    backend.catalogue.add_unit(unit("hz-new"), owes(messages=fan_out))
    backend.catalogue.add_unit(unit("hz-two"), owes(messages=to_peers(2, {"unit_id": "hz-two"}, first=150)))

    # When forwarding reads what waits, and hands it to the queue
    waiting = backend.federation.unqueued(200)
    for message in waiting:
        backend.federation.mark_queued(message, AT)

    # Then every peer has the change's message under the id the change gave it, in commit
    # order, then the other change's two; and nothing waits any more
    assert [m.to_view() for m in waiting[:150]] == [m.to_view() for m in fan_out]
    assert [m.message_id for m in waiting[150:]] == ["M0150", "M0151"]
    assert backend.federation.unqueued(10) == []
    assert len(backend.federation.queued_before("2026-11-27T00:00:00Z", 1000)) == 152


def save_new(backend: Backend, proof_id: str, **overrides: Any) -> proofs.ProofItem:
    item = proofs.new_proof(proof_body(**overrides), proof_id, AT)
    backend.catalogue.save_proof(
        None, item, _record(None, item), owes(alert(f"A-{proof_id}"), counts=disposition_moves(None, item))
    )
    return item


def _record(before, after):
    return lambda head: changelog.next_record(head, before, after, "reason", None)


def test_a_proof_is_written_over_the_version_read_only_and_each_write_links_to_the_chain_head(backend):
    first = save_new(backend, "PF-1")
    second = save_new(backend, "PF-2", disposition="cancelled", rule="no_legal_basis")
    changed = replace(first, version=2, disposition=proofs.Disposition.CANCELLED, rule=second.rule)
    record = backend.catalogue.save_proof(
        first, changed, _record(first, changed), owes(counts=disposition_moves(first, changed))
    )

    with pytest.raises(Conflict) as exists:
        backend.catalogue.save_proof(None, first, _record(None, first), owes())
    with pytest.raises(Conflict) as stale:
        backend.catalogue.save_proof(first, changed, _record(first, changed), owes())

    assert (exists.value.code, stale.value.code) == ("proof_exists", "version_conflict")
    assert backend.catalogue.get_proof("PF-1") == changed
    assert backend.catalogue.get_proofs(["PF-2", "PF-1", "PF-X"]) == {"PF-1": changed, "PF-2": second}
    log = backend.catalogue.list_changes(None, 10, None).items
    assert [(r.seq, r.proof_id, r.prev_hash) for r in log] == [
        (1, "PF-1", None),
        (2, "PF-2", log[0].hash),
        (3, "PF-1", log[1].hash),
    ]
    assert record == log[2]
    assert backend.catalogue.catalogue_counts()["cancelled"] == 2
    assert backend.catalogue.catalogue_counts()["remote_verification"] == 0
    assert [a.event_id for a in backend.alerts()] == ["A-PF-1", "A-PF-2"]


def test_proofs_are_listed_by_id_filtered_and_paged_exactly_once(backend):
    for n in range(5):
        save_new(backend, f"PF-{n}", **({"issuing_unit": "hz-mz"} if n % 2 else {}))

    first = backend.catalogue.list_proofs(ProofFilter(), 3, None)
    rest = backend.catalogue.list_proofs(ProofFilter(), 3, first.next_key)
    by_unit = backend.catalogue.list_proofs(ProofFilter(issuing_unit="hz-mz"), 10, None)
    by_text = backend.catalogue.list_proofs(ProofFilter(text="kinship"), 10, None)

    assert [p.proof_id for p in first.items + rest.items] == [f"PF-{n}" for n in range(5)]
    assert rest.next_key is None
    assert [p.proof_id for p in by_unit.items] == ["PF-1", "PF-3"]
    assert len(by_text.items) == 5


def test_a_matter_code_is_taken_once(backend):
    from chalicelib.domain.matters import Matter

    matter = Matter.from_dict({"matter_code": "MT-1", "name": "户口迁移", "unit_id": "hz-gaj", "proofs": []})
    backend.catalogue.add_matter(matter)

    with pytest.raises(Conflict) as twice:
        backend.catalogue.add_matter(matter)

    assert twice.value.code == "matter_exists" and backend.catalogue.get_matter("MT-1") == matter


# Supervision


def complaint(complaint_id: str, filed_at: str = AT) -> Complaint:
    return Complaint(
        complaint_id, "hz-gaj", "仍要求证明", "王小明", "330521196201010014", True, ComplaintStatus.OPEN,
        filed_at, filed_at,
    )  # fmt: skip


def test_a_complaint_is_written_over_the_version_read_only_and_listed_newest_first(backend):
    for n in range(3):
        backend.supervision.add_complaint(
            complaint(f"C{n}", f"2026-11-26T08:0{n}:00Z"), owes(alert(f"A{n}"), counts={"complaints": 1})
        )
    before = backend.supervision.get_complaint("C0")
    after = before.resolve("substantiated", "已整改", AT)
    backend.supervision.update_complaint(before, after)

    with pytest.raises(StaleWrite):
        backend.supervision.update_complaint(before, after)
    with pytest.raises(StaleWrite):
        backend.supervision.add_complaint(complaint("C1"), owes())

    first = backend.supervision.list_complaints(None, 2, None)
    rest = backend.supervision.list_complaints(None, 2, first.next_key)
    still_open = backend.supervision.list_complaints("open", 10, None)
    assert [c.complaint_id for c in first.items + rest.items] == ["C2", "C1", "C0"]
    assert [c.complaint_id for c in still_open.items] == ["C2", "C1"]
    assert backend.supervision.get_complaint("C0") == after
    assert [a.event_id for a in backend.alerts()] == ["A0", "A1", "A2"]
    record = backend.supervision.unit_record("hz-gaj")
    assert (record["counts"]["complaints"], record["counts"]["substantiated"]) == (3, 1)
    assert [c.complaint_id for c in record["complaints"]] == ["C2", "C1", "C0"]
    assert backend.supervision.supervision_counts()["complaints"] == 3


def inspection(inspection_id: str, *deadlines: str) -> Inspection:
    findings = tuple(Finding("问题", day) for day in deadlines)
    return Inspection(inspection_id, "hz-gaj", "2026-11-20", 5, findings, AT, "sup", AT)


def test_findings_are_due_by_their_deadline_rectified_over_the_version_read_and_cleared_once(backend):
    backend.supervision.add_inspection(
        inspection("I1", "2026-12-01", "2026-11-25"), owes(counts={"inspections": 1, "findings": 2})
    )
    one_finding = owes(counts={"inspections": 1, "findings": 1})
    backend.supervision.add_inspection(inspection("I2", "2026-11-28"), one_finding)
    before = backend.supervision.get_inspection("I1")
    after = before.rectify(1, "已整改", AT)
    backend.supervision.rectify(before, after, 1, owes(counts={"rectified": 1}))

    with pytest.raises(StaleWrite):
        backend.supervision.rectify(before, after, 1, owes())
    due = backend.supervision.rectifications_overdue("2026-12-02", 10)
    backend.supervision.clear_overdue(after, 0, owes(alert("A-due")))
    with pytest.raises(StaleWrite):
        backend.supervision.clear_overdue(after, 0, owes(alert("A-again")))

    assert due == [("I2", 0), ("I1", 0)]
    assert backend.supervision.rectifications_overdue("2026-12-01", 10) == [("I2", 0)]
    assert backend.supervision.rectifications_overdue("2026-12-02", 1) == [("I2", 0)]
    assert [a.event_id for a in backend.alerts()] == ["A-due"]
    counts = backend.supervision.unit_record("hz-gaj")["counts"]
    assert (counts["inspections"], counts["findings"], counts["rectified"]) == (2, 3, 1)
    assert [i.inspection_id for i in backend.supervision.unit_record("hz-gaj")["inspections"]] == ["I2", "I1"]


# Lost notices

HOLDER, OTHER = Holder("王小明", "330521196201010014"), Holder("李四", "330102199001011234")


def notice(notice_id: str, published_at: str, due: str = "2026-12-03", **fields: Any) -> LostNotice:
    return LostNotice(
        **{
            "notice_id": notice_id,
            "doc_type": "driving_licence",
            "doc_number": f"浙E{notice_id}",
            "issuing_unit": "hz-gaj",
            "statement": f"驾驶证浙E{notice_id}遗失",
            "lost_on": None,
            "request_reissue": True,
            "holder": HOLDER,
            "status": Status.PUBLISHED,
            "published_at": published_at,
            "period_ends_at": f"{due}T08:00:00Z",
            "updated_at": published_at,
            **fields,
        }
    )


def test_a_document_is_on_one_published_notice_at_a_time_and_a_notice_changes_over_its_version(backend):
    first = notice("N1", "2026-11-26T08:01:00Z")
    backend.lost_notices.create(first, PUBLISHED)

    with pytest.raises(Conflict) as again:
        backend.lost_notices.create(replace(first, notice_id="N2"), PUBLISHED)
    with pytest.raises(StaleWrite):
        backend.lost_notices.create(replace(first, doc_number="浙E-other"), PUBLISHED)  # its id is taken
    withdrawn = replace(first, status=Status.WITHDRAWN, withdrawn_at=AT, version=2)
    backend.lost_notices.update(first, withdrawn, owes(counts={"withdrawn": 1}))
    with pytest.raises(StaleWrite):
        backend.lost_notices.update(first, withdrawn, owes())
    backend.lost_notices.create(replace(first, notice_id="N3"), PUBLISHED)  # the document is free again

    assert (again.value.code, again.value.details) == ("notice_exists", {"notice_id": "N1"})
    assert backend.lost_notices.get("N1") == withdrawn and backend.lost_notices.get("N2") is None
    counts = backend.lost_notices.notice_counts()
    assert (counts["published"], counts["withdrawn"]) == (2, 1)


def test_the_board_is_newest_first_by_type_and_text_and_the_owner_lists_their_own(backend):
    backend.lost_notices.create(notice("N1", "2026-11-26T08:01:00Z"), PUBLISHED)
    backend.lost_notices.create(notice("N2", "2026-11-26T08:02:00Z", doc_type="other"), PUBLISHED)
    backend.lost_notices.create(notice("N3", "2026-11-26T08:03:00Z", holder=OTHER), PUBLISHED)

    def board(doc_type=None, text=None, limit=10, start=None):
        return [n.notice_id for n in backend.lost_notices.board(doc_type, text, limit, start).items]

    first = backend.lost_notices.board(None, None, 2, None)
    assert [n.notice_id for n in first.items] + board(start=first.next_key) == ["N3", "N2", "N1"]
    assert board("driving_licence") == ["N3", "N1"]
    assert board(text="浙EN2") == ["N2"] and board(text="李*") == ["N3"] and board(text="王小明") == []
    mine = backend.lost_notices.list_for_owner(HOLDER.id_number, 10, None)
    assert [n.notice_id for n in mine.items] == ["N2", "N1"]


def test_a_reissue_falls_due_at_the_end_of_its_period_and_is_cleared_once(backend):
    backend.lost_notices.create(notice("N1", "2026-11-26T08:03:00Z"), PUBLISHED)  # due 2026-12-03
    backend.lost_notices.create(notice("N2", "2026-11-26T08:01:00Z", due="2026-12-01"), PUBLISHED)
    backend.lost_notices.create(notice("N3", "2026-11-26T08:02:00Z", request_reissue=False), PUBLISHED)

    assert backend.lost_notices.reissue_due("2026-11-30T08:00:00Z", 10) == []
    assert backend.lost_notices.reissue_due("2026-12-03T08:00:00Z", 10) == ["N2", "N1"]
    assert backend.lost_notices.reissue_due("2026-12-03T08:00:00Z", 1) == ["N2"]
    backend.lost_notices.clear_reissue_due(backend.lost_notices.get("N2"), owes(alert("A-N2")))
    with pytest.raises(StaleWrite):
        backend.lost_notices.clear_reissue_due(backend.lost_notices.get("N2"), owes(alert("A-again")))
    assert backend.lost_notices.reissue_due("2026-12-03T08:00:00Z", 10) == ["N1"]
    assert [a.event_id for a in backend.alerts()] == ["A-N2"]


# Commitments


def commitment(commitment_id: str, created_at: str, **fields: Any) -> Commitment:
    return Commitment(
        **{
            "commitment_id": commitment_id,
            "proof_id": "PF-M001",
            "matter_code": "MT-1",
            "issuing_unit": "hz-mzj",
            "handling_unit": "hz-mzj",
            "applicant": Applicant(*HOLDER.__dict__.values()),
            "notice_version": "v1",
            "notice_hash": "h1",
            "status": CommitmentStatus.VERIFICATION_DUE,
            "created_at": created_at,
            "verify_by": "2026-12-16T08:00:00Z",
            "updated_at": created_at,
            **fields,
        }
    )


def test_a_commitment_changes_over_its_version_and_a_false_one_bars_its_applicant(backend):
    first = commitment("M1", "2026-11-26T08:01:00Z")
    backend.commitments.create(first, owes(alert("A-M1"), counts={"accepted": 1}))
    with pytest.raises(StaleWrite):
        backend.commitments.create(first, owes())
    false = replace(first, status=CommitmentStatus.FALSE_COMMITMENT, outcome="false_commitment", version=2)
    backend.commitments.update(first, false, owes(counts={"false_commitment": 1}))
    with pytest.raises(StaleWrite):
        backend.commitments.update(first, false, owes())

    assert backend.commitments.get("M1") == false and backend.commitments.get("M2") is None
    assert backend.commitments.is_barred(HOLDER.id_number) and not backend.commitments.is_barred(
        OTHER.id_number
    )
    counts = backend.commitments.commitment_counts()
    assert (counts["accepted"], counts["false_commitment"]) == (1, 1)
    assert [a.event_id for a in backend.alerts()] == ["A-M1"]


def test_commitments_are_listed_newest_first_by_unit_status_handling_unit_and_applicant(backend):
    backend.commitments.create(commitment("M1", "2026-11-26T08:01:00Z"), owes())
    backend.commitments.create(
        commitment("M2", "2026-11-26T08:02:00Z", status=CommitmentStatus.ACCEPTED, handling_unit="hz-x"),
        owes(),
    )
    backend.commitments.create(
        commitment("M3", "2026-11-26T08:03:00Z", applicant=Applicant(*OTHER.__dict__.values())), owes()
    )

    def listed(unit_id, status=None, limit=10, start=None, handling=False):
        return backend.commitments.list_for_unit(unit_id, status, limit, start, handling)

    first = listed("hz-mzj", limit=2)
    assert [c.commitment_id for c in first.items + listed("hz-mzj", start=first.next_key).items] == [
        "M3",
        "M2",
        "M1",
    ]
    assert [c.commitment_id for c in listed("hz-mzj", "verification_due").items] == ["M3", "M1"]
    assert [c.commitment_id for c in listed("hz-x", handling=True).items] == ["M2"]
    assert listed("hz-mzj", handling=True).items == [] and listed("hz-x").items == []
    mine = backend.commitments.list_for_owner(HOLDER.id_number, 10, None)
    assert [c.commitment_id for c in mine.items] == ["M2", "M1"]


def test_a_check_is_overdue_after_its_deadline_moves_with_it_and_is_cleared_once(backend):
    early, late = commitment("M1", AT, verify_by="2026-12-01T08:00:00Z"), commitment("M2", AT)
    for made in (early, late):
        backend.commitments.create(made, owes())
    moved = replace(early, verify_by="2026-12-20T08:00:00Z", version=2)
    backend.commitments.update(early, moved, owes())

    assert backend.commitments.verification_overdue("2026-12-17T00:00:00Z", 10) == ["M2"]
    backend.commitments.clear_overdue(late, owes(alert("A-late")))
    with pytest.raises(StaleWrite):
        backend.commitments.clear_overdue(late, owes(alert("A-again")))
    assert backend.commitments.verification_overdue("2026-12-21T00:00:00Z", 10) == ["M1"]
    done = replace(moved, status=CommitmentStatus.VERIFIED, version=3)
    backend.commitments.update(moved, done, owes())
    assert backend.commitments.verification_overdue("2026-12-21T00:00:00Z", 10) == []
    assert [a.event_id for a in backend.alerts()] == ["A-late"]


# The relay


def request(request_id: str, created_at: str, **fields: Any) -> VerificationRequest:
    draft = VerificationRequest(
        **{
            "request_id": request_id,
            "requester_unit": "hz-rsj",
            "target_unit": "hz-gaj",
            "proof_id": "PF-R001",
            "subject": Subject(HOLDER.name, "resident_id", HOLDER.id_number),
            "case_ref": "案 001",
            "purpose": "核实",
            "status": RequestStatus.PENDING,
            "created_at": created_at,
            "due_at": "2026-12-03T08:00:00Z",
            "updated_at": created_at,
            "requester_stage": "local",
            "target_stage": "local",
            "recorded_on": "local",
            **fields,
        }
    )
    return draft


def created(backend: Backend, made: VerificationRequest, messages=()) -> VerificationRequest:
    after, event = made.record("created", made.requester_unit, made.created_at)
    backend.relay.create(
        after, event, owes(alert(f"A-{made.request_id}"), counts={"requests": 1}, messages=messages)
    )
    return after


def test_a_request_changes_over_its_trail_position_with_its_events_in_order(backend):
    first = created(backend, request("R1", AT))
    with pytest.raises(StaleWrite):
        created(backend, request("R1", AT))
    accepted, event = first.accept("2026-11-26T09:00:00Z")
    backend.relay.update(first, accepted, event, owes())
    with pytest.raises(StaleWrite):
        backend.relay.update(first, accepted, event, owes())
    backend.relay.mark_delivered("R1", "2026-11-26T08:00:01Z")
    backend.relay.mark_delivered("R1", "2026-11-26T09:59:59Z")  # the first receipt stays

    stored = backend.relay.get("R1")
    assert replace(stored, recorded_on="local") == replace(accepted, delivered_at="2026-11-26T08:00:01Z")
    assert [(e.seq, e.type) for e in backend.relay.events("R1")] == [(1, "created"), (2, "accepted")]
    assert backend.relay.get("R2") is None and backend.relay.events("R2") == []
    assert backend.relay.verification_counts()["requests"] == 1


def test_boxes_and_the_subjects_list_are_newest_first_and_a_peers_copy_is_in_no_box_here(backend):
    for n in range(3):
        created(
            backend, request(f"R{n}", f"2026-11-26T08:0{n}:00Z", target_unit="hz-mzj" if n == 1 else "hz-gaj")
        )
    created(backend, request("R9", "2026-11-26T08:09:00Z", requester_unit="dq-x", requester_stage="peer"))

    def box(unit_id, name, status=None, limit=10, start=None):
        return backend.relay.list_box(unit_id, name, status, limit, start)

    first = box("hz-rsj", "outbox", limit=2)
    assert [r.request_id for r in first.items + box("hz-rsj", "outbox", start=first.next_key).items] == [
        "R2",
        "R1",
        "R0",
    ]
    assert [r.request_id for r in box("hz-gaj", "inbox").items] == ["R9", "R2", "R0"]
    assert [r.request_id for r in box("hz-gaj", "inbox", "pending").items] == ["R9", "R2", "R0"]
    assert box("dq-x", "outbox").items == [] and box("hz-gaj", "inbox", "accepted").items == []
    about = backend.relay.list_by_subject(HOLDER.id_number, 10, None)
    assert [r.request_id for r in about.items] == ["R9", "R2", "R1", "R0"]


def test_open_requests_are_due_by_their_time_until_answered_and_messages_and_refusals_are_kept(backend):
    early = created(backend, request("R1", AT, due_at="2026-12-01T08:00:00Z"))
    created(backend, request("R2", AT))
    message = Message("M1", "local", "peer", "request.cancel", "", {"request_id": "R1"})
    backend.relay.send([message])
    backend.relay.record_refusal("hz-rsj", "hz-gaj", "PF-C001", AT)

    assert backend.relay.due_by("2026-12-03T08:00:00Z", 10) == ["R1", "R2"]
    assert backend.relay.due_by("2026-12-03T08:00:00Z", 1) == ["R1"]
    accepted, event = early.accept("2026-11-26T09:00:00Z")
    backend.relay.update(early, accepted, event, owes())
    assert backend.relay.due_by("2026-12-03T08:00:00Z", 10) == ["R1", "R2"]  # accepted: still watched
    done, event = accepted.respond("confirmed", {}, None, "2026-11-26T10:00:00Z")
    backend.relay.update(accepted, done, event, owes(counts={"completed": 1}))
    assert backend.relay.due_by("2026-12-03T08:00:00Z", 10) == ["R2"]
    record = backend.supervision.unit_record("hz-rsj")
    assert record["counts"]["refused_requests"] == 1
    assert record["refused_requests"] == [{"at": AT, "proof_id": "PF-C001", "target_unit": "hz-gaj"}]


# The federation


def test_a_message_id_is_claimed_by_one_delivery_answered_once_or_released(backend):
    fed = backend.federation

    assert fed.claim("peer", "M1", "2026-11-26T08:00:00Z", "2026-11-26T07:58:00Z") is None
    with pytest.raises(Conflict) as busy:
        fed.claim("peer", "M1", "2026-11-26T08:00:30Z", "2026-11-26T07:58:30Z")
    assert (
        fed.claim("peer", "M1", "2026-11-26T08:03:00Z", "2026-11-26T08:01:00Z") is None
    )  # stale: taken over
    fed.settle("peer", "M1", {"receipt": "r1"})
    fed.release("peer", "M1")  # answered: not released
    assert fed.claim("peer", "M1", "2026-11-26T09:00:00Z", "2026-11-26T08:58:00Z") == {"receipt": "r1"}
    assert fed.answer("peer", "M1") == {"receipt": "r1"} and fed.answer("peer2", "M1") is None
    fed.claim("peer", "M2", AT, AT)
    fed.release("peer", "M2")
    assert busy.value.code == "message_in_progress" and fed.answer("peer", "M2") is None


def test_early_messages_wait_parked_in_order_and_a_mirrored_proof_keeps_its_latest_version(backend):
    fed = backend.federation
    messages = {seq: Message(f"M{seq}", "peer", "local", "request.event", AT, {"n": seq}) for seq in (3, 2)}
    for seq, message in messages.items():
        fed.park("R1", seq, message)
    fed.unpark("R1", 2, messages[2])
    fed.park("R1", 5, Message("M5", "peer", "local", "request.event", AT, {"n": 5}))
    for version in (2, 1, 3, 2):
        fed.mirror_proof("peer", {"proof_id": "PF-1", "version": version, "name": f"v{version}"})

    assert [m.message_id for m in fed.parked("R1")] == ["M3", "M5"] and fed.parked("R2") == []
    assert fed.peer_proof("peer", "PF-1")["name"] == "v3" and fed.peer_proof("peer2", "PF-1") is None


def test_a_message_to_a_peer_stays_until_its_receipt_queued_again_after_a_while_refused_for_good(backend):
    fed = backend.federation
    messages = [Message(f"M{n}", "local", "peer", "unit.registered", "", {"n": n}) for n in range(4)]
    backend.relay.send(messages)

    assert [m.message_id for m in fed.unqueued(10)] == ["M0", "M1", "M2", "M3"]
    fed.mark_queued(messages[0], "2026-11-26T08:00:00Z")
    fed.mark_queued(messages[1], "2026-11-26T09:00:00Z")
    fed.mark_refused(messages[2], "2026-11-26T08:30:00Z", {"code": "forbidden"})
    fed.mark_queued(messages[2], "2026-11-26T10:00:00Z")  # refused for good: stays refused
    fed.keep_receipt("M3", "peer", AT, "receipt")
    fed.delivered(messages[3])
    fed.mark_queued(messages[3], "2026-11-26T10:00:00Z")  # delivered meanwhile: nothing to mark

    assert fed.unqueued(10) == []
    assert [m.message_id for m in fed.queued_before("2026-11-26T08:30:00Z", 10)] == ["M0"]
    assert [m.message_id for m in fed.queued_before("2026-11-26T09:30:00Z", 10)] == ["M0", "M1"]
    assert [(m.message_id, r) for m, r in fed.refused(10)] == [("M2", {"code": "forbidden"})]


# The witness


def checkpoint(number: int, stage: str = "peer") -> Checkpoint:
    return Checkpoint(stage, number, number * 10, f"{number:064x}", ChangelogHead(0, None), AT)


def test_a_peers_checkpoint_is_held_over_the_one_held_before_and_each_is_kept(backend):
    backend.witness.accept(None, checkpoint(1), AT)
    with pytest.raises(StaleWrite):
        backend.witness.accept(None, checkpoint(2), AT)  # one is held already
    backend.witness.accept(backend.witness.held("peer"), checkpoint(2), "2026-11-26T09:00:00Z")
    with pytest.raises(StaleWrite):
        backend.witness.accept(backend.witness.held("peer"), checkpoint(2), AT)  # kept already

    held = backend.witness.held("peer")
    assert (held.checkpoint, held.witnessed_at) == (checkpoint(2), "2026-11-26T09:00:00Z")
    assert backend.witness.kept("peer", 1) == checkpoint(1) and backend.witness.kept("peer", 3) is None
    assert backend.witness.held("peer2") is None


def test_a_dispute_is_kept_once_with_its_alert_and_listed_newest_first(backend):
    def dispute(found_at: str, number: int) -> Dispute:
        return Dispute("peer", "local", found_at, "does not extend", checkpoint(number).to_view(), None)

    backend.witness.dispute(dispute("2026-11-26T08:00:00Z", 2), owes(alert("A-1")))
    backend.witness.dispute(dispute("2026-11-26T08:00:00Z", 2), owes(alert("A-again")))
    backend.witness.dispute(dispute("2026-11-26T09:00:00Z", 3), owes(alert("A-2")))

    found = backend.witness.disputes("peer")
    assert [d.checkpoint["number"] for d in found] == [3, 2]
    assert [d.checkpoint["number"] for d in backend.witness.disputes("peer", since="2026-11-26T08:30")] == [3]
    assert backend.witness.disputes("peer2") == []
    assert [a.event_id for a in backend.alerts()] == ["A-1", "A-2"]


# The transparency log


def test_events_recorded_here_wait_for_their_leaf_index_and_get_it_once(backend):
    first = created(backend, request("R1", AT))
    accepted, event = first.accept("2026-11-26T09:00:00Z")
    backend.relay.update(first, accepted, event, owes())
    created(backend, request("R2", AT, requester_stage="peer", recorded_on="local"))
    waiting = backend.log.pending(10)
    nodes = [(0, n, bytes([n]) * 32) for n in range(3)] + [(1, 0, b"\x09" * 32)]

    with pytest.raises(StaleWrite):
        backend.log.append(1, waiting[:2], [])  # the tree is not 1 leaf long
    backend.log.append(0, waiting[:2], nodes[:2] + nodes[3:])
    with pytest.raises(StaleWrite):
        backend.log.append(0, waiting[2:], [])  # another run got there first
    backend.log.append(2, waiting[2:], nodes[2:3])

    assert [(leaf.request_id, leaf.seq) for leaf in waiting] == [("R1", 1), ("R1", 2), ("R2", 1)]
    assert backend.log.pending(10) == [] and backend.log.tree() == Tree(3)
    assert backend.log.nodes([(0, 1), (1, 0), (1, 1)]) == {(0, 1): b"\x01" * 32, (1, 0): b"\x09" * 32}
    assert backend.log.leaf_indexes("R1") == {1: 0, 2: 1}
    assert [(i, leaf.request_id, h[0]) for i, leaf, h in backend.log.leaves(1, 3)] == [
        (1, "R1", 1),
        (2, "R2", 2),
    ]
    found = backend.log.events([waiting[0], Leaf("R9", 1, "x")])
    assert list(found) == [("R1", 1)] and found[("R1", 1)].type == "created"


def test_a_checkpoint_is_issued_over_the_one_before_and_the_change_log_is_read_back(backend):
    one, two = checkpoint(1, "local"), checkpoint(2, "local")
    backend.log.issue(
        None, one, owes(messages=[Message("M1", "local", "peer", "checkpoint.issued", "", {"n": 1})])
    )
    with pytest.raises(StaleWrite):
        backend.log.issue(None, two, owes())
    backend.log.issue(one, two, owes())
    save_new(backend, "PF-1")
    save_new(backend, "PF-2")
    backend.log.audited(2, None)
    backend.log.audited(3, AT)

    assert backend.log.tree() == Tree(0, two, AT, 3)
    assert backend.log.checkpoint(1) == one and backend.log.checkpoint(3) is None
    head = backend.log.changelog_head()
    assert head.seq == 2 and [c["proof_id"] for c in backend.log.changes(1, 2)] == ["PF-1", "PF-2"]
    assert backend.log.changes(2, 1) == [] and backend.log.changes(2, 2)[0]["hash"] == head.hash
    assert [m.message_id for m in backend.federation.unqueued(10)] == ["M1"]


def test_an_alarm_is_raised_once_for_the_same_damage(backend):
    backend.log.raise_alarm("local/1:event_changed", alert("A-1"))
    backend.log.raise_alarm("local/1:event_changed", alert("A-again"))
    backend.log.raise_alarm("local/2:event_changed", alert("A-2"))

    assert [a.event_id for a in backend.alerts()] == ["A-1", "A-2"]


def test_the_directory_store_keeps_only_newer_versions_and_the_anchors_record_of_each_stage(backend):
    store = backend.directory
    assert store.newest() is None and store.acknowledged() == {}

    store.keep(1, "v1.jws")
    store.keep(3, "v3.jws")  # a stage may skip versions it never saw
    for stale in (3, 2):
        with pytest.raises(StaleWrite):
            store.keep(stale, "other.jws")
    assert store.newest() == "v3.jws"

    store.acknowledge("wuxing", 1)
    store.acknowledge("wuxing", 3)
    store.acknowledge("nanxun", 1)
    assert store.acknowledged() == {"wuxing": 3, "nanxun": 1}


def test_a_version_the_anchor_publishes_is_queued_for_its_log_in_the_same_write(backend):
    store, log = backend.directory, backend.log
    payload = {"anchor": "local", "version": 1}
    signed = f"e30.{jws.b64url(json.dumps(payload).encode())}.c2ln"  # kept as given: not checked here

    store.keep(1, signed, logged_as="ab" * 32)
    store.keep(2, "v2.jws")  # one a stage took: not logged
    with pytest.raises(StaleWrite):
        store.keep(2, "again.jws", logged_as="cd" * 32)  # refused whole: nothing queued

    assert log.pending(10) == [Leaf(DIRECTORY_LEAVES, 1, "ab" * 32)]
    assert log.directory_versions([1, 7]) == {1: payload}


def test_introductions_owed_are_kept_with_their_version_and_worked_off_one_stage_at_a_time(backend):
    store = backend.directory
    store.keep(1, "v1.jws")
    store.keep(2, "v2.jws", None, ["anji", "deqing"], "2026-11-26T08:00:00Z")
    with pytest.raises(StaleWrite):
        store.keep(2, "again.jws", None, ["nanxun"], "2026-11-26T08:01:00Z")  # refused whole
    store.keep(3, "v3.jws", None, ["nanxun"], "2026-11-26T08:02:00Z")

    assert store.introductions() == [
        (2, ["anji", "deqing"], "2026-11-26T08:00:00Z"),
        (3, ["nanxun"], "2026-11-26T08:02:00Z"),
    ]
    store.introduced(2, ["deqing"])
    store.introduced(3, [])
    assert store.introductions() == [(2, ["deqing"], "2026-11-26T08:00:00Z")]
