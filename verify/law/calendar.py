"""Lịch pháp lý (legal calendar): Vietnam's dates, working days and public holidays, as data.

Legal deadlines ("trước ngày 10/01", "trong 03 ngày làm việc") are counted in Vietnam's
calendar, whatever the timezone of the timestamp. A working day (ngày làm việc) is Monday
to Friday and not a public holiday (ngày nghỉ lễ, Tết), or a Saturday/Sunday the Government
swapped into a working day (ngày làm bù).

The holidays are not computed here: they are signed data in the registry
(``CalendarPublished``), so the ledger and an offline inspector count the same days. The
ledger builds its calendar from the ``holidays`` package (``domain.calendar``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from verify.refusals import BadEvent, InvalidInput


def _vn_tz() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Ho_Chi_Minh")
    except Exception:  # noqa: BLE001 - no tz database: UTC+7 has been exact since 1975
        return timezone(timedelta(hours=7), "ICT")


VN_TZ = _vn_tz()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def local_date(t: datetime) -> date:
    """The calendar date in Vietnam at instant ``t`` (which must carry a timezone)."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise InvalidInput(
            "a timestamp without a timezone has no legal date",
            "thời điểm không có múi giờ thì không xác định được ngày theo lịch Việt Nam",
            value=t.isoformat(),
        )
    return t.astimezone(VN_TZ).date()


@dataclass(frozen=True)
class Calendar:
    """Public holidays and swapped working days, with where they came from."""

    version: int = 0
    status: str = "provisional"  # confirmed | provisional
    source: str = "chưa công bố lịch nghỉ lễ / no holiday calendar published"
    years: tuple[int, ...] = ()
    holidays: frozenset[date] = field(default_factory=frozenset)
    names: Mapping[date, str] = field(default_factory=dict, compare=False)
    working_weekend_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, d: date) -> bool:
        if d in self.working_weekend_days:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def holiday_name(self, d: date) -> str | None:
        return self.names.get(d)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (before it if n < 0); ``d`` itself when n == 0."""
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days strictly after ``start`` up to and including ``end``.

        So a paper requested on ``start`` and supplied on ``end`` is in time for a
        "within 3 working days" rule when the result is ≤ 3. Negative if ``end`` < ``start``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        days = (end - start).days
        return sum(1 for k in range(1, days + 1) if self.is_working_day(start + timedelta(k)))

    def covers(self, year: int) -> bool:
        return year in self.years


NO_CALENDAR = Calendar()


def _bad(en: str, vi: str, **evidence: Any) -> BadEvent:
    return BadEvent(f"calendar: {en}", f"lịch nghỉ lễ: {vi}", **evidence)


def _day(v: Any, what: str) -> date:
    if not isinstance(v, str) or not _DATE.match(v):
        raise _bad(f"{what} must be a date YYYY-MM-DD", f"{what} phải là ngày dạng YYYY-MM-DD")
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise _bad(
            f"{what}: {v} is not a real date", f"{what}: {v} không phải ngày có thật"
        ) from None


def load_calendar(doc: Mapping[str, Any]) -> Calendar:
    """Strictly read a calendar document (the ``calendar`` of ``CalendarPublished``)::

    {"version": 1, "status": "provisional", "source": "...", "years": [2022, 2023],
     "holidays": [{"date": "2023-01-02", "name": "..."}], "working_weekend_days": ["2023-..."]}
    """
    keys = {"version", "status", "source", "years", "holidays", "working_weekend_days"}
    if not isinstance(doc, Mapping) or set(doc) != keys:
        raise _bad(
            "needs exactly " + ", ".join(sorted(keys)),
            "cần đúng các trường " + ", ".join(sorted(keys)),
        )
    version, status, source = doc["version"], doc["status"], doc["source"]
    if type(version) is not int or version < 1 or status not in ("confirmed", "provisional"):
        raise _bad(
            "version ≥ 1 and status confirmed|provisional",
            "phiên bản ≥ 1, trạng thái confirmed|provisional",
        )
    if not isinstance(source, str) or not 0 < len(source) <= 500:
        raise _bad("source must be text", "nguồn phải là chuỗi ký tự")
    years = doc["years"]
    if (
        not isinstance(years, list)
        or not years
        or not all(type(y) is int and 2000 <= y <= 2100 for y in years)
    ):
        raise _bad("years must list years 2000–2100", "years phải liệt kê các năm 2000–2100")
    items = doc["holidays"]
    if not isinstance(items, list) or len(items) > 2000:
        raise _bad("holidays must be a list", "holidays phải là danh sách")
    names: dict[date, str] = {}
    for h in items:
        if (
            not isinstance(h, Mapping)
            or set(h) != {"date", "name"}
            or not isinstance(h["name"], str)
        ):
            raise _bad("a holiday is {date, name}", "mỗi ngày nghỉ có dạng {date, name}")
        d = _day(h["date"], "holiday")
        if d.year not in years or d in names:
            raise _bad(
                f"holiday {d} outside years or repeated", f"ngày nghỉ {d} ngoài các năm hoặc bị lặp"
            )
        names[d] = h["name"]
    swapped = doc["working_weekend_days"]
    if not isinstance(swapped, list) or len(swapped) > 200:
        raise _bad("working_weekend_days must be a list", "working_weekend_days phải là danh sách")
    work = frozenset(_day(x, "working weekend day") for x in swapped)
    if any(d.weekday() < 5 or d in names for d in work):
        raise _bad(
            "a swapped working day must be a weekend day, not a holiday",
            "ngày làm bù phải là thứ Bảy/Chủ nhật, không trùng ngày nghỉ",
        )
    return Calendar(
        version, status, source, tuple(sorted(set(years))), frozenset(names), names, work
    )  # fmt: skip


def calendar_to_doc(cal: Calendar) -> dict[str, Any]:
    """The inverse of ``load_calendar``."""
    return {
        "version": cal.version,
        "status": cal.status,
        "source": cal.source,
        "years": list(cal.years),
        "holidays": [
            {"date": d.isoformat(), "name": cal.names.get(d, "")} for d in sorted(cal.holidays)
        ],
        "working_weekend_days": [d.isoformat() for d in sorted(cal.working_weekend_days)],
    }
