"""Lost-document notices and the public board, against DynamoDB Local."""

import re

import pytest

from chalicelib import wiring
from chalicelib.adapters.outbox import DynamoOutbox
from chalicelib.domain.clock import CHINA, parse_time
from chalicelib.domain.identity import identity_from_claims
from tests.support import SUBJECT_ID, citizen_token, make_token, notice_body
from tests.support.stack import set_stage_env

LATER = "2099-01-01T00:00:00Z"


def publish(api, setup, **overrides):
    response = api.post("/lost-notices", notice_body(**overrides), token=setup["citizen"])
    assert response.status_code == 201, response.data
    return response.data


def test_a_notice_is_published_at_once_and_the_public_sees_it_masked(api, notice_setup):
    receipt = publish(api, notice_setup)
    assert receipt["status"] == "published"
    assert receipt["period_ends_at"] > receipt["published_at"]
    assert SUBJECT_ID not in str(receipt) and "王小明" not in str(receipt)
    public = api.get(f"/lost-notices/{receipt['notice_id']}").data
    assert (public["doc_number_masked"], public["holder_masked"]) == ("330521********0014", "王**")
    assert "doc_number" not in public and "holder" not in public
    owner = api.get(f"/lost-notices/{receipt['notice_id']}", token=notice_setup["citizen"]).data
    assert owner["doc_number"] == SUBJECT_ID and owner["holder"] == {
        "name": "王小明",
        "id_number": SUBJECT_ID,
    }
    stranger = citizen_token(id_number="11010519491231002X", name="李四", sub_suffix="li")
    assert "doc_number" not in api.get(f"/lost-notices/{receipt['notice_id']}", token=stranger).data
    assert api.get(f"/lost-notices/{receipt['notice_id']}", token="garbage").status_code == 401


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"doc_number": "11010519491231002X"}, 422, "not_holder"),
        ({"doc_number": "330521196201010015"}, 400, "validation_error"),
        (
            {"doc_type": "business_licence", "doc_number": "91330500MA2B3C4D5X", "issuing_unit": "hz-scjgj"},
            400,
            "validation_error",
        ),
        ({"doc_type": "passport"}, 400, "validation_error"),
        ({"lost_on": "2999-01-01"}, 400, "validation_error"),
        ({"lost_on": "2026-02-30"}, 400, "validation_error"),
        ({"issuing_unit": "nowhere"}, 404, "unit_not_found"),
        ({"accepted": False}, 400, "validation_error"),
        ({"holder_name": "冒名"}, 400, "validation_error"),
    ],
)
def test_refusals_write_nothing_and_echo_no_number(api, notice_setup, overrides, status, code):
    response = api.post("/lost-notices", notice_body(**overrides), token=notice_setup["citizen"])
    assert (response.status_code, response.data["code"]) == (status, code)
    assert not re.search(r"\d{17}[\dX]", response.body.decode())
    assert api.get("/lost-notices").data["items"] == []
    assert api.get("/stats").data["lost_notices"]["published"] == 0


def test_a_valid_business_licence_and_a_plain_document_are_published(api, notice_setup):
    from stdnum.cn import uscc

    code = "91330500MA2B3C4D5"
    code += uscc.calc_check_digit(code)
    licence = publish(
        api, notice_setup, doc_type="business_licence", doc_number=code, issuing_unit="hz-scjgj"
    )
    assert licence["doc_number_masked"] == code[:6] + "********" + code[-4:]
    other = publish(
        api, notice_setup, doc_type="driving_licence", doc_number="A12345678", request_reissue=False
    )
    assert other["doc_number_masked"] == "A1*****78"


@pytest.fixture
def three_notices(api, notice_setup):
    """Given three notices by 王小明: an ID card in Nanxun, a driving licence, a household register
    in Deqing."""
    first = publish(api, notice_setup, statement="在南浔古镇遗失身份证一张")
    second = publish(
        api, notice_setup, doc_type="driving_licence", doc_number="330100123456", statement="驾驶证遗失于安吉"
    )
    third = publish(
        api, notice_setup, doc_type="household_register", doc_number="HZ0012345", statement="遗失于德清莫干山"
    )
    return [notice["notice_id"] for notice in (first, second, third)]


def board_ids(api, query):
    response = api.get(f"/lost-notices?{query}")
    assert response.status_code == 200, response.data
    return [item["notice_id"] for item in response.data["items"]]


