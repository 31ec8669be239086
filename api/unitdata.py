"""Administrative units from the two PyPI packages, as plain data.

Sources (the only module that reads them):

- ``vietnam-provinces``: current units since 01/07/2025 (34 provinces, 3,321 communes),
  two levels, GSO codes. It carries no legacy units and no lineage.
- ``vietnamadminunits``: ``data/dataset.db`` table ``admin_units_legacy`` holds the legacy
  three-level hierarchy (63 provinces, districts, ~10,035 communes) with GSO codes;
  ``data/converter_2025.json`` (the data behind ``convert_address``) maps each legacy
  (province, district, commune) key to the new commune key(s) that absorbed it.

The converter names new communes by key only, and this package's own current codes differ
from ``vietnam-provinces`` for ~114 communes. So a successor is resolved by name: the new key
gives the package's current commune name, which is matched within the province to a
``vietnam-provinces`` commune, comparing names case-, space-, punctuation- and
tone-placement-insensitively ("Thuỷ" = "Thủy"). Limits: a legacy commune split among several
new communes has as successor the one the package marks as default (``successors_of`` lists
all parts); names the match cannot resolve give no successor.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vietnam_provinces import Province, VietNamDivisionType, Ward

NEW_FROM = "2025-07-01"
OLD_UNTIL = "2025-06-30"

_CURRENT_KINDS = {
    VietNamDivisionType.XA: "xa",
    VietNamDivisionType.PHUONG: "phuong",
    VietNamDivisionType.DAC_KHU: "dac_khu",
}
_LEGACY_KINDS = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran"}
# Tone marks only; vowel-quality marks (circumflex, breve, horn) stay part of the letter.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str  # "xa" | "phuong" | "thi_tran" | "dac_khu" | "district" | "province"
    level: str  # "commune" | "district" | "province"
    district_code: str | None
    province_code: str
    valid_from: str | None
    valid_until: str | None
    successor: str | None  # code of the unit this one continues into (may be its own)


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name)).strip()


def _name_key(name: str) -> str:
    """Comparison key: casefolded, ASCII punctuation, each word's tone moved to its end."""
    text = _clean(name).casefold().replace("\u2019", "'").replace("\u2013", "-")
    text = re.sub(r"\s*-\s*", "-", text)
    words = []
    for word in text.split(" "):
        nfd = unicodedata.normalize("NFD", word)
        tone = "".join(ch for ch in nfd if ch in _TONES)
        base = "".join(ch for ch in nfd if ch not in _TONES)
        words.append(unicodedata.normalize("NFC", base) + tone)
    return " ".join(words)


def _fix_prefix(name: str, prefix: str) -> str:
    """'Thị Trấn Năm Căn' -> 'Thị trấn Năm Căn' (the package's type word is canonical)."""
    if name.casefold().startswith(prefix.casefold() + " "):
        return prefix + name[len(prefix) :]
    return name


# --- current units (vietnam-provinces) ---------------------------------------------------


@lru_cache(maxsize=1)
def _current() -> dict[str, tuple[Unit, tuple[Unit, ...]]]:
    out: dict[str, tuple[Unit, tuple[Unit, ...]]] = {}
    for p in Province.iter_all():
        pcode = f"{int(p.code):02d}"
        pname = _clean(p.name)
        if p.division_type == VietNamDivisionType.TINH:
            pname = f"Tỉnh {pname}"
        prov = Unit(pcode, pname, "province", "province", None, pcode, NEW_FROM, None, None)
        communes = sorted(
            (
                Unit(
                    f"{int(w.code):05d}",
                    _clean(w.name),
                    _CURRENT_KINDS[w.division_type],
                    "commune",
                    None,
                    pcode,
                    NEW_FROM,
                    None,
                    None,
                )
                for w in Ward.iter_by_province(p.code)
            ),
            key=lambda u: u.code,
        )
        out[pcode] = (prov, tuple(communes))
    return out


def current_province(code: str) -> tuple[Unit, list[Unit]]:
    """The current province and its communes, sorted by code. KeyError if unknown."""
    prov, communes = _current()[code]
    return prov, list(communes)


def all_current_communes() -> list[Unit]:
    return sorted((u for _, cs in _current().values() for u in cs), key=lambda u: u.code)


# --- legacy units and lineage (vietnamadminunits) ----------------------------------------


def _vau_data() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")  # locate without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("vietnamadminunits")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _query(sql: str) -> list[tuple[str, ...]]:
    con = sqlite3.connect(f"file:{_vau_data() / 'dataset.db'}?mode=ro", uri=True)
    try:
        return [tuple(str(v or "") for v in row) for row in con.execute(sql)]
    finally:
        con.close()


