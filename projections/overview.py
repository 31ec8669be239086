"""Toàn tỉnh (province overview): every commune-level unit of a year, and the units list."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from projections.fastpath import Chains
from projections.format import points
from projections.scores import assessment_of, self_points
from projections.status import context, stage_of
from verify.process.officials import Unit
from verify.process.registry import RegistryState as Registry

MEETING = {"recognised"}
NOT_MEETING = {"not_recognised", "revoked"}


def unit_doc(u: Unit) -> dict[str, Any]:
    return {
        "code": u.code,
        "name": u.name,
        "kind": u.kind,
        "level": u.level,
        "district": u.district,
        "province": u.province,
        "valid_from": u.valid_from,
        "valid_until": u.valid_until,
        "successor": u.successor,
    }


def units(ledger: Chains, level: str | None = None) -> list[dict[str, Any]]:
    reg = ledger.registry()
    if reg is None:
        return []
    found = (u for u in reg.units.values() if level is None or u.level == level)
    return [unit_doc(u) for u in sorted(found, key=lambda u: u.code)]


def valid_in(u: Unit, year: int) -> bool:
    """The unit existed on some day of ``year`` (ISO dates compare as text)."""
    return (u.valid_from is None or u.valid_from[:10] <= f"{year}-12-31") and (
        u.valid_until is None or u.valid_until[:10] >= f"{year}-01-01"
    )


def communes_of(ledger: Chains, year: int) -> list[Unit]:
    """Commune-level units as they stood on 31/12 of ``year`` (the evaluation's end).

    A code that outlives the 2025 reform has two registered versions; the one valid
    that day counts (``unit_in_force``)."""
    reg = ledger.registry()
    if reg is None:
        return []
    found = [u for code in reg.unit_history if (u := unit_in_force(reg, code, year))]
    return sorted(
        (u for u in found if u.level == "commune"), key=lambda u: (u.district or "", u.code)
    )


def unit_in_force(reg: Registry, code: str, year: int) -> Unit | None:
    """The version of unit ``code`` valid on 31/12/``year``, if any."""
    day = f"{year}-12-31"
    for u in reversed(reg.unit_history.get(code, [])):
        if (u.valid_from is None or u.valid_from[:10] <= day) and (
            u.valid_until is None or u.valid_until[:10] >= day
        ):
            return u
    return None


def unit_summary(ledger: Chains, u: Unit, year: int) -> dict[str, Any]:
    reg = ledger.registry()
    district = reg.unit_in(u.district, year) if reg is not None and u.district else None
    row: dict[str, Any] = {
        "code": u.code,
        "name": u.name,
        "kind": u.kind,
        "district": {"code": u.district, "name": district.name if district else None},
        "stage": None,
        "self_total": None,
        "appraised_total": None,
        "meets": None,
    }
    ctx = context(ledger, u.code, year)
    if ctx is None:
        return row
    ev, _, cat, rnd = ctx
    basis, a = assessment_of(ev, cat)
    row.update(
        stage=stage_of(ev, rnd),
        self_total=points(sum(self_points(ev).values(), Decimal(0))) if ev.self_scores else None,
        appraised_total=points(a.total) if basis == "appraised" else None,
        meets=a.meets if basis == "appraised" else None,
    )
    return row


def province_overview(ledger: Chains, year: int) -> list[dict[str, Any]]:
    """One row per commune-level unit registered and valid in ``year``."""
    return [unit_summary(ledger, u, year) for u in communes_of(ledger, year)]


def counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Units meeting, not meeting (decided or revoked), pending, and without a dossier."""
    return {
        "total": len(rows),
        "meeting": sum(r["stage"] in MEETING for r in rows),
        "not_meeting": sum(r["stage"] in NOT_MEETING for r in rows),
        "pending": sum(
            r["stage"] is not None and r["stage"] not in MEETING | NOT_MEETING for r in rows
        ),
        "no_evaluation": sum(r["stage"] is None for r in rows),
    }


def years_with_data(ledger: Chains, now: datetime | None = None) -> list[int]:
    """Years (newest first) in which at least one unit has an evaluation.

    Candidate years are those of the registry's catalogs, up to the current year.
    """
    reg = ledger.registry()
    if reg is None:
        return []
    this_year = (now or datetime.now(UTC)).year
    candidates: set[int] = set()
    for cat in reg.catalogs.values():
        last = min(cat.year_to or this_year, this_year)
        candidates.update(range(cat.year_from, last + 1))
    return [
        y
        for y in sorted(candidates, reverse=True)
        if any(ledger.evaluation(u.code, y) is not None for u in communes_of(ledger, y))
    ]
