"""LostNoticeService's rules on the in-memory adapters: publishing, the board and its search,
the holder's own notices, withdrawal, reissue after the period, the reissue-due alerts."""

import pytest

from chalicelib.adapters.memory.catalogue import MemoryCatalogueRepository
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from chalicelib.domain.units import Level, Unit
from tests.support.lost_notices import notice_body
from tests.unit.services.conftest import agency, citizen

OTHER_ID = "330102199001011234"


@pytest.fixture
def issuers(catalogue, city_unit, store):
    """Given the police (hz-gaj, here) and a unit homed on the peer stage (dq-gaj)."""
    MemoryCatalogueRepository(store).add_unit(
        Unit("dq-gaj", "德清县公安局", Level.COUNTY, "deqing", stage="peer")
    )


def publish(lost_notices, **overrides):
    return lost_notices.publish(citizen(), notice_body(**overrides))


def test_a_notice_is_published_at_once_with_its_period_and_counted(lost_notices, issuers, store):
    notice = publish(lost_notices)

    assert (notice.status.value, notice.published_at) == ("published", "2026-11-26T08:00:00Z")
    assert notice.period_ends_at == "2026-12-03T08:00:00Z"  # 7 calendar days for an ID card
    public, own = lost_notices.view(None, notice.notice_id), lost_notices.view(citizen(), notice.notice_id)
    assert "doc_number" not in public and public["doc_number_masked"] != notice.doc_number
    assert own["doc_number"] == notice.doc_number and own["holder"]["name"] == "王小明"
    assert store.counters["LOST_NOTICES"]["published"] == 1


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"issuing_unit": "nowhere"}, NotFound, "unit_not_found"),
        ({"issuing_unit": "dq-gaj"}, RuleViolation, "issuing_unit_elsewhere"),
        ({"doc_number": OTHER_ID}, RuleViolation, "not_holder"),
        ({"doc_number": "330521196201010015"}, InvalidInput, "validation_error"),  # check digit
        ({"lost_on": "2026-11-27"}, InvalidInput, "validation_error"),  # tomorrow in China
        ({"doc_type": "passport"}, InvalidInput, "validation_error"),
    ],
)
def test_a_notice_against_the_rules_is_refused_and_nothing_is_stored(
    lost_notices, issuers, store, overrides, error, code
):
    with pytest.raises(error) as refused:
        publish(lost_notices, **overrides)

    assert refused.value.code == code
    assert lost_notices.board(None, None, 10, None).items == [] and not store.counters["LOST_NOTICES"]


def test_a_document_on_notice_is_declared_once_until_its_notice_is_withdrawn(lost_notices, issuers):
    first = publish(lost_notices)

    with pytest.raises(Conflict) as again:
        publish(lost_notices)
    lost_notices.withdraw(citizen(), first.notice_id)
    second = publish(lost_notices)

    assert (again.value.code, again.value.details) == ("notice_exists", {"notice_id": first.notice_id})
    assert second.notice_id != first.notice_id


def test_the_board_is_newest_first_by_type_and_searched_by_statement_or_masked_name(
    lost_notices, issuers, clock
):
    ids = []
    for minute, doc_number in enumerate(("粤B12345", "浙E54321", "浙E99999")):
        clock.at(minutes=minute)
        body = {
            "doc_type": "driving_licence",
            "doc_number": doc_number,
            "statement": f"驾驶证{doc_number}遗失",
        }
        ids.append(publish(lost_notices, **body).notice_id)
    clock.at(minutes=5)
    ids.append(publish(lost_notices).notice_id)

    def board(doc_type=None, text=None, limit=10, start=None):
        return lost_notices.board(doc_type, text, limit, start)

    first = board(limit=3)
    assert [n.notice_id for n in first.items + board(start=first.next_key).items] == ids[::-1]
    assert [n.notice_id for n in board("driving_licence").items] == ids[2::-1]
    assert [n.notice_id for n in board(text="浙E").items] == [ids[2], ids[1]]
    assert [n.notice_id for n in board(text="王*").items] == ids[::-1]  # the masked name
    assert board(text="王小明").items == []  # never the name in full
    assert [n.notice_id for n in lost_notices.search_board(None, "粤B", 1, None, 3).items] == [ids[0]]


def test_a_citizen_lists_their_own_notices_only(lost_notices, issuers):
    mine = publish(lost_notices)
    lost_notices.publish(citizen(OTHER_ID, "李四"), notice_body(doc_number=OTHER_ID))

    assert [n.notice_id for n in lost_notices.mine(citizen(), 10, None).items] == [mine.notice_id]


def test_only_the_holder_withdraws_and_only_once(lost_notices, issuers):
    notice = publish(lost_notices)

    with pytest.raises(Forbidden):
        lost_notices.withdraw(citizen(OTHER_ID, "李四"), notice.notice_id)
    withdrawn = lost_notices.withdraw(citizen(), notice.notice_id)
    with pytest.raises(Conflict) as twice:
        lost_notices.withdraw(citizen(), notice.notice_id)
    with pytest.raises(NotFound):
        lost_notices.withdraw(citizen(), "01JNONE")

    assert (withdrawn.status.value, withdrawn.version) == (
        "withdrawn",
        2,
    ) and twice.value.code == "invalid_state"


def test_the_issuing_unit_reissues_after_the_period_once_and_only_if_asked(
    lost_notices, issuers, clock, store
):
    asked = publish(lost_notices)
    not_asked = publish(lost_notices, doc_type="driving_licence", doc_number="浙E1", request_reissue=False)

    with pytest.raises(Conflict) as too_early:
        lost_notices.reissue(agency("hz-gaj"), asked.notice_id)
    clock.at(days=7)
    with pytest.raises(Forbidden):
        lost_notices.reissue(agency("hz-scjgj"), asked.notice_id)
    reissued = lost_notices.reissue(agency("hz-gaj"), asked.notice_id)
    with pytest.raises(RuleViolation) as unasked:
        lost_notices.reissue(agency("hz-gaj"), not_asked.notice_id)

    assert too_early.value.code == "invalid_state" and unasked.value.code == "reissue_not_requested"
    assert reissued.status.value == "reissued" and store.counters["LOST_NOTICES"]["reissued"] == 1


def test_the_issuing_unit_is_told_once_when_a_reissue_falls_due_unless_withdrawn(
    lost_notices, issuers, clock, store
):
    due = publish(lost_notices)
    withdrawn = publish(lost_notices, doc_type="driving_licence", doc_number="浙E1")
    lost_notices.withdraw(citizen(), withdrawn.notice_id)
    store.outbox.clear()

    early = lost_notices.alert_reissues_due()
    clock.at(days=7)
    first, again = lost_notices.alert_reissues_due(), lost_notices.alert_reissues_due()

    assert (early, first, again) == (0, 1, 0)
    assert [(a.event_type, a.target_unit, a.resource_id) for a in store.outbox] == [
        ("lost_notice.reissue_due", "hz-gaj", due.notice_id)
    ]
