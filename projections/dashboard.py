"""Bảng tổng hợp (dashboards): a province's, and before 2025 a district's, year at a glance.

Built from the evaluation status documents of the units valid on 31/12 of the year: one
row per unit (stage, totals, whether it meets the standard), the counts the law reports
(meeting, not meeting, pending, no evaluation), how many units fail each criterion, and
the findings by code.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from projections.format import points
from projections.overview import counts
from verify.process.officials import Unit


def unit_row(u: Unit, doc: dict[str, Any] | None, district_name: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "code": u.code,
        "name": u.name,
        "kind": u.kind,
        "district": {"code": u.district, "name": district_name},
        "stage": None,
        "self_total": None,
        "appraised_total": None,
        "meets": None,
        "failing_criteria": [],
        "findings": 0,
        "corrected": False,
    }
    if doc is None:
        return row
    appraised = doc["totals"]["basis"] == "appraised"
    row.update(
        stage=doc["stage"],
        self_total=doc["totals"]["self"],
        appraised_total=doc["totals"]["appraised"],
        meets=doc["eligibility"]["meets"] if appraised else None,
        failing_criteria=doc["totals"]["failing_criteria"] if appraised else [],
        findings=len(doc["findings"]),
        corrected=doc.get("correction") is not None,
    )
    return row


def dashboard(
    unit: Unit, year: int, rows: list[dict[str, Any]], docs: list[dict[str, Any]]
) -> dict[str, Any]:
    """The dashboard of ``unit`` (a province or district) for ``year``."""
    appraised = [Decimal(r["appraised_total"]) for r in rows if r["appraised_total"] is not None]
    failing: Counter[str] = Counter(c for r in rows for c in r["failing_criteria"])
    findings: Counter[str] = Counter(f["code"] for d in docs for f in d["findings"])
    c = counts(rows)
    decided = c["meeting"] + c["not_meeting"]
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "year": year,
        "counts": c,
        "meeting_rate_percent": points(
            (Decimal(100 * c["meeting"]) / c["total"]).quantize(Decimal("0.01"))
        )
        if c["total"]
        else None,
        "decided": decided,
        "average_appraised": points(
            (sum(appraised, Decimal(0)) / len(appraised)).quantize(Decimal("0.01"))
        )
        if appraised
        else None,
        "failing_criteria": dict(sorted(failing.items())),
        "findings": dict(sorted(findings.items())),
        "units": rows,
    }
