"""The workbench page's settings and headers: what the script is told, and what the browser is
allowed to load and call."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from chalicelib.api import workbench_page
from chalicelib.api.workbench_page import SignIn
from chalicelib.domain.working_days import WorkingCalendar

# Golden Week 2026 as the State Council published it: 1-7 October off, Sunday 27 September and
# Saturday 10 October worked; and a closure of the stage's own on Monday 12 October.
CALENDAR = WorkingCalendar(
    days_off=frozenset(date(2026, 10, d) for d in range(1, 8)),
    weekend_workdays=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),
    known_years=range(2026, 2027),
    closures=frozenset({date(2026, 10, 12)}),
)
NOW = datetime(2026, 9, 30, 20, 0, tzinfo=UTC)  # 1 October already, in China


def sign_in(**overrides) -> SignIn:
    fields = {
        "issuer": "https://idp.zj.example.cn/realms/huzhou",
        "client_id": "workbench",
        "scope": "openid",
        "authorization_endpoint": "",
        "token_endpoint": "https://broker.zj.example.cn/token",
        "development": False,
    }
    return SignIn(**{**fields, **overrides})


def test_the_calendar_sent_lists_only_what_monday_to_friday_gets_wrong():
    settings = workbench_page.settings_of(sign_in(), "city", [], CALENDAR, NOW)
    days_off, worked = settings["calendar"]["days_off"], settings["calendar"]["working_weekend_days"]
    assert days_off == ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07", "2026-10-12"]
    assert worked == ["2026-09-27", "2026-10-10"]


def test_a_provider_is_offered_only_with_its_issuer_and_the_client_id_and_its_origins_alone_are_called():
    assert workbench_page.settings_of(sign_in(client_id=""), "city", [], CALENDAR, NOW)["oidc"] is None
    offered = workbench_page.settings_of(sign_in(), "city", [{"kid": "a"}], CALENDAR, NOW)
    assert offered["oidc"]["token_endpoint"] == "https://broker.zj.example.cn/token"
    assert offered["anchor_jwks"] == [{"kid": "a"}] and offered["anchor"] == "city"
    assert offered["dev_sign_in"] is False

    policy = workbench_page.headers(sign_in())["Content-Security-Policy"]
    assert "connect-src 'self' https://broker.zj.example.cn https://idp.zj.example.cn;" in policy
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy
    assert "connect-src 'self';" in workbench_page.headers(sign_in(client_id=""))["Content-Security-Policy"]


def test_the_settings_cannot_close_their_data_block_and_the_page_runs_no_inline_script():
    page = workbench_page.render({"oidc": {"issuer": "https://x/</script><script>alert(1)</script>"}})
    assert page.count("</script>") == 2  # the data block's and the module's own
    data = re.search(r'id="workbench-config">(.*?)</script>', page, re.S).group(1)
    assert json.loads(data)["oidc"]["issuer"].endswith("</script>")
    assert re.findall(r"<script(?![^>]*(type=\"application/json\"|src=))", page) == []
