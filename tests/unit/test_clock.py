"""Times: RFC 3339 only, and the China date that people read."""

from datetime import date

import pytest

from chalicelib.domain.clock import china_date, parse_time


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        ("2026-11-26T15:30:00Z", date(2026, 11, 26)),  # 23:30 in China
        ("2026-11-26T16:30:00Z", date(2026, 11, 27)),  # 00:30 in China
        ("2026-11-27T00:30:00+08:00", date(2026, 11, 27)),
        ("2026-12-31T16:00:00Z", date(2027, 1, 1)),  # midnight, new year
    ],
)
def test_the_china_date_of_a_time(moment, day):
    assert china_date(moment) == day == china_date(parse_time(moment))


@pytest.mark.parametrize(
    "text",
    [
        "20261202T011000Z",  # ISO 8601 basic format
        "2026-W49-3T01:10:00Z",  # week date
        "2026-336T01:10:00Z",  # ordinal date
        "2026-12-02 01:10:00Z",  # a space for the T
        "2026-12-02T01:10:00",  # no offset
        "2026-12-02T01:10Z",  # no seconds
        "2026-12-02T01:10:00+0800",  # offset without colon
        "２０２６-12-02T01:10:00Z",  # other digits
        "",
    ],
)
def test_only_rfc_3339_date_times_are_times(text):
    with pytest.raises(ValueError):
        parse_time(text)


def test_fractions_and_offsets_of_rfc_3339_are_taken():
    assert parse_time("2026-12-02T09:10:00.123456789+08:00").isoformat() == "2026-12-02T01:10:00.123456+00:00"
    assert parse_time("2026-12-02t01:10:00z").isoformat() == "2026-12-02T01:10:00+00:00"