def test_the_board_lists_newest_first(api, three_notices):
    assert board_ids(api, "") == three_notices[::-1]


def test_the_board_searches_the_statement_and_the_masked_name_only(api, three_notices):
    assert board_ids(api, "q=南浔") == [three_notices[0]]
    assert board_ids(api, "q=王*") == board_ids(api, "")  # the masked name is searchable
    assert board_ids(api, "q=王小明") == []  # the whole name is not


def test_the_board_filters_by_document_type(api, three_notices):
    assert board_ids(api, "doc_type=driving_licence") == [three_notices[1]]


def test_the_board_pages_with_its_cursor(api, three_notices):
    page = api.get("/lost-notices?limit=2").data
    rest = api.get(f"/lost-notices?limit=2&cursor={page['next_cursor']}").data
    assert [i["notice_id"] for i in page["items"] + rest["items"]] == three_notices[::-1]


def test_the_board_shows_no_whole_id_number_or_name(api, three_notices):
    body = api.get("/lost-notices").body.decode()
    assert SUBJECT_ID not in body and "王小明" not in body


def test_reissue_only_after_the_period_and_only_by_the_issuing_unit(api, notice_setup, clock):
    notice_id = publish(api, notice_setup)["notice_id"]
    early = api.post(f"/lost-notices/{notice_id}/reissue", token=notice_setup["police"])
    assert (early.status_code, early.data["code"]) == (409, "invalid_state")
    clock.moment = parse_time(LATER)
    assert api.post(f"/lost-notices/{notice_id}/reissue", token=notice_setup["market"]).status_code == 403
    assert api.post(f"/lost-notices/{notice_id}/reissue", token=notice_setup["citizen"]).status_code == 403
    done = api.post(f"/lost-notices/{notice_id}/reissue", token=notice_setup["police"])
    assert (done.status_code, done.data["status"]) == (200, "reissued")
    again = api.post(f"/lost-notices/{notice_id}/reissue", token=notice_setup["police"])
    assert again.status_code == 409
    board = api.get("/lost-notices").data["items"]
    assert [(i["notice_id"], i["status"]) for i in board] == [(notice_id, "reissued")]  # still findable


def test_the_issuing_unit_is_alerted_once_when_a_requested_reissue_is_due(api, notice_setup, clock):
    notice_id = publish(api, notice_setup)["notice_id"]
    publish(api, notice_setup, doc_type="other", doc_number="X-2026-001", request_reissue=False)
    assert wiring.lost_notices().alert_reissues_due() == 0  # still on notice
    clock.moment = parse_time(LATER)
    assert wiring.lost_notices().alert_reissues_due() == 1
    assert wiring.lost_notices().alert_reissues_due() == 0
    alerts = [
        (a.event_type, a.target_unit, a.resource_id)
        for a in DynamoOutbox().pending(100)
        if a.event_type.startswith("lost_notice")
    ]
    assert alerts == [("lost_notice.reissue_due", "hz-gaj", notice_id)]


def test_the_holder_withdraws_and_nothing_is_reissued_after(api, notice_setup, clock):
    notice_id = publish(api, notice_setup)["notice_id"]
    assert api.post(f"/lost-notices/{notice_id}/withdraw", token=notice_setup["police"]).status_code == 403
    done = api.post(f"/lost-notices/{notice_id}/withdraw", token=notice_setup["citizen"])
    assert (done.status_code, done.data["status"]) == (200, "withdrawn")
    assert api.post(f"/lost-notices/{notice_id}/withdraw", token=notice_setup["citizen"]).status_code == 409
    clock.moment = parse_time(LATER)
    assert wiring.lost_notices().alert_reissues_due() == 0
    assert api.post(f"/lost-notices/{notice_id}/reissue", token=notice_setup["police"]).status_code == 409
    assert api.post("/lost-notices/nope/withdraw", token=notice_setup["citizen"]).status_code == 404


def test_publication_is_idempotent_and_counted_once(api, notice_setup):
    headers = {"Idempotency-Key": "lost-1"}
    first = api.post("/lost-notices", notice_body(), token=notice_setup["citizen"], headers=headers)
    retry = api.post("/lost-notices", notice_body(), token=notice_setup["citizen"], headers=headers)
    assert first.status_code == retry.status_code == 201 and first.data == retry.data
    figures = api.get("/stats").data["lost_notices"]
    assert figures == {"published": 1, "reissued": 0, "newspaper_cost_saved_yuan": 300}


