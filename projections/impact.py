"""Đánh giá tác động của việc đính chính (impact of a criteria correction).

Replays the signed history (the trusted fast path) and assesses every unit-year the
correction applies to twice: under the catalog it corrects ("before") and under the
corrected one ("after"). A unit-year is reported when its counted total, its
eligibility or its findings change. Signed decisions stay what they were — a ledger
never rewrites them — but the report says which ones the correction now contradicts:
a unit on the "meeting" list that no longer meets the conditions, or one on the
"not meeting" list that now does.

The correction is either one already signed (``--catalog-version V``) or a change set
not yet signed (``--correction FILE``: ``{"catalog_id", "changes", "years",
"legal_basis"}``), checked exactly as the registry would check it.
"""

from __future__ import annotations

from typing import Any

from projections.fastpath import TrustedReplay
from projections.format import instant
from verify.errors import LocalizedError
from verify.law.catalog import Catalog, dec_str
from verify.law.rules import evaluation_findings
from verify.law.scoring import assess
from verify.process.evaluation import EvaluationState
from verify.process.registry import RegistryState
from verify.process.round import RoundState
from verify.refusals import BadEvent, CatalogError


def signed_correction(reg: RegistryState, catalog_id: str | None, version: int) -> dict[str, Any]:
    """The signed ``CatalogCorrected`` that made ``version`` (of ``catalog_id`` if given)."""
    for c in reg.corrections:
        if c["version"] == version and catalog_id in (None, c["catalog_id"]):
            return c
    raise CatalogError(
        f"no signed correction made catalog version {version}",
        f"không có việc đính chính đã ký nào tạo ra phiên bản {version} của bộ tiêu chí",
        version=version,
    )


def proposed(reg: RegistryState, doc: dict[str, Any]) -> tuple[Catalog, Catalog, list[int]]:
    """(before, after, years) of an unsigned correction file, checked as the registry would."""
    need = {"catalog_id", "changes", "years"}
    if not isinstance(doc, dict) or not need <= set(doc):
        raise BadEvent(
            "a correction file needs catalog_id, changes and years",
            "tệp đính chính cần catalog_id, changes và years",
        )
    ok = (
        isinstance(doc["catalog_id"], str)
        and isinstance(doc["changes"], dict)
        and isinstance(doc["years"], list)
        and all(isinstance(y, int) and not isinstance(y, bool) for y in doc["years"])
        and isinstance(doc.get("from_version", 0), int)
        and isinstance(doc.get("legal_basis", ""), str)
    )
    if not ok:
        raise BadEvent(
            "catalog_id must be text, changes an object, years a list of years, "
            "from_version a number",
            "catalog_id phải là văn bản, changes là đối tượng, years là danh sách năm, "
            "from_version là số",
        )
    versions = reg.catalog_versions.get(doc["catalog_id"], {})
    latest = max(versions) if versions else 0
    data = {
        "catalog_id": doc["catalog_id"],
        "from_version": doc.get("from_version", latest),
        "legal_basis": doc.get("legal_basis", "(chưa ký / not signed)"),
        "changes": doc["changes"],
        "years": doc["years"],
    }
    after = reg.corrected_catalog(data)
    return versions[data["from_version"]], after, sorted(doc["years"])


def _assess(cat: Catalog, ev: EvaluationState) -> dict[str, Any]:
    basis = "appraised" if ev.appraised is not None else "self"
    scores = ev.appraised if ev.appraised is not None else {
        k: v["points"] for k, v in ev.self_scores.items()
    }  # fmt: skip
    try:
        a = assess(cat, scores, ev.disqualified)
    except LocalizedError as e:
        return {"basis": basis, "total": None, "meets": None, "error": e.code, "reasons": []}
    return {
        "basis": basis,
        "total": dec_str(a.total),
        "meets": a.meets,
        "failing_criteria": list(a.failing_criteria),
        "reasons": [r.code for r in a.reasons],
    }


def _findings(ev: EvaluationState, rnd: RoundState | None, cat: Catalog, reg: RegistryState) -> list[str]:
    try:
        return sorted(f.code for f in evaluation_findings(ev, rnd, cat, reg.calendar))
    except LocalizedError as e:
        return [f"not_assessable:{e.code}"]


def impact(
    chains: TrustedReplay, before: Catalog, after: Catalog, years: list[int]
) -> dict[str, Any]:
    """Every unit-year of ``years`` whose score, eligibility or findings change."""
    reg = chains.registry()
    assert reg is not None
    rows: list[dict[str, Any]] = []
    contradicted: list[dict[str, Any]] = []
    considered = 0
    for (unit, year), ev in sorted(chains.evaluations.items()):
        if year not in years or ev.catalog_id != after.catalog_id:
            continue
        considered += 1
        rnd = chains.round(chains.round_of.get((unit, year), ""), year)
        b, a = _assess(before, ev), _assess(after, ev)
        fb, fa = _findings(ev, rnd, before, reg), _findings(ev, rnd, after, reg)
        if (b["total"], b["meets"]) == (a["total"], a["meets"]) and fb == fa:
            continue
        u = reg.unit_in(unit, year)
        row: dict[str, Any] = {
            "unit": unit,
            "name": u.name if u else None,
            "year": year,
            "before": b | {"findings": fb},
            "after": a | {"findings": fa},
            "eligibility_changed": b["meets"] != a["meets"],
            "decision": None,
        }
        dec = rnd.decision if rnd is not None else None
        if dec is not None and (unit in dec["meeting"] or unit in dec["not_meeting"]):
            listed = "meeting" if unit in dec["meeting"] else "not_meeting"
            clash = (listed == "meeting" and a["meets"] is False) or (
                listed == "not_meeting" and a["meets"] is True
            )
            row["decision"] = {
                "round_unit": rnd.unit if rnd else None,
                "decision_no": dec["decision_no"],
                "signed": instant(dec["time"]),
                "envelope_hash": rnd.hash_of("RecognitionDecided") if rnd else None,
                "listed": listed,
                "contradicted": clash,
            }
            if clash:
                contradicted.append({"unit": unit, "name": row["name"], "year": year} | row["decision"])
        rows.append(row)
    return {
        "catalog_id": after.catalog_id,
        "before_version": before.version,
        "after_version": after.version,
        "years": years,
        "unit_years_considered": considered,
        "changed": rows,
        "contradicted_decisions": contradicted,
    }
