"""Lịch sử đánh giá (a unit's history) across years and across the 2025 mergers.

Since 01/07/2025 many communes were merged (DOMAIN.md §6): the merged unit keeps one of
the old codes and the others close. The registry carries each legacy unit's
``successor`` (from ``vietnamadminunits``' 2025 conversion), so a legacy unit's record
follows it to the unit that absorbed it: the history of a current unit lists its own
years (Decision 27/2025) and, before them, every year of every unit it absorbed
(Decision 25/2021), each row naming the unit as it was evaluated.
"""

from __future__ import annotations

from typing import Any

from verify.process.officials import Unit
from verify.process.registry import RegistryState


def predecessors(reg: RegistryState) -> dict[str, list[str]]:
    """Current unit code -> the legacy unit codes it absorbed (itself when its code lived on)."""
    out: dict[str, set[str]] = {}
    for code, versions in reg.unit_history.items():
        for u in versions:
            if u.level == "commune" and u.successor:
                out.setdefault(u.successor, set()).add(code)
    return {k: sorted(v) for k, v in out.items()}


def lineage_head(reg: RegistryState, code: str) -> str:
    """The unit whose history shows ``code``'s record: its successor, else itself."""
    for u in reversed(reg.unit_history.get(code, [])):
        if u.successor:
            return u.successor
    return code


def _unit(u: Unit | None, code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": u.name if u else None,
        "kind": u.kind if u else None,
        "district": u.district if u else None,
        "province": u.province if u else None,
        "valid_from": u.valid_from if u else None,
        "valid_until": u.valid_until if u else None,
        "successor": u.successor if u else None,
    }


def history_row(doc: dict[str, Any]) -> dict[str, Any]:
    """One year of one unit, from its evaluation status document."""
    dec = doc.get("decision") or {}
    return {
        "year": doc["year"],
        "unit": {"code": doc["unit"]["code"], "name": doc["unit"]["name"]},
        "regime": doc["catalog"]["regime"],
        "catalog": {"id": doc["catalog"]["id"], "version": doc["catalog"]["version"]},
        "stage": doc["stage"],
        "self_total": doc["totals"]["self"],
        "appraised_total": doc["totals"]["appraised"],
        "max": doc["totals"]["max"],
        "meets": doc["eligibility"]["meets"] if doc["totals"]["basis"] == "appraised" else None,
        "decision_no": dec.get("decision_no"),
        "listed": dec.get("listed"),
        "round_unit": (doc.get("council") or {}).get("round_unit"),
        "findings": len(doc["findings"]),
        "corrected": doc.get("correction") is not None,
    }


def unit_history(
    reg: RegistryState,
    code: str,
    by_unit: dict[str, list[dict[str, Any]]],
    preds: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The history document of ``code``: its own years and those of the units it absorbed.

    ``by_unit`` maps a unit code to its evaluation status documents; ``preds`` is
    ``predecessors(reg)`` (computed once for many units)."""
    preds = predecessors(reg) if preds is None else preds
    head = lineage_head(reg, code)
    lineage = sorted({code, *preds.get(code, [])})
    rows = [
        history_row(doc) | {"via": "self" if unit == code else "predecessor"}
        for unit in lineage
        for doc in by_unit.get(unit, [])
    ]
    rows.sort(key=lambda r: (r["year"], r["unit"]["code"]))
    current = reg.unit_history.get(code, [])
    return {
        "unit": _unit(current[-1] if current else None, code),
        "continued_by": head if head != code else None,
        "absorbed": [c for c in lineage if c != code],
        "regimes": sorted({r["regime"] for r in rows}),
        "years": rows,
    }
