"""Deadlines in working days: China's official calendar (holidays and shifted working days,
from chinese-calendar), a stage's own closures, and what happens beyond the published years."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from chalicelib.adapters.official_calendar import OfficialCalendar, published
from chalicelib.domain.working_days import DayCount, WorkingCalendar

BEIJING = timezone(timedelta(hours=8))


def beijing(year, month, day, hour=10):
    return datetime(year, month, day, hour, tzinfo=BEIJING)


class Warnings:
    def __init__(self):
        self.seen = []

    def __call__(self, message, extra):
        self.seen.append((message, extra))


@pytest.fixture
def warnings():
    return Warnings()


@pytest.fixture
def official(warnings):
    return OfficialCalendar((), warnings)


def due(calendar, start, days):
    return calendar.deadline(start, days).astimezone(BEIJING)


def test_a_request_sent_the_friday_before_national_day_is_due_after_golden_week(official, warnings):
    # 2025: 28 Sep (Sunday) is worked; 1-8 Oct are holidays; 11 Oct (Saturday) is worked.
    friday = beijing(2025, 9, 26)
    assert due(official, friday, 1) == beijing(2025, 9, 28)  # the shifted Sunday
    assert due(official, friday, 3) == beijing(2025, 9, 30)
    assert due(official, friday, 4) == beijing(2025, 10, 9)
    assert due(official, friday, 5) == beijing(2025, 10, 10)
    assert due(official, friday, 6) == beijing(2025, 10, 11)  # the shifted Saturday
    assert warnings.seen == []


def test_a_shifted_sunday_is_a_working_day(official):
    # 2026: Sunday 20 September is worked (National Day and Mid-Autumn bridge).
    assert due(official, beijing(2026, 9, 18), 1) == beijing(2026, 9, 20)
    assert published(frozenset()).is_working_day(date(2026, 9, 20))
    assert not published(frozenset()).is_working_day(date(2026, 9, 27))  # an ordinary Sunday


def test_the_spring_festival_holidays_are_skipped(official):
    # 2026: 15-23 February are holidays; Saturdays 14 and 28 February are worked.
    friday = beijing(2026, 2, 13)
    assert due(official, friday, 1) == beijing(2026, 2, 14)
    assert due(official, friday, 2) == beijing(2026, 2, 24)
    assert due(official, beijing(2026, 2, 27), 1) == beijing(2026, 2, 28)


def test_a_deadline_keeps_its_clock_time_and_counts_in_china_time(official):
    sunday_utc_but_monday_beijing = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    assert official.deadline(sunday_utc_but_monday_beijing, 1) == datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    friday_evening = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 18:00 in Beijing
    assert official.deadline(friday_evening, 5) == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def test_a_stage_closes_on_days_of_its_own_even_a_shifted_working_day(warnings):
    calendar = OfficialCalendar((date(2026, 11, 30), date(2026, 9, 20)), warnings)
    assert due(calendar, beijing(2026, 11, 27), 1) == beijing(2026, 12, 1)
    assert due(calendar, beijing(2026, 9, 18), 1) == beijing(2026, 9, 21)


def test_beyond_the_published_years_only_weekends_are_skipped_with_a_warning(official, warnings):
    last_known = max(published(frozenset()).known_years)
    assert last_known < 2099
    # Friday 1 May 2099: a holiday no one has published yet counts as a working day.
    assert due(official, beijing(2099, 4, 30), 1) == beijing(2099, 5, 1)
    assert due(official, beijing(2099, 5, 1), 1) == beijing(2099, 5, 4)  # the weekend still is not
    message, extra = warnings.seen[-1]
    assert "weekends only" in message
    assert extra == {"code": "calendar_year_unknown", "years": [2099], "known_until": last_known}
    assert len(warnings.seen) == 2  # one per deadline counted through an unknown year


def test_a_deadline_that_crosses_into_an_unknown_year_warns_and_names_it(warnings):
    calendar = WorkingCalendar(known_years=range(2026, 2027))
    deadline = calendar.add_working_days(beijing(2026, 12, 30), 3)
    assert deadline.at.astimezone(BEIJING) == beijing(2027, 1, 4)
    assert deadline.unknown_years == (2027,) and not deadline.is_official


def test_calendar_days_count_every_day(official, warnings):
    start = beijing(2025, 9, 26)
    assert official.deadline(start, 10, DayCount.CALENDAR) == start + timedelta(days=10)
    assert official.deadline(beijing(2099, 1, 1), 3, DayCount.CALENDAR) == beijing(2099, 1, 4)
    assert warnings.seen == []  # calendar days need no calendar
