"""What each public page shows, built from the read models (shared by the live pages and
the static export, so both show exactly the same thing)."""

from __future__ import annotations

import base64
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.ledger import Ledger
from projections.fastpath import decode
from projections.overview import MEETING, NOT_MEETING, counts, province_overview, years_with_data
from projections.status import evaluation_status
from projections.store import ProjectionStore
from verify.merkle import leaf_hash
from verify.note import split_note

GROUPS = ("meeting", "not_meeting", "pending", "no_evaluation")

# Sections of the unit page, in order: (template partial under unit/, title key in i18n.WORDS).
# A new section is a new partial and one line here.
UNIT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("result", "result"),
    ("scores", "scores"),
    ("dates", "dates"),
    ("posting", "posting"),
    ("comments", "comments"),
    ("council", "council"),
    ("decision", "decision"),
    ("complaints", "complaints"),
    ("findings", "findings"),
    ("timeline", "timeline"),
)


def province_of(ledger: Ledger) -> dict[str, str | None]:
    reg = ledger.registry()
    if reg is None:
        return {"code": None, "name": None}
    unit = reg.units.get(reg.unit)
    return {"code": reg.unit, "name": unit.name if unit else reg.name}


def chart(c: dict[str, int]) -> list[dict[str, object]]:
    """Bars of the inline SVG chart: key, count and width in percent of the largest."""
    top = max([c[k] for k in GROUPS] + [1])
    return [{"key": k, "count": c[k], "width": round(100 * c[k] / top, 1)} for k in GROUPS]


def group_of(stage: str | None) -> str:
    if stage is None:
        return "no_evaluation"
    if stage in MEETING:
        return "meeting"
    if stage in NOT_MEETING:
        return "not_meeting"
    return "pending"


def fold(text: str) -> str:
    """Lower case without diacritics, for searching names: "Tân Thành" → "tan thanh"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Filters:
    """The province page's filter form (a plain GET form): district, result group, name."""

    district: str = ""
    group: str = ""
    q: str = ""

    @classmethod
    def parse(cls, district: str | None, group: str | None, q: str | None) -> Filters:
        return cls(
            district=(district or "").strip()[:8],
            group=group if group in GROUPS else "",
            q=(q or "").strip()[:80],
        )

    def active(self) -> bool:
        return bool(self.district or self.group or self.q)

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in (("district", self.district), ("group", self.group),
                                  ("q", self.q)) if v}  # fmt: skip

    def keep(self, row: dict[str, Any]) -> bool:
        if self.district and row["district"]["code"] != self.district:
            return False
        if self.group and group_of(row["stage"]) != self.group:
            return False
        return not self.q or fold(self.q) in fold(f"{row['name']} {row['code']}")


class Stored:
    """The pages' data read from the stored read models (``projections.engine``) instead
    of being computed from the aggregates: the province's ``dashboards`` document for its
    rows, ``evaluations`` for a unit's year. Used only when the read models have caught
    up with the log version the page is built for, so both give the same page."""

    def __init__(self, store: ProjectionStore, province: str | None) -> None:
        self.store = store
        self.province = province

    def _doc(self, name: str, key: str) -> Any:
        text = self.store.get(name, key)
        return None if text is None else json.loads(text)

    def rows(self, year: int) -> list[dict[str, Any]]:
        doc = self._doc("dashboards", f"{self.province}/{year}")
        return list(doc["units"]) if doc else []

    def years(self) -> list[int]:
        """Years (newest first) in which at least one unit has an evaluation."""
        found, this_year = [], datetime.now(UTC).year
        for key, text in self.store.scan("dashboards", f"{self.province}/"):
            c, year = json.loads(text)["counts"], int(key.rsplit("/", 1)[1])
            if c["total"] > c["no_evaluation"] and year <= this_year:
                found.append(year)
        return sorted(found, reverse=True)

    def status(self, code: str, year: int) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = self._doc("evaluations", f"{code}/{year}")
        return doc


def _rows(ledger: Ledger, stored: Stored | None, year: int) -> list[dict[str, Any]]:
    return stored.rows(year) if stored else province_overview(ledger, year)


def _years(ledger: Ledger, stored: Stored | None) -> list[int]:
    return stored.years() if stored else years_with_data(ledger)


def home_view(ledger: Ledger, stored: Stored | None = None) -> dict[str, Any]:
    years = _years(ledger, stored)
    rows = _rows(ledger, stored, years[0]) if years else []
    c = counts(rows)
    return {
        "province": province_of(ledger), "years": years,
        "year": years[0] if years else None, "counts": c, "bars": chart(c),
    }  # fmt: skip


def province_view(
    ledger: Ledger, year: int, filters: Filters | None = None, stored: Stored | None = None
) -> dict[str, Any]:
    filters = filters or Filters()
    rows = _rows(ledger, stored, year)
    c = counts(rows)
    districts: dict[str, str] = {}
    for r in rows:
        code = r["district"]["code"]
        if code:
            districts.setdefault(code, r["district"]["name"] or code)
    shown = [r for r in rows if filters.keep(r)]
    return {
        "province": province_of(ledger), "year": year, "rows": shown, "all_count": len(rows),
        "counts": c, "bars": chart(c), "districts": sorted(districts.items()),
        "filters": filters, "groups": GROUPS, "years": _years(ledger, stored),
    }  # fmt: skip


def unit_view(
    ledger: Ledger, code: str, year: int, stored: Stored | None = None
) -> dict[str, Any] | None:
    status = stored.status(code, year) if stored else evaluation_status(ledger, code, year)
    if status is None:
        return None
    sections = [(name, title) for name, title in UNIT_SECTIONS if _has(status, name)]
    return {"province": province_of(ledger), "s": status, "year": year, "sections": sections}


def _has(status: dict[str, Any], section: str) -> bool:
    """Sections that only make sense when there is something to show."""
    if section == "complaints":
        return bool(status.get("complaints"))
    return True


def log_view(
    ledger: Ledger, origin: str, checkpoint: Any = None, entry: int | None = None
) -> dict[str, Any]:
    """The log page: its head, the latest signed checkpoint and who cosigned it, and (with
    ``entry``) one looked-up event with links to its bytes and its inclusion proof."""
    recorder: Any = ledger.recorder
    size, root = recorder.log_head()
    signed = None
    if checkpoint is not None:
        _, lines = split_note(checkpoint.note)
        names = [line[2:].split(" ", 1)[0] for line in lines]  # "— name base64"
        signed = {
            "size": checkpoint.size, "created": checkpoint.created, "note": checkpoint.note,
            "cosigners": [n for n in names if n != origin],
        }  # fmt: skip
    found = None
    if entry is not None and 0 <= entry < size:
        env = recorder.log_leaves(entry, entry + 1)[0]
        p = decode(env)
        found = {
            "index": entry, "type": p.type, "unit": p.unit, "year": p.year,
            "leaf_hash": leaf_hash(env).hex(), "envelope_hash": hashlib.sha256(env).hexdigest(),
            "covered": signed is not None and entry < signed["size"],
        }  # fmt: skip
    return {
        "province": province_of(ledger), "origin": origin, "size": size,
        "root": base64.b64encode(root).decode() if root else None,
        "checkpoint": signed, "entry": entry, "found": found,
    }  # fmt: skip


def verify_view(
    ledger: Ledger, origin: str, base_url: str, vkey: str | None = None
) -> dict[str, Any]:
    return {"province": province_of(ledger), "origin": origin, "base_url": base_url, "vkey": vkey}