def test_only_citizens_publish_and_list_their_own(api, notice_setup):
    for token in (notice_setup["police"], make_token("supervisor"), None):
        assert api.post("/lost-notices", notice_body(), token=token).status_code in (401, 403)
    notice_id = publish(api, notice_setup)["notice_id"]
    mine = api.get("/me/lost-notices", token=notice_setup["citizen"]).data["items"]
    assert [(n["notice_id"], n["doc_number"]) for n in mine] == [(notice_id, SUBJECT_ID)]


def test_the_board_page_is_html_in_chinese_or_english_with_search(api, notice_setup):
    publish(api, notice_setup, statement="在南浔古镇遗失身份证一张")
    publish(
        api,
        notice_setup,
        doc_type="driving_licence",
        doc_number="330100123456",
        statement="遗失于德清<script>alert(1)</script>",
    )
    page = api.get("/board")
    html = page.body.decode()
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="zh-CN">' in html and "遗失声明公示栏" in html
    assert "330521********0014" in html and SUBJECT_ID not in html and "王小明" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert html.count("<li ") == 2
    narrowed = api.get("/board?q=%E5%8D%97%E6%B5%94").body.decode()  # q=南浔
    assert narrowed.count("<li ") == 1 and "南浔古镇" in narrowed
    english = api.get("/board?lang=en").body.decode()
    assert '<html lang="en">' in english and "Lost-document notice board" in english
    paged = api.get("/board?limit=1").body.decode()
    assert paged.count("<li ") == 1 and 'rel="next"' in paged
    broken = api.get("/board?cursor=forged")
    assert broken.status_code == 400 and 'role="alert"' in broken.body.decode()


def test_a_stage_that_counts_the_period_in_working_days_skips_the_spring_festival(
    api, notice_setup, clock, monkeypatch
):
    set_stage_env(monkeypatch, "LOST_NOTICE_DAY_COUNT", "working")
    set_stage_env(monkeypatch, "LOST_NOTICE_PERIODS", "resident_id_card=2")
    clock.moment = parse_time("2026-02-13T02:00:00Z")  # Friday before the Spring Festival, 10:00
    receipt = publish(api, notice_setup, lost_on="2026-02-10")
    # Saturday the 14th is worked; 15-23 February are holidays; Tuesday the 24th is the second.
    assert receipt["period_ends_at"] == "2026-02-24T02:00:00Z"


def test_a_stage_counts_the_period_in_calendar_days_by_default(api, notice_setup, clock, monkeypatch):
    set_stage_env(monkeypatch, "LOST_NOTICE_PERIODS", "resident_id_card=2")
    clock.moment = parse_time("2026-02-13T02:00:00Z")
    receipt = publish(api, notice_setup, lost_on="2026-02-10")
    assert receipt["period_ends_at"] == "2026-02-15T02:00:00Z"


@pytest.mark.parametrize(
    ("now", "china_day"),
    [
        ("2026-11-26T15:30:00Z", "2026-11-26"),  # 23:30 in China: still the 26th
        ("2026-11-26T16:30:00Z", "2026-11-27"),  # 00:30 in China: the 27th, though UTC says the 26th
    ],
)
def test_the_board_shows_the_china_date_of_publication(api, notice_setup, clock, now, china_day):
    clock.moment = parse_time(now)
    notice = publish(api, notice_setup)
    html = api.get("/board").body.decode()
    item = re.search(rf'data-notice-id="{notice["notice_id"]}".*?</li>', html, re.S).group(0)
    assert f"公示日期: {china_day}" in item
    assert notice["published_at"] == now  # the JSON keeps UTC, as the contract says
    ends = parse_time(notice["period_ends_at"]).astimezone(CHINA).date().isoformat()
    assert f"公示期满: {ends}" in item


def test_a_lost_on_of_today_in_china_is_not_in_the_future(api, notice_setup, clock):
    clock.moment = parse_time("2026-11-26T16:30:00Z")  # 00:30 on the 27th in China
    assert publish(api, notice_setup, lost_on="2026-11-27")["lost_on"] == "2026-11-27"


