"""Bộ tiêu chí đang áp dụng (the catalog in force) for a year, and what corrections changed.

A ``CatalogCorrected`` event makes a new catalog version for the years it names
(``verify.process.registry``). The read models score under the version in force and mark
every value that differs from the published version, so a reader sees both what the law
says now and what it said when the officials acted.
"""

from __future__ import annotations

from typing import Any

from projections.format import instant, points
from verify.errors import LocalizedError
from verify.law.catalog import Catalog
from verify.law.scoring import assess
from verify.process.evaluation import EvaluationState
from verify.process.registry import RegistryState


def published_base(reg: RegistryState, cat: Catalog) -> Catalog:
    """The highest version published whole (not by a correction) up to ``cat``'s version."""
    scope = reg.catalog_scope.get(cat.catalog_id, {})
    versions = [v for v, years in scope.items() if years is None and v <= cat.version]
    base = reg.catalog_version(cat.catalog_id, max(versions)) if versions else None
    return base or cat


def corrections_for(reg: RegistryState, cat: Catalog, year: int) -> list[dict[str, Any]]:
    """The signed corrections that shaped the version in force for ``year``, oldest first."""
    base = published_base(reg, cat)
    return [
        {
            "version": c["version"],
            "from_version": c["from_version"],
            "legal_basis": c["legal_basis"],
            "years": list(c["years"]),
            "paths": sorted(c["changes"]),
            "signed": instant(c["time"]),
            "envelope_hash": c["hash"],
        }
        for c in reg.corrections
        if c["catalog_id"] == cat.catalog_id
        and base.version < c["version"] <= cat.version
        and year in c["years"]
    ]


def catalog_block(reg: RegistryState, cat: Catalog, year: int) -> dict[str, Any]:
    th = cat.thresholds
    provisional = (
        th.total_min.provisional
        or th.criterion_min_ratio.provisional
        or any(c.max_points.provisional for c in cat.criteria)
        or any(i.max_points.provisional for i in cat.indicators)
    )
    return {
        "id": cat.catalog_id,
        "version": cat.version,
        "published_version": published_base(reg, cat).version,
        "title_vi": cat.title_vi,
        "title_en": cat.title_en,
        "regime": cat.regime,
        "legal_basis": list(cat.legal_basis),
        "provisional": provisional,
        "corrections": corrections_for(reg, cat, year),
    }


def changed_values(base: Catalog, cat: Catalog) -> list[dict[str, Any]]:
    """Maxima and thresholds that differ between two versions of one catalog."""
    out: list[dict[str, Any]] = []
    for c in cat.criteria:
        old = base.criterion(c.id)
        if old.max_points.value != c.max_points.value:
            out.append({"id": c.id, "what": "max", "before": points(old.max_points.value),
                        "after": points(c.max_points.value)})  # fmt: skip
        for i in c.indicators:
            was = base.indicator(i.id)
            if was.max_points.value != i.max_points.value:
                out.append({"id": i.id, "what": "max", "before": points(was.max_points.value),
                            "after": points(i.max_points.value)})  # fmt: skip
    for name in ("total_min", "criterion_min_ratio"):
        a, b = getattr(base.thresholds, name).value, getattr(cat.thresholds, name).value
        if a != b:
            out.append({"id": name, "what": "threshold", "before": points(a), "after": points(b)})
    return out


def assessment_doc(cat: Catalog, ev: EvaluationState) -> dict[str, Any] | None:
    """Total and eligibility of the counted scores under ``cat`` (None: not assessable,
    e.g. a score above a lowered maximum)."""
    scores = ev.appraised if ev.appraised is not None else {
        k: v["points"] for k, v in ev.self_scores.items()
    }  # fmt: skip
    try:
        a = assess(cat, scores, ev.disqualified)
    except LocalizedError:
        return None
    return {
        "catalog_version": cat.version,
        "total": points(a.total),
        "meets": a.meets,
        "failing_criteria": list(a.failing_criteria),
    }


def correction_marks(
    reg: RegistryState, ev: EvaluationState, cat: Catalog, year: int
) -> dict[str, Any] | None:
    """What the corrections in force changed for this unit-year; None if nothing."""
    base = published_base(reg, cat)
    if base.version == cat.version:
        return None
    before, after = assessment_doc(base, ev), assessment_doc(cat, ev)
    return {
        "published_version": base.version,
        "version": cat.version,
        "values": changed_values(base, cat),
        "before": before,
        "after": after,
        "outcome_changed": before is None
        or after is None
        or (before["total"], before["meets"]) != (after["total"], after["meets"]),
    }
