"""Lịch pháp lý (legal calendar): Vietnam's dates, working days and public holidays.

Legal deadlines ("trước ngày 10/01", "trong 03 ngày làm việc") are counted in Vietnam's
calendar (Asia/Ho_Chi_Minh), whatever the timezone of the timestamp. A working day (ngày
làm việc) is Monday to Friday and not a public holiday (ngày nghỉ lễ, Tết).

Holidays come from the ``holidays`` package (pure data, no I/O): ``country_holidays("VN")``
gives New Year, Tết Nguyên Đán (Lunar New Year, including the extra days off the
Government announces each year, e.g. 20–26/01/2023 and 08–14/02/2024), Giỗ Tổ Hùng Vương
(Hùng Kings, 10/3 lunar), 30/4, 1/5 and Quốc khánh (2/9), with observed (nghỉ bù) days.

Limitations:
- Swapped working Saturdays (ngày làm bù, e.g. Saturday 04/05/2024 worked in exchange for
  Monday 29/04/2024) are not in the package: such a Saturday counts as a day off here.
- Days off the Government decides later than the installed package version are missing;
  the package version is part of the calendar and must be pinned with the deployment.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from domain.errors import InvalidInput

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_date(t: datetime) -> date:
    """The calendar date in Vietnam at instant ``t`` (which must carry a timezone)."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise InvalidInput(
            "a timestamp without a timezone has no legal date",
            "thời điểm không có múi giờ thì không xác định được ngày theo lịch Việt Nam",
            value=t.isoformat(),
        )
    return t.astimezone(VN_TZ).date()


@cache
def holidays_in(year: int) -> frozenset[date]:
    """Vietnamese public holidays of ``year`` (cached per year)."""
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def holiday_name(d: date) -> str | None:
    """The holiday's (English) name in the ``holidays`` package, or None."""
    name = holidays.country_holidays("VN", years=d.year).get(d)
    return None if name is None else str(name)


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in holidays_in(d.year)


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after ``d`` (before it if n < 0); ``d`` itself when n == 0."""
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        d += step
        if is_working_day(d):
            remaining -= 1
    return d


def working_days_between(start: date, end: date) -> int:
    """Working days strictly after ``start`` up to and including ``end``.

    So a paper requested on ``start`` and supplied on ``end`` is in time for a
    "within 3 working days" rule when the result is ≤ 3. Negative if ``end`` < ``start``.
    """
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for k in range(1, (end - start).days + 1) if is_working_day(start + timedelta(k)))


def calendar_days_between(start: date, end: date) -> int:
    """Calendar days from ``start`` to ``end`` (``end - start``; negative if earlier)."""
    return (end - start).days