@lru_cache(maxsize=1)
def _lineage() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """(legacy key -> new commune codes, default first; legacy province key -> new code)."""
    by_name = {
        (u.province_code, _name_key(u.name)): u.code for _, cs in _current().values() for u in cs
    }
    new_code: dict[tuple[str, str], str] = {}  # (new province key, new commune key) -> code
    new_prov: dict[str, str] = {}
    for pcode, pkey, wkey, wname in _query(
        "SELECT provinceCode, provinceKey, wardKey, ward FROM admin_units"
    ):
        new_prov[pkey] = pcode
        code = by_name.get((pcode, _name_key(wname)))
        if code is not None:
            new_code[(pkey, wkey)] = code
    conv = json.loads((_vau_data() / "converter_2025.json").read_text(encoding="utf-8"))
    succ: dict[str, tuple[str, ...]] = {}
    for pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, olds in wards.items():
            if (pkey, wkey) in new_code:
                for old in olds:
                    succ[old] = (new_code[(pkey, wkey)],)
    for pkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            ordered = sorted(parts, key=lambda p: not p["isDefaultNewWard"])
            codes = [new_code.get((pkey, p["newWardKey"])) for p in ordered]
            if codes and codes[0] is not None:
                succ[old] = tuple(c for c in codes if c is not None)
    prov_succ = {old: new_prov[new] for new, olds in conv["DICT_PROVINCE"].items() for old in olds}
    return succ, prov_succ


@lru_cache(maxsize=1)
def _legacy() -> tuple[
    dict[str, tuple[Unit, tuple[Unit, ...], tuple[Unit, ...]]], dict[str, tuple[str, ...]]
]:
    succ, prov_succ = _lineage()
    rows = _query(
        "SELECT provinceCode, provinceKey, province, districtCode, districtKey, district,"
        " wardCode, wardKey, ward, wardType FROM admin_units_legacy ORDER BY wardCode"
    )
    provs: dict[str, Unit] = {}
    districts: dict[str, dict[str, Unit]] = {}
    communes: dict[str, list[Unit]] = {}
    by_code: dict[str, tuple[str, ...]] = {}
    for pcode, pkey, pname, dcode, dkey, dname, wcode, wkey, wname, wtype in rows:
        if pcode not in provs:
            nxt = prov_succ.get(pkey)
            until = None if nxt == pcode else OLD_UNTIL
            provs[pcode] = Unit(
                pcode, _clean(pname), "province", "province", None, pcode, None, until, nxt
            )
            districts[pcode], communes[pcode] = {}, []
        if dcode not in districts[pcode]:
            # Districts were abolished; one with no communes (an island) became a đặc khu.
            island = succ.get(f"{pkey}_{dkey}_", (None,))[0]
            districts[pcode][dcode] = Unit(
                dcode, _clean(dname), "district", "district", None, pcode, None, OLD_UNTIL, island
            )
        if not wcode:
            continue
        parts = succ.get(f"{pkey}_{dkey}_{wkey}", ())
        by_code[wcode] = parts
        nxt = parts[0] if parts else None
        communes[pcode].append(
            Unit(
                wcode,
                _fix_prefix(_clean(wname), wtype),
                _LEGACY_KINDS[wtype],
                "commune",
                dcode,
                pcode,
                None,
                None if nxt == wcode else OLD_UNTIL,
                nxt,
            )
        )
    table = {
        p: (
            provs[p],
            tuple(sorted(districts[p].values(), key=lambda u: u.code)),
            tuple(communes[p]),
        )
        for p in provs
    }
    return table, by_code


def legacy_province(code: str) -> tuple[Unit, list[Unit], list[Unit]]:
    """The province as before 01/07/2025, its districts and communes (sorted by code)."""
    prov, districts, communes = _legacy()[0][code]
    return prov, list(districts), list(communes)


def successor_of(legacy_commune_code: str) -> str | None:
    """Current commune that absorbed the legacy commune (itself if its code lives on)."""
    parts = _legacy()[1].get(legacy_commune_code)
    return parts[0] if parts else None


def successors_of(legacy_commune_code: str) -> list[str]:
    """Every current commune that received part of the legacy commune, default first."""
    return list(_legacy()[1].get(legacy_commune_code, ()))


def legacy_province_codes() -> list[str]:
    """The 63 province codes before 01/07/2025."""
    return sorted(_legacy()[0])
