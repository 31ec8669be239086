"""Catalog documents written back, and corrections (đính chính) as new catalog versions.

``catalog_to_doc`` is the exact inverse of ``load_catalog``; ``apply_correction`` replaces
values by dotted path and validates the result as a whole.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import fields
from decimal import Decimal
from fractions import Fraction
from typing import Any

from verify.law.catalog import (
    _FROZEN_KEYS,
    _PROV_KEYS,
    Authority,
    Catalog,
    Indicator,
    InputSpec,
    MonthDay,
    Provenanced,
    Rules,
    Thresholds,
    _fail,
    _need,
    dec_str,
    load_catalog,
)


def _enc(v: Any) -> Any:
    if isinstance(v, Decimal):
        return dec_str(v)
    if isinstance(v, Fraction):
        return str(v)
    if isinstance(v, MonthDay):
        return {"month": v.month, "day": v.day}
    return v


def _p(p: Provenanced[Any]) -> dict[str, Any]:
    return {"value": _enc(p.value), "status": p.status, "source": p.source}


def _meta(p: Provenanced[None]) -> dict[str, str]:
    return {"status": p.status, "source": p.source}


def _input_doc(s: InputSpec) -> dict[str, Any]:
    d: dict[str, Any] = {"kind": s.kind, "provenance": _meta(s.provenance)}
    if s.linear:
        d["linear"] = True
    if s.bands:
        d["bands"] = [
            {"min_percent": dec_str(b.min_percent), "points": dec_str(b.points)} for b in s.bands
        ]
        d["band_scale_max"] = _enc(s.band_scale_max)
    if s.items:
        d["items"] = [
            {"id": i.id, "name_vi": i.name_vi, "name_en": i.name_en}
            | ({} if i.points is None else {"points": dec_str(i.points)})
            for i in s.items
        ]
    return d


def catalog_to_doc(catalog: Catalog) -> dict[str, Any]:
    """The catalog document; ``load_catalog(catalog_to_doc(c)) == c``."""

    def ind(i: Indicator) -> dict[str, Any]:
        return {
            "id": i.id, "name_vi": i.name_vi, "name_en": i.name_en, "max_points": _p(i.max_points),
            "input": _input_doc(i.input), "not_arising": _p(i.not_arising), "provenance": _meta(i.provenance),
        }  # fmt: skip

    return {
        "catalog_id": catalog.catalog_id, "version": catalog.version,
        "title_vi": catalog.title_vi, "title_en": catalog.title_en, "regime": catalog.regime,
        "years": {"from": catalog.year_from, "to": catalog.year_to},
        "legal_basis": list(catalog.legal_basis),
        "authority": {f.name: _p(getattr(catalog.authority, f.name)) for f in fields(Authority)},
        "thresholds": {f.name: _p(getattr(catalog.thresholds, f.name)) for f in fields(Thresholds)},
        "rules": {f.name: _p(getattr(catalog.rules, f.name)) for f in fields(Rules)},
        "criteria": [
            {"id": c.id, "name_vi": c.name_vi, "name_en": c.name_en, "max_points": _p(c.max_points),
             "indicators": [ind(i) for i in c.indicators], "provenance": _meta(c.provenance)}
            for c in catalog.criteria
        ],
    }  # fmt: skip


def _step(node: Any, tokens: list[str], path: str) -> tuple[Any, list[str]]:
    """Go one level down: a dict key, or in a list the item whose id is the longest prefix."""
    if isinstance(node, dict) and tokens[0] in node:
        return node[tokens[0]], tokens[1:]
    for n in range(len(tokens), 0, -1) if isinstance(node, list) else ():
        for item in node:
            if isinstance(item, dict) and item.get("id") == ".".join(tokens[:n]):
                return item, tokens[n:]
    _fail(path, "path")


def apply_correction(catalog: Catalog, changes: Mapping[str, Any]) -> Catalog:
    """Đính chính (correction): a new catalog, version + 1, with the given values replaced.

    Keys are dotted paths into the document ("criteria.TC2.indicators.TC2.1.max_points",
    "thresholds.total_min", "rules.council_majority") or start at a criterion or indicator
    id ("TC2.1.max_points"). A provenanced value is replaced by a whole provenanced object
    ``{"value", "status", "source"}``; other values by one of the same JSON type. Ids,
    ``catalog_id``, ``version`` and ``regime`` cannot change. All changes apply together,
    then the result is validated as a whole (so maxima that must still sum move together).
    """
    _need(bool(changes), "(changes)", "empty")
    doc = catalog_to_doc(catalog)
    for path, new in changes.items():
        node, tokens = doc, path.split(".")
        if tokens[0] not in doc:  # starts at a criterion or indicator id
            items = doc["criteria"] + [i for c in doc["criteria"] for i in c["indicators"]]
            node, tokens = _step(items, tokens, path)
        while len(tokens) > 1:
            node, tokens = _step(node, tokens, path)
        ok = len(tokens) == 1 and isinstance(node, dict) and tokens[0] in node
        # a provenanced value is replaced whole, never its parts
        _need(ok and node.keys() != _PROV_KEYS and tokens[0] not in _FROZEN_KEYS, path, "path")
        old = node[tokens[0]]
        was_prov = isinstance(old, dict) and old.keys() == _PROV_KEYS
        is_prov = isinstance(new, dict) and new.keys() == _PROV_KEYS
        same_type = type(new) is type(old) or old is None or new is None  # e.g. years.to
        _need(was_prov == is_prov and (is_prov or same_type), path, "shape")
        node[tokens[0]] = copy.deepcopy(new)
    doc["version"] = catalog.version + 1
    return load_catalog(doc)
