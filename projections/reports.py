"""Báo cáo theo quy định (the legally required outputs), as JSON and CSV.

- Form 08 (mẫu 08): the lists of units meeting and not meeting the standard, attached to
  the recognition decision (DOMAIN.md §4 step 9) — built from the signed decision itself.
- Form 09 (mẫu 09): the district's yearly report to the province, due 15/02 (step 11).
- Form 10 (mẫu 10): the province's yearly report to the Ministry of Justice, due 20/02.

The text of Circular 09/2021's forms could not be found (searched; see ADR
"projection-runner"): the form numbers, the two lists and the due dates are from
DOMAIN.md; every other column is this project's guess and is listed in ``provisional``,
and marked "(tạm tính)" in the CSV header. Under Decision 27/2025 (no districts) there
is no form 09; form 10's rows are then the province's communes.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from decimal import Decimal
from typing import Any

from projections.format import instant, points, vn_date
from verify.law.catalog import Catalog
from verify.process.officials import Unit
from verify.process.registry import RegistryState
from verify.process.round import RoundState

RESULT_VI = {True: "Đạt chuẩn", False: "Chưa đạt chuẩn", None: "Chưa có kết quả"}


def _rate(n: int, total: int) -> str | None:
    return points((Decimal(100 * n) / total).quantize(Decimal("0.01"))) if total else None


def _unit(u: Unit | None, code: str) -> dict[str, Any]:
    return {"code": code, "name": u.name if u else None, "level": u.level if u else None}


def _reasons(doc: dict[str, Any] | None) -> list[str]:
    return [r["vi"] for r in doc["eligibility"]["reasons"]] if doc else []


def form08(reg: RegistryState, rnd: RoundState, docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Danh sách đạt / chưa đạt chuẩn: the lists exactly as the decision signed them.

    ``docs`` maps unit codes of the round to their evaluation status documents."""
    dec = rnd.decision
    year = rnd.year

    def entry(n: int, code: str) -> dict[str, Any]:
        doc = docs.get(code)
        u = reg.unit_in(code, year)
        return {
            "no": n,
            "code": code,
            "name": u.name if u else None,
            "kind": u.kind if u else None,
            "appraised_total": doc["totals"]["appraised"] if doc else None,
            "reasons": [] if doc is None or doc["eligibility"]["meets"] else _reasons(doc),
        }

    meeting = dec["meeting"] if dec else []
    not_meeting = dec["not_meeting"] if dec else []
    listed = set(meeting) | set(not_meeting)
    return {
        "form": "08",
        "title_vi": f"Danh sách cấp xã đạt chuẩn và chưa đạt chuẩn tiếp cận pháp luật năm {year}",
        "title_en": f"Units meeting and not meeting the access-to-law standard, {year}",
        "provisional": ["kind", "appraised_total", "reasons"],
        "round_unit": _unit(reg.unit_in(rnd.unit, year), rnd.unit),
        "year": year,
        "decision": None
        if dec is None
        else {
            "decision_no": dec["decision_no"],
            "signed": instant(dec["time"]),
            "envelope_hash": rnd.hash_of("RecognitionDecided"),
            "signers": list(dec.get("signers", [])),
        },
        "meeting": [entry(n, c) for n, c in enumerate(meeting, 1)],
        "not_meeting": [entry(n, c) for n, c in enumerate(not_meeting, 1)],
        "unlisted": sorted(u for u in rnd.circulated_units if u not in listed) if dec else [],
    }


def _commune_row(u: Unit, doc: dict[str, Any] | None, cat: Catalog) -> dict[str, Any]:
    appraised = doc is not None and doc["totals"]["basis"] == "appraised"
    crit = {c["id"]: c["appraised"] for c in doc["criteria"]} if doc else {}
    return {
        "code": u.code,
        "name": u.name,
        "district": u.district,
        "submitted": bool(doc and doc["submission"]),
        "self_total": doc["totals"]["self"] if doc else None,
        "appraised_total": doc["totals"]["appraised"] if doc else None,
        "criteria": {c.id: crit.get(c.id) for c in cat.criteria},
        "stage": doc["stage"] if doc else None,
        "result": "meeting"
        if doc and doc["stage"] == "recognised"
        else "not_meeting"
        if doc and doc["stage"] in ("not_recognised", "revoked")
        else None,
        "meets_conditions": doc["eligibility"]["meets"] if appraised and doc else None,
        "findings": len(doc["findings"]) if doc else 0,
    }


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total = len(rows)
    meeting = sum(r["result"] == "meeting" for r in rows)
    not_meeting = sum(r["result"] == "not_meeting" for r in rows)
    return {
        "communes": total,
        "submitted": sum(r["submitted"] for r in rows),
        "meeting": meeting,
        "not_meeting": not_meeting,
        "no_result": total - meeting - not_meeting,
        "meeting_rate_percent": _rate(meeting, total),
        "with_findings": sum(r["findings"] > 0 for r in rows),
    }


