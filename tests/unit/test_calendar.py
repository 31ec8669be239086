"""Vietnam's legal calendar: local dates, working days across Tết and weekends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.calendar import (
    VN_TZ,
    add_working_days,
    calendar_days_between,
    calendar_doc,
    holiday_name,
    is_working_day,
    local_date,
    working_days_between,
)
from verify.law.calendar import NO_CALENDAR, calendar_to_doc, load_calendar
from verify.refusals import BadEvent, InvalidInput


def test_local_date_is_the_date_in_vietnam() -> None:
    # 17:30 UTC on 09/01 is 00:30 on 10/01 in Hà Nội: the deadline day has begun.
    assert local_date(datetime(2023, 1, 9, 17, 30, tzinfo=UTC)) == date(2023, 1, 10)
    assert local_date(datetime(2023, 1, 9, 16, 59, tzinfo=UTC)) == date(2023, 1, 9)
    assert local_date(datetime(2023, 1, 10, 0, 30, tzinfo=VN_TZ)) == date(2023, 1, 10)


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(InvalidInput):
        local_date(datetime(2023, 1, 9, 12, 0))


def test_holidays_include_tet_and_hung_kings() -> None:
    assert holiday_name(date(2023, 1, 22)) == "Lunar New Year"
    assert holiday_name(date(2024, 2, 10)) == "Lunar New Year"
    assert holiday_name(date(2024, 4, 18)) == "Hung Kings' Commemoration Day"
    assert holiday_name(date(2023, 5, 2)) is not None  # observed Hùng Kings day
    assert holiday_name(date(2024, 3, 5)) is None


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2023, 1, 20), False),  # 29 Tết (Friday)
        (date(2023, 1, 23), False),  # 2nd day of Tết (Monday)
        (date(2023, 1, 26), False),  # last day of the Tết break
        (date(2023, 1, 27), True),
        (date(2024, 2, 8), False),
        (date(2024, 2, 14), False),
        (date(2024, 2, 15), True),
        (date(2024, 3, 2), False),  # Saturday
        (date(2024, 3, 3), False),  # Sunday
        (date(2024, 3, 4), True),
        (date(2024, 9, 2), False),  # National Day
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_three_working_days_across_tet_2023() -> None:
    # Requested on Thursday 19/01/2023; Tết (22/01) closes 20–26/01.
    assert add_working_days(date(2023, 1, 19), 3) == date(2023, 1, 31)
    assert working_days_between(date(2023, 1, 19), date(2023, 1, 31)) == 3
    assert working_days_between(date(2023, 1, 19), date(2023, 2, 1)) == 4  # late
    assert calendar_days_between(date(2023, 1, 19), date(2023, 1, 31)) == 12


def test_three_working_days_across_tet_2024() -> None:
    # Signed on Wednesday 07/02/2024; Tết (10/02) closes 08–14/02.
    assert add_working_days(date(2024, 2, 7), 3) == date(2024, 2, 19)
    assert working_days_between(date(2024, 2, 7), date(2024, 2, 19)) == 3
    assert add_working_days(date(2024, 2, 7), 2) == date(2024, 2, 16)


def test_working_days_across_a_weekend() -> None:
    friday = date(2024, 3, 1)
    assert add_working_days(friday, 1) == date(2024, 3, 4)
    assert working_days_between(friday, date(2024, 3, 3)) == 0
    assert working_days_between(friday, date(2024, 3, 5)) == 2
    assert add_working_days(date(2024, 3, 4), -1) == friday


def test_edge_cases() -> None:
    d = date(2024, 3, 6)
    assert add_working_days(d, 0) == d
    assert working_days_between(d, d) == 0
    assert working_days_between(date(2024, 3, 8), d) == -2
    assert calendar_days_between(date(2024, 3, 8), d) == -2


def test_adding_then_counting_is_identity_over_two_years() -> None:
    start = date(2023, 1, 1)
    for k in range(0, 730, 7):
        d = start + timedelta(days=k)
        for n in (1, 2, 3, 5):
            assert working_days_between(d, add_working_days(d, n)) == n


# -- the calendar as signed data (verify.law.calendar) ---------------------------------
def test_published_calendar_round_trips_and_counts_the_same_days() -> None:
    doc = calendar_doc(range(2022, 2026))
    cal = load_calendar(doc)
    assert calendar_to_doc(cal) == doc
    assert cal.status == "provisional" and "holidays" in cal.source
    for k in range(0, 4 * 365):
        d = date(2022, 1, 1) + timedelta(days=k)
        assert cal.is_working_day(d) is is_working_day(d)


def test_a_swapped_working_saturday_counts_as_a_working_day() -> None:
    doc = calendar_doc([2024])
    doc["working_weekend_days"] = ["2024-05-04"]  # worked in exchange for Monday 29/04/2024
    cal = load_calendar(doc)
    assert cal.is_working_day(date(2024, 5, 4)) and not is_working_day(date(2024, 5, 4))
    assert cal.working_days_between(date(2024, 5, 3), date(2024, 5, 6)) == 2


def test_without_a_published_calendar_only_weekends_are_days_off() -> None:
    assert NO_CALENDAR.is_working_day(date(2023, 1, 23))  # Tết, unknown to an empty calendar
    assert not NO_CALENDAR.is_working_day(date(2023, 1, 21))


@pytest.mark.parametrize(
    "change",
    [
        {"version": 0},
        {"status": "final"},
        {"years": []},
        {"holidays": [{"date": "2023-02-30", "name": "x"}]},
        {"holidays": [{"date": "2031-01-01", "name": "outside the years"}]},
        {"holidays": [{"date": "2023-01-02", "name": "a"}, {"date": "2023-01-02", "name": "b"}]},
        {"working_weekend_days": ["2023-01-04"]},  # a Wednesday
        {"extra": True},
    ],
)
def test_a_malformed_calendar_is_refused(change: dict[str, object]) -> None:
    doc = {**calendar_doc([2023]), **change}
    with pytest.raises(BadEvent):
        load_calendar(doc)
