"""Vietnam's public holidays from the ``holidays`` package, as a publishable calendar.

``country_holidays("VN")`` gives New Year, Tết Nguyên Đán (Lunar New Year, including the
extra days off the Government announces each year, e.g. 20–26/01/2023 and 08–14/02/2024),
Giỗ Tổ Hùng Vương (Hùng Kings, 10/3 lunar), 30/4, 1/5 and Quốc khánh (2/9), with observed
(nghỉ bù) days. The ledger publishes the result as a signed ``CalendarPublished`` event;
from then on only the signed copy counts (``verify.law.calendar``), so a missing day off is
corrected by publishing a new version, not by upgrading a package.

Limitations of the package: swapped working Saturdays (ngày làm bù, e.g. Saturday
04/05/2024 worked in exchange for Monday 29/04/2024) are not in it; they can be listed in
the published calendar's ``working_weekend_days``.

The module-level helpers (``is_working_day`` …) use the package calendar for the years
2015–2035; they are for building demo data and tests, never for judging a signed history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib.metadata import version

import holidays

from verify.law.calendar import VN_TZ, Calendar, calendar_to_doc, local_date

__all__ = ["VN_TZ", "local_date"]  # re-exported for callers of this module


def vn_calendar(years: Iterable[int], calendar_version: int = 1) -> Calendar:
    """Vietnamese public holidays of ``years`` from the installed ``holidays`` package."""
    ys = tuple(sorted(set(years)))
    found = holidays.country_holidays("VN", years=ys)
    names = {d: str(n) for d, n in sorted(found.items())}
    return Calendar(
        version=calendar_version,
        status="provisional",
        source=f"python-holidays {version('holidays')}, country VN (ngày làm bù chưa có)",
        years=ys,
        holidays=frozenset(names),
        names=names,
    )


def calendar_doc(years: Iterable[int], calendar_version: int = 1) -> dict[str, object]:
    return calendar_to_doc(vn_calendar(years, calendar_version))


@cache
def default_calendar() -> Calendar:
    return vn_calendar(range(2015, 2036))


def is_working_day(d: date) -> bool:
    return default_calendar().is_working_day(d)


def add_working_days(d: date, n: int) -> date:
    return default_calendar().add_working_days(d, n)


def working_days_between(start: date, end: date) -> int:
    return default_calendar().working_days_between(start, end)


def holiday_name(d: date) -> str | None:
    return default_calendar().holiday_name(d)


def calendar_days_between(start: date, end: date) -> int:
    """Calendar days from ``start`` to ``end`` (``end - start``; negative if earlier)."""
    return (end - start).days