def form09(
    reg: RegistryState,
    district: Unit,
    year: int,
    cat: Catalog,
    communes: list[Unit],
    docs: dict[str, dict[str, Any]],
    rnd: RoundState | None,
) -> dict[str, Any]:
    """Báo cáo của cấp huyện (district's report upward), one row per commune."""
    rows = [_commune_row(u, docs.get(u.code), cat) for u in communes]
    due = cat.rules.report_district_to_province.value
    failing: Counter[str] = Counter(
        c for u in communes if (d := docs.get(u.code)) for c in d["totals"]["failing_criteria"]
    )
    return {
        "form": "09",
        "title_vi": f"Báo cáo kết quả đánh giá, công nhận cấp xã đạt chuẩn tiếp cận pháp luật năm {year}",
        "title_en": f"District report on the access-to-law evaluation, {year}",
        "provisional": ["rows", "criteria", "failing_criteria", "with_findings", "no_result"],
        "from": _unit(district, district.code),
        "to": _unit(reg.unit_in(district.province, year), district.province),
        "year": year,
        "due": vn_date(due.in_year(year + 1)) if due else None,
        "decision_no": rnd.decision["decision_no"] if rnd and rnd.decision else None,
        "summary": _summary(rows),
        "failing_criteria": dict(sorted(failing.items())),
        "rows": rows,
    }


def form10(
    reg: RegistryState,
    province: Unit,
    year: int,
    cat: Catalog,
    communes: list[Unit],
    docs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Báo cáo của cấp tỉnh gửi Bộ Tư pháp: one row per district (Decision 25/2021) or
    per commune (Decision 27/2025, no districts)."""
    commune_rows = [_commune_row(u, docs.get(u.code), cat) for u in communes]
    if cat.authority.level.value == "district":
        by_district: dict[str, list[dict[str, Any]]] = {}
        for r in commune_rows:
            by_district.setdefault(r["district"] or "", []).append(r)
        rows = [
            {"code": code, "name": (d := reg.unit_in(code, year)) and d.name} | _summary(rs)
            for code, rs in sorted(by_district.items())
        ]
        level = "district"
    else:
        rows, level = commune_rows, "commune"
    due = cat.rules.report_province_to_ministry.value
    return {
        "form": "10",
        "title_vi": f"Báo cáo kết quả đánh giá, công nhận cấp xã đạt chuẩn tiếp cận pháp luật năm {year} của tỉnh",
        "title_en": f"Provincial report to the Ministry of Justice, {year}",
        "provisional": ["rows", "no_result", "with_findings"],
        "from": _unit(province, province.code),
        "to": {"code": "VN", "name": "Bộ Tư pháp", "level": "ministry"},
        "year": year,
        "due": vn_date(due.in_year(year + 1)) if due else None,
        "row_level": level,
        "summary": _summary(commune_rows),
        "rows": rows,
    }


# -- CSV -------------------------------------------------------------------------------------
_H = {
    "no": "STT / No.",
    "code": "Mã đơn vị / Unit code",
    "name": "Tên đơn vị / Unit",
    "kind": "Loại / Kind",
    "list": "Danh sách / List",
    "appraised_total": "Điểm thẩm định / Appraised total",
    "self_total": "Điểm tự chấm / Self-score",
    "reasons": "Lý do chưa đạt / Reasons",
    "district": "Huyện / District",
    "submitted": "Đã gửi hồ sơ / Submitted",
    "result": "Kết quả / Result",
    "communes": "Số đơn vị / Units",
    "meeting": "Đạt chuẩn / Meeting",
    "not_meeting": "Chưa đạt / Not meeting",
    "no_result": "Chưa có kết quả / No result",
    "meeting_rate_percent": "Tỷ lệ đạt (%) / Rate (%)",
    "with_findings": "Có phát hiện vi phạm / With findings",
}


def _head(key: str, provisional: list[str]) -> str:
    return _H.get(key, key) + (" (tạm tính)" if key in provisional else "")


def to_csv(doc: dict[str, Any]) -> str:
    """The form as CSV (UTF-8, one header row; provisional columns marked "(tạm tính)")."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    prov = list(doc.get("provisional", []))
    if doc["form"] == "08":
        cols = ["no", "code", "name", "kind", "list", "appraised_total", "reasons"]
        w.writerow([_head(c, prov) for c in cols])
        for lst, vi in (("meeting", "Đạt chuẩn"), ("not_meeting", "Chưa đạt chuẩn")):
            for e in doc[lst]:
                w.writerow([e["no"], e["code"], e["name"], e["kind"], vi,
                            e["appraised_total"] or "", "; ".join(e["reasons"])])  # fmt: skip
        return out.getvalue()
    if doc["form"] == "10" and doc["row_level"] == "district":
        cols = ["code", "name", "communes", "submitted", "meeting", "not_meeting",
                "no_result", "meeting_rate_percent", "with_findings"]  # fmt: skip
        w.writerow([_head(c, prov if c in prov else ["rows"]) for c in cols])
        for r in doc["rows"]:
            w.writerow(["" if r[c] is None else r[c] for c in cols])
        return out.getvalue()
    crit = sorted({k for r in doc["rows"] for k in r["criteria"]})
    cols = ["code", "name", "district", "submitted", "self_total", "appraised_total"]
    w.writerow([_head(c, ["rows"]) for c in cols] + [f"{c} (tạm tính)" for c in crit]
               + [_head("result", ["rows"])])  # fmt: skip
    for r in doc["rows"]:
        w.writerow(["" if r[c] is None else r[c] for c in cols]
                   + [r["criteria"].get(c) or "" for c in crit]
                   + [RESULT_VI[{"meeting": True, "not_meeting": False}.get(r["result"] or "")]])  # fmt: skip
    return out.getvalue()
