"""Điểm (scores): self-scores (form 02) and appraised scores (form 07) against the catalog.

Maxima the catalog marks provisional (Circular 09/2021 Appendix I could not be read) carry
``provisional: true`` so every page can label them "tạm tính". The recognition test uses
the appraised scores when the council has appraised, else the self-scores (DOMAIN.md §3).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from projections.format import points
from verify.law.catalog import Catalog, Criterion, Indicator
from verify.law.scoring import Assessment, assess
from verify.process.evaluation import EvaluationState as Evaluation


def self_points(ev: Evaluation) -> dict[str, Decimal]:
    return {k: v["points"] for k, v in ev.self_scores.items()}


def _indicator(ind: Indicator, ev: Evaluation) -> dict[str, Any]:
    s = ev.self_scores.get(ind.id)
    appraised = (ev.appraised or {}).get(ind.id)
    return {
        "id": ind.id,
        "name_vi": ind.name_vi,
        "name_en": ind.name_en,
        "max": points(ind.max_points.value),
        "provisional": ind.max_points.provisional,
        "assignee": ev.assignments.get(ind.id),
        "self": points(s["points"]) if s else None,
        "input": s["input"] if s else None,
        "evidence": list(s["evidence"]) if s else [],
        "appraised": points(appraised),
    }


def _criterion(c: Criterion, ev: Evaluation, cat: Catalog) -> dict[str, Any]:
    ids = [i.id for i in c.indicators]
    self_sum = sum((ev.self_scores[i]["points"] for i in ids if i in ev.self_scores), Decimal(0))
    appr = ev.appraised
    appr_sum = None if appr is None else sum((appr.get(i, Decimal(0)) for i in ids), Decimal(0))
    minimum = cat.thresholds.criterion_min_ratio.value * c.max_points.value
    counted = appr_sum if appr_sum is not None else self_sum
    return {
        "id": c.id,
        "name_vi": c.name_vi,
        "name_en": c.name_en,
        "max": points(c.max_points.value),
        "provisional": c.max_points.provisional
        or any(i.max_points.provisional for i in c.indicators),
        "min": points(minimum),
        "self": points(self_sum) if any(i in ev.self_scores for i in ids) else None,
        "appraised": points(appr_sum),
        "meets_min": counted >= minimum,
        "indicators": [_indicator(i, ev) for i in c.indicators],
    }


def score_table(ev: Evaluation, cat: Catalog) -> list[dict[str, Any]]:
    return [_criterion(c, ev, cat) for c in cat.criteria]


def assessment_of(ev: Evaluation, cat: Catalog) -> tuple[str, Assessment]:
    """(``"appraised"`` | ``"self"``, the recognition test on those scores)."""
    if ev.appraised is not None:
        return "appraised", assess(cat, ev.appraised, ev.disqualified)
    return "self", assess(cat, self_points(ev), ev.disqualified)


def totals(
    ev: Evaluation, cat: Catalog, counted: tuple[str, Assessment] | None = None
) -> dict[str, Any]:
    basis, a = counted or assessment_of(ev, cat)
    th = cat.thresholds
    return {
        "basis": basis,
        "self": points(sum(self_points(ev).values(), Decimal(0))),
        "appraised": points(sum(ev.appraised.values(), Decimal(0))) if ev.appraised else None,
        "total": points(a.total),
        "max": points(cat.max_total),
        "total_min": points(th.total_min.value),
        "total_min_provisional": th.total_min.provisional,
        "criterion_min_ratio": points(th.criterion_min_ratio.value),
        "meets_total": a.meets_total,
        "failing_criteria": list(a.failing_criteria),
        "disqualified": a.disqualified,
    }


def eligibility(
    ev: Evaluation, cat: Catalog, counted: tuple[str, Assessment] | None = None
) -> dict[str, Any]:
    """Whether the counted scores meet the recognition conditions, and why not."""
    basis, a = counted or assessment_of(ev, cat)
    return {
        "basis": basis,
        "meets": a.meets,
        "reasons": [{"code": r.code, "vi": r.vi, "en": r.en, "cite": r.cite} for r in a.reasons],
    }
