"""The projector: from the chains' state to every read-model document.

Read models (``NAMES``), each keyed by text:

- ``evaluations`` ``{unit}/{year}``: the evaluation status (``projections.status``);
- ``findings`` ``{unit}/{year}``: the findings register, unit-years with findings only;
- ``history`` ``{unit}``: a unit's years across the 2025 mergers (``projections.history``);
- ``dashboards`` ``{province or district}/{year}`` (``projections.dashboard``);
- ``reports`` ``08/{round unit}/{year}``, ``09/{district}/{year}``, ``10/{province}/{year}``
  (``projections.reports``).

``compute(touched)`` recomputes only what the envelopes fed since the last call can have
changed; ``compute(None)`` recomputes everything (a rebuild). Documents are plain JSON;
``canonical`` gives the one text that is stored and hashed into the digest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson

from projections.dashboard import dashboard, unit_row
from projections.fastpath import TrustedReplay
from projections.history import lineage_head, predecessors, unit_history
from projections.overview import communes_of, unit_in_force
from projections.reports import form08, form09, form10
from projections.status import evaluation_status
from verify.process.officials import Unit
from verify.process.registry import RegistryState

NAMES = ("evaluations", "findings", "history", "dashboards", "reports")
Changes = dict[str, dict[str, dict[str, Any] | None]]  # name -> key -> doc (None: deleted)
Touched = set[tuple[str, str, int | None]]
# registry events after which everything is recomputed (names, catalogs, calendars)
_GLOBAL = {"LedgerInitialised", "UnitsRegistered", "CatalogPublished", "CatalogCorrected",
           "CalendarPublished"}  # fmt: skip


def canonical(doc: Any) -> str:
    """The stored text of a document: sorted keys, no spaces, UTF-8 (no floats exist).

    orjson gives the same text as ``json.dumps(sort_keys=True, ensure_ascii=False,
    separators=(",", ":"))`` at a third of the cost (tested); what it refuses (non-text
    keys, lone surrogates, huge integers) goes through ``json`` as before."""
    try:
        return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Projector:
    """``scope``: compute only the documents of these provinces (a parallel rebuild's
    share, ``projections.parallel``); the chains then hold only those provinces' events."""

    def __init__(self, chains: TrustedReplay | None = None, scope: set[str] | None = None) -> None:
        self.chains = chains or TrustedReplay()
        self.evals: dict[tuple[str, int], dict[str, Any]] = {}
        self.scope = scope

    def feed(self, rows: Iterable[tuple[str | None, bytes]]) -> int:
        return self.chains.feed_all(rows)

    @property
    def reg(self) -> RegistryState:
        assert self.chains.reg is not None
        return self.chains.reg

    # -- what changed ------------------------------------------------------------------
    def compute(self, touched: Touched | None) -> Changes:
        ch: Changes = {n: {} for n in NAMES}
        if self.chains.reg is None:
            return ch
        if touched is None or any(k == "registry" and t in _GLOBAL for k, t, _ in touched):
            dirty = set(self.chains.evaluations)
            rounds = set(self.chains.rounds)
            full = True
        else:
            dirty = {(u, y) for k, u, y in touched if k == "evaluation" and y is not None}
            rounds = {(u, y) for k, u, y in touched if k == "round" and y is not None}
            for r, y in rounds:
                dirty.update((u, y) for u in self.chains.units_of_round(r, y))
            full = False
        for u, y in sorted(dirty):
            doc = evaluation_status(self.chains, u, y)
            key = f"{u}/{y}"
            if doc is None:
                continue
            self.evals[(u, y)] = doc
            ch["evaluations"][key] = doc
            reg_doc = _findings_doc(doc)
            if reg_doc is not None or not full:
                ch["findings"][key] = reg_doc
        rounds |= {(self.chains.round_of.get(k, ""), k[1]) for k in dirty}
        years = {y for _, y in dirty} | {y for _, y in rounds}
        self._derived(ch, dirty, rounds, years, full)
        return ch

    def _derived(
        self,
        ch: Changes,
        dirty: set[tuple[str, int]],
        rounds: set[tuple[str, int]],
        years: set[int],
        full: bool,
    ) -> None:
        reg = self.reg
        by_year: dict[int, dict[str, dict[str, Any]]] = {}
        for (u, y), doc in self.evals.items():
            by_year.setdefault(y, {})[u] = doc
        for y in sorted(years):
            cat = reg.catalog_for_year(y)
            if cat is None:
                continue
            communes = communes_of(self.chains, y)
            docs = by_year.get(y, {})
            touched_units = {u for u, yy in dirty if yy == y}
            districts: dict[str, list[Unit]] = {}
            provinces: dict[str, list[Unit]] = {}
            for c in communes:
                provinces.setdefault(c.province, []).append(c)
                if c.district:
                    districts.setdefault(c.district, []).append(c)
            district_level = cat.authority.level.value == "district"
            if self.scope is not None:
                provinces = {p: m for p, m in provinces.items() if p in self.scope}
                districts = {d: m for d, m in districts.items() if m[0].province in self.scope}
            for code, members in sorted(provinces.items()):
                prov = unit_in_force(reg, code, y) or reg.unit_in(code, y)
                if prov is None:
                    continue
                ch["dashboards"][f"{code}/{y}"] = self._dashboard(prov, y, members, docs)
                ch["reports"][f"10/{code}/{y}"] = form10(reg, prov, y, cat, members, docs)
            for code, members in sorted(districts.items()) if district_level else ():
                if not full and not touched_units & {m.code for m in members}:
                    continue
                dist = reg.unit_in(code, y)
                if dist is None:
                    continue
                ch["dashboards"][f"{code}/{y}"] = self._dashboard(dist, y, members, docs)
                rnd = self.chains.round(code, y)
                ch["reports"][f"09/{code}/{y}"] = form09(reg, dist, y, cat, members, docs, rnd)
        for r, y in sorted(rounds):
            rnd = self.chains.round(r, y)
            if rnd is not None and rnd.decision is not None:
                round_docs = {
                    u: d for u in self.chains.units_of_round(r, y) if (d := self.evals.get((u, y)))
                }
                ch["reports"][f"08/{r}/{y}"] = form08(reg, rnd, round_docs)
        self._histories(ch, {u for u, _ in dirty}, full)

    def _dashboard(
        self, unit: Unit, year: int, members: list[Unit], docs: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        reg = self.reg
        names: dict[str, str | None] = {}
        rows = []
        for m in members:
            if m.district and m.district not in names:
                d = reg.unit_in(m.district, year)
                names[m.district] = d.name if d else None
            rows.append(unit_row(m, docs.get(m.code), names.get(m.district or "")))
        return dashboard(unit, year, rows, [docs[m.code] for m in members if m.code in docs])

    def _histories(self, ch: Changes, units: set[str], full: bool) -> None:
        reg = self.reg
        preds = predecessors(reg)
        by_unit: dict[str, list[dict[str, Any]]] = {}
        for (u, _), doc in self.evals.items():
            by_unit.setdefault(u, []).append(doc)
        if full:
            keys = set(by_unit) | {lineage_head(reg, u) for u in by_unit}
            keys |= {c for c, vs in reg.unit_history.items() if vs[-1].level == "commune"
                     and vs[-1].valid_until is None
                     and (self.scope is None or vs[-1].province in self.scope)}  # fmt: skip
        else:
            keys = units | {lineage_head(reg, u) for u in units}
        for code in sorted(keys):
            ch["history"][code] = unit_history(reg, code, by_unit, preds)


def _findings_doc(doc: dict[str, Any]) -> dict[str, Any] | None:
    """Sổ theo dõi phát hiện (findings register) entry of one unit-year."""
    if not doc["findings"]:
        return None
    return {
        "unit": doc["unit"],
        "year": doc["year"],
        "stage": doc["stage"],
        "round_unit": (doc.get("council") or {}).get("round_unit"),
        "catalog_version": doc["catalog"]["version"],
        "findings": doc["findings"],
    }