def test_a_document_on_notice_cannot_be_declared_lost_again_until_that_notice_is_withdrawn(api, notice_setup):
    first = publish(api, notice_setup)
    again = api.post("/lost-notices", notice_body(statement="再次声明"), token=notice_setup["citizen"])
    assert (again.status_code, again.data["code"]) == (409, "notice_exists")
    assert again.data["details"] == {"notice_id": first["notice_id"]}
    assert first["notice_id"] in again.data["message"] and SUBJECT_ID not in str(again.data)
    assert api.get("/stats").data["lost_notices"]["published"] == 1
    # Another document of the same holder is another notice
    assert (
        api.post(
            "/lost-notices",
            notice_body(doc_type="other", doc_number="HZ0012345"),
            token=notice_setup["citizen"],
        ).status_code
        == 201
    )
    withdrawn = api.post(f"/lost-notices/{first['notice_id']}/withdraw", token=notice_setup["citizen"])
    assert withdrawn.status_code == 200
    assert publish(api, notice_setup)["notice_id"] != first["notice_id"]


def test_two_declarations_of_one_document_at_the_same_instant_publish_one(api, notice_setup):
    from tests.support import run_together

    service, holder = (
        wiring.lost_notices(),
        identity_from_claims({"sub": "s", "role": "citizen", "name": "王小明", "id_number": SUBJECT_ID}),
    )
    results = run_together([lambda: service.publish(holder, notice_body())] * 4)
    published = [r for r in results if not isinstance(r, Exception)]
    assert len(published) == 1
    assert all(getattr(r, "code", None) == "notice_exists" for r in results if isinstance(r, Exception))


def board_html(api, query=""):
    page = api.get(f"/board?{query}")
    assert page.status_code == 200, page.body[:300]
    return page.body.decode()


def test_the_board_names_the_issuing_unit_as_a_citizen_knows_it(api, notice_setup):
    publish(api, notice_setup)
    assert "发证单位: 湖州市公安局" in board_html(api) and "hz-gaj" not in board_html(api)
    assert "Issued by: Huzhou Public Security Bureau" in board_html(api, "lang=en")


def test_a_board_search_goes_on_through_windows_until_something_matches(api, notice_setup, monkeypatch):
    monkeypatch.setattr("chalicelib.adapters.pages.SEARCH_WINDOW", 2)
    publish(api, notice_setup, statement="在南浔古镇遗失身份证一张")  # the oldest: 3 windows back
    for n in range(5):
        publish(api, notice_setup, doc_type="other", doc_number=f"HZ{n:07d}", statement="遗失于安吉")

    found = board_html(api, "q=%E5%8D%97%E6%B5%94")  # 南浔
    assert found.count("<li ") == 1 and "南浔古镇" in found
    assert "在已搜索的较近声明中没有符合条件的" not in found

    # What no window within the budget matches: said plainly, with a way further back
    monkeypatch.setattr("chalicelib.api.board_page.SEARCH_WINDOWS", 2)
    html = board_html(api, "q=%E5%8D%97%E6%B5%94")
    assert "<li " not in html and "在已搜索的较近声明中没有符合条件的" in html
    further = re.search(r'<a rel="next" href="\?([^"]+)">继续向前搜索', html)
    assert further and "下一页" not in html
    assert "南浔古镇" in board_html(api, further.group(1).replace("&amp;", "&"))


def test_the_board_pages_forward_and_back(api, notice_setup):
    ids = [
        publish(api, notice_setup, doc_type="other", doc_number=f"HZ{n:07d}", statement=f"遗失第{n}份证件")[
            "notice_id"
        ]
        for n in range(3)
    ]
    newest_first = list(reversed(ids))

    def follow(html, rel):
        link = re.search(rf'<a rel="{rel}" href="\?([^"]+)"', html)
        return board_html(api, link.group(1).replace("&amp;", "&"))

    def shown(html):
        return re.findall(r'data-notice-id="([^"]+)"', html)

    first = board_html(api, "limit=1")
    assert shown(first) == newest_first[:1] and 'rel="prev"' not in first and "第一页" not in first
    second = follow(first, "next")
    third = follow(second, "next")
    assert (shown(second), shown(third)) == (newest_first[1:2], newest_first[2:3])
    assert "« 第一页" in third
    assert shown(follow(third, "prev")) == newest_first[1:2]
    assert shown(follow(follow(third, "prev"), "prev")) == newest_first[:1]
