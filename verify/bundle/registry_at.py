"""The registry as it stood at a log position.

A bundle carries the whole registry chain first, so that an evaluation can be judged
without holding the whole log in memory. But the ledger judged each envelope against the
registry *at that point in the log*: a key enrolled later did not exist yet, a key revoked
later was still valid (ADR 0004), a catalog version published later was not in force.
``RegistryAt`` is a ``RegistryState`` whose keys, unit versions and catalogs are filtered
by leaf index, so ``verify.process.judge`` runs unchanged on it and decides as the ledger
did: keys (enrolments, revocations), unit versions, catalog versions (published or
corrected) and the certificate evidence (CRLs). ``Positions`` records, while the registry
is replayed, where each fact entered it. A fact the registry gains must be filtered here
too, or an earlier envelope would be judged by a later fact.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from verify.law.catalog import Catalog, load_catalog
from verify.process.certificates import CertificateRecords
from verify.process.officials import KeyRecord, Unit
from verify.process.payload import Payload
from verify.process.registry import RegistryState, parse_official, parse_unit
from verify.x509_bundle import decode_chain
from verify.x509_info import spki_key_id


def enrolled_key_id(official: dict[str, Any]) -> str:
    """The key id an ``OfficialEnrolled`` enrols: a bare key's, or its certificate's."""
    if "certificate" in official:
        return spki_key_id(decode_chain(official["certificate"]["chain"])[0])
    return parse_official(official, 0).key_id


class Positions:
    """Leaf index at which each registry fact was recorded."""

    def __init__(self) -> None:
        self.enrolled: dict[str, int] = {}
        self.revoked: dict[str, int] = {}
        self.unit_pos: dict[str, list[int]] = {}
        self.catalogs: dict[str, list[tuple[int, Catalog]]] = {}
        self.versions: dict[str, list[tuple[int, int]]] = {}  # catalog id -> (index, version)
        self.crls: list[int] = []  # index of each RevocationListRecorded, in order

    def note(self, index: int, p: Payload, reg: RegistryState | None = None) -> None:
        """Call after the registry envelope at ``index`` was accepted and applied
        (``reg``: the registry just after it, for the version a correction made)."""
        d = p.data
        if p.type == "OfficialEnrolled":
            self.enrolled[enrolled_key_id(d["official"])] = index
        elif p.type == "KeyRevoked":
            self.revoked[d["key_id"]] = index
        elif p.type == "UnitsRegistered":
            for u in d["units"]:
                self.unit_pos.setdefault(parse_unit(u).code, []).append(index)
        elif p.type == "CatalogPublished":
            cat = load_catalog(d["catalog"])
            self.catalogs.setdefault(cat.catalog_id, []).append((index, cat))
            self.versions.setdefault(cat.catalog_id, []).append((index, cat.version))
        elif p.type == "CatalogCorrected" and reg is not None:
            made = max(reg.catalog_versions[d["catalog_id"]])
            self.versions.setdefault(d["catalog_id"], []).append((index, made))
        elif p.type == "RevocationListRecorded":
            self.crls.append(index)


class _At:
    at = 0


class _Keys(_At, Mapping[str, KeyRecord]):
    def __init__(self, full: dict[str, KeyRecord], pos: Positions) -> None:
        self.full, self.pos = full, pos
        self.unrevoked: dict[str, KeyRecord] = {}

    def __getitem__(self, key_id: str) -> KeyRecord:
        rec = self.full[key_id]
        if self.pos.enrolled.get(key_id, -1) >= self.at:
            raise KeyError(key_id)
        revoked = self.pos.revoked.get(key_id)
        if revoked is not None and revoked >= self.at:
            if key_id not in self.unrevoked:
                self.unrevoked[key_id] = dataclasses.replace(
                    rec, revoked_from=None, revocation_recorded=None, revocation_reason=None
                )
            return self.unrevoked[key_id]
        return rec

    def __iter__(self) -> Iterator[str]:
        return (k for k in self.full if self.pos.enrolled.get(k, -1) < self.at)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Units(_At, Mapping[str, list[Unit]]):
    def __init__(self, full: dict[str, list[Unit]], pos: Positions) -> None:
        self.full, self.pos = full, pos

    def __getitem__(self, code: str) -> list[Unit]:
        versions = self.full[code]
        n = bisect.bisect_left(self.pos.unit_pos.get(code, []), self.at)
        if n == 0:
            raise KeyError(code)
        return versions[:n]

    def __iter__(self) -> Iterator[str]:
        return (c for c in self.full if c in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Catalogs(_At, Mapping[str, Catalog]):
    def __init__(self, pos: Positions) -> None:
        self.pos = pos
        self.changes = sorted(i for v in pos.catalogs.values() for i, _ in v)
        self.cache: dict[int, list[Catalog]] = {}

    def values(self) -> Any:
        """The catalogs in force (cached: they change only where one was published)."""
        key = bisect.bisect_left(self.changes, self.at)
        if key not in self.cache:
            self.cache[key] = [self[c] for c in self]
        return self.cache[key]

    def __getitem__(self, catalog_id: str) -> Catalog:
        found = [c for i, c in self.pos.catalogs.get(catalog_id, []) if i < self.at]
        if not found:
            raise KeyError(catalog_id)
        return found[-1]

    def __iter__(self) -> Iterator[str]:
        return (c for c in self.pos.catalogs if c in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Scope(_At, Mapping[str, dict[int, Any]]):
    """Catalog versions (published or corrected) recorded before the position."""

    def __init__(self, full: dict[str, dict[int, Any]], pos: Positions) -> None:
        self.full, self.pos = full, pos

    def __getitem__(self, catalog_id: str) -> dict[int, Any]:
        known = {v for i, v in self.pos.versions.get(catalog_id, []) if i < self.at}
        if not known:
            raise KeyError(catalog_id)
        return {v: years for v, years in self.full[catalog_id].items() if v in known}

    def __iter__(self) -> Iterator[str]:
        return (c for c in self.full if c in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class RegistryAt(RegistryState):
    """``full`` (the registry after its whole chain) seen from leaf index ``at``."""

    def __init__(self, full: RegistryState, pos: Positions) -> None:
        self.__dict__.update(full.__dict__)  # trust root, unit, origin, calendar, timeline...
        self.__dict__.pop("_answers", None)  # the full registry's: this view keeps its own
        self._keys = _Keys(full.keys, pos)
        self._units = _Units(full.unit_history, pos)
        self._catalogs = _Catalogs(pos)
        self._scope = _Scope(full.catalog_scope, pos)
        self._pos = pos
        self._certs = full.certs
        self._certs_at: dict[int, CertificateRecords] = {}
        self.keys: Any = self._keys
        self.unit_history: Any = self._units
        self.catalogs: Any = self._catalogs
        self.catalog_scope: Any = self._scope
        # Query caches, keyed by what the answer depends on (the facts before the position).
        self._by_official: dict[str, list[str]] | None = None
        self._catalog_changes = sorted(
            {i for v in pos.catalogs.values() for i, _ in v}
            | {i for v in pos.versions.values() for i, _ in v}
        )
        self._catalog_cache: dict[tuple[int, int], Catalog | None] = {}
        self._unit_cache: dict[tuple[str, int | None, int], Unit | None] = {}
        self._last_unit: tuple[str, int | None, Unit | None] | None = None  # at this position

    def at(self, index: int) -> RegistryAt:
        """Position the view just before leaf ``index``; returns itself."""
        self._keys.at = self._units.at = self._catalogs.at = self._scope.at = index
        self._last_unit = None
        n = bisect.bisect_left(self._pos.crls, index)  # CRLs recorded before the position
        if n not in self._certs_at:
            self._certs_at[n] = self._certs.before(n)
        self.certs = self._certs_at[n]
        return self

    def catalog_for_year(self, year: int) -> Catalog | None:
        key = (bisect.bisect_left(self._catalog_changes, self._catalogs.at), year)
        if key not in self._catalog_cache:
            self._catalog_cache[key] = self.find_catalog(year)
        return self._catalog_cache[key]

    def unit_in(self, code: str, year: int | None) -> Unit | None:
        last = self._last_unit  # the judge asks for the same unit several times
        if last is not None and last[0] == code and last[1] == year:
            return last[2]
        n = bisect.bisect_left(self._pos.unit_pos.get(code, ()), self._units.at)
        key = (code, year, n)
        if key not in self._unit_cache:
            self._unit_cache[key] = self.find_unit(code, year)
        unit = self._unit_cache[key]
        self._last_unit = (code, year, unit)
        return unit

    def officials_of(self, official_id: str) -> list[KeyRecord]:
        """``RegistryState.officials_of`` (same records, same order) through an index."""
        if self._by_official is None:
            self._by_official = {}
            for key_id, rec in self._keys.full.items():
                self._by_official.setdefault(rec.official_id, []).append(key_id)
        enrolled, at = self._pos.enrolled, self._keys.at
        ids = self._by_official.get(official_id, [])
        return [self._keys[k] for k in ids if enrolled.get(k, -1) < at]

    def latest(self, catalog_id: str) -> Catalog | None:
        found = self._catalogs.pos.catalogs.get(catalog_id)
        return found[-1][1] if found else None
