"""Sổ đăng ký (registry): the trust root's chain of units, officials, keys, catalogs and
the holiday calendar.

Everything the ledger needs to judge a signature or a score is itself signed data in
this chain, so an inspector replays it and decides exactly as the ledger did.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from verify.errors import VerificationError
from verify.keys import PublicKey, load_public_key
from verify.law.calendar import NO_CALENDAR, Calendar, load_calendar
from verify.law.catalog import Catalog, load_catalog
from verify.law.correction import apply_correction
from verify.process.certificates import CertificateRecords
from verify.process.chain import ChainState
from verify.process.officials import NATIONAL, KeyRecord, Role, Unit
from verify.process.payload import Payload, parse_time
from verify.refusals import (
    BadEvent,
    CatalogError,
    Duplicate,
    KeyNotValid,
    OutOfOrder,
    UnknownKey,
)
from verify.x509 import ValidatedChain


def parse_official(
    doc: dict[str, Any], seq: int, chain_of: Callable[[Any], ValidatedChain] | None = None
) -> KeyRecord:
    """Strictly read the ``official`` object of an OfficialEnrolled event.

    It holds exactly one of ``key`` (``{alg, spki}``) or ``certificate`` (``{chain}``,
    ADR 0007), which ``chain_of`` validates, or rebuilds for a stored event.
    """
    required = {"id", "name", "position", "role", "scope", "valid_from"}
    by_key = isinstance(doc, dict) and "key" in doc
    optional = {"valid_until", "key", "subject"} if by_key else {"valid_until", "certificate"}
    if (
        not isinstance(doc, dict)
        or not required <= set(doc) <= required | optional
        or (not by_key and "certificate" not in doc)
    ):
        raise BadEvent(
            f"official needs {sorted(required)} and one of key, certificate",
            f"thông tin cán bộ cần các trường {sorted(required)} và một trong key, certificate",
        )
    try:
        role = Role(doc["role"])
    except ValueError:
        raise BadEvent(
            f"unknown role {doc['role']!r}", f"vai trò không hợp lệ: {doc['role']!r}"
        ) from None
    for name in ("id", "name", "position", "scope"):
        if not isinstance(doc[name], str) or not doc[name]:
            raise BadEvent(f"official {name} must be text", f"trường {name} phải là chuỗi ký tự")
    chain = None
    if "certificate" in doc:
        if chain_of is None:
            raise BadEvent("certificates are not read here", "không đọc chứng thư số ở đây")
        chain = chain_of(doc["certificate"])
        public, subject = chain.public_key, chain.leaf.subject.as_dict()
    else:
        public, subject = _bare_key(doc["key"]), doc.get("subject") or {}
        if not isinstance(subject, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in subject.items()
        ):
            raise BadEvent("subject must map text to text", "subject phải gồm các cặp chuỗi ký tự")
    until = doc.get("valid_until")
    return KeyRecord(
        official_id=doc["id"],
        name=doc["name"],
        position=doc["position"],
        role=role,
        scope=doc["scope"],
        key=public,
        valid_from=parse_time(doc["valid_from"], "valid_from"),
        valid_until=parse_time(until, "valid_until") if until is not None else None,
        enrolled_at=seq,
        subject=dict(subject),
        chain=chain,
    )


def _bare_key(key: Any) -> PublicKey:
    if not isinstance(key, dict) or set(key) != {"alg", "spki"}:
        raise BadEvent("key must be {alg, spki}", "khoá phải có dạng {alg, spki}")
    try:
        return load_public_key(key["alg"], key["spki"])
    except VerificationError as e:
        raise BadEvent(e.en, e.vi, **e.evidence) from None


def parse_unit(doc: Any) -> Unit:
    try:
        unit = Unit(
            code=doc["code"],
            name=doc["name"],
            kind=doc["kind"],
            level=doc["level"],
            district=doc.get("district"),
            province=doc["province"],
            valid_from=doc.get("valid_from"),
            valid_until=doc.get("valid_until"),
            successor=doc.get("successor"),
        )
    except (KeyError, TypeError, AttributeError):
        unit = None
    if unit is None or not all(isinstance(x, str) for x in (unit.code, unit.name, unit.level)):
        raise BadEvent(
            "a unit needs code, name, kind, level and province",
            "đơn vị cần mã, tên, loại, cấp và tỉnh",
        )
    return unit


class RegistryState(ChainState):
    """The deployment's registry chain (one per log)."""

    kind = "registry"

    def start(self, digest: str, p: Payload) -> None:
        """Apply ``LedgerInitialised``, the chain's first envelope."""
        self.start_chain()
        self.unit = p.unit
        self.origin: str = p.data["origin"]
        self.name: str = p.data.get("name", "")
        self.trust_root: dict[str, PublicKey] = {}
        for k in p.data["trust_root"]:
            pk = load_public_key(k["alg"], k["spki"])
            self.trust_root[pk.key_id] = pk
        self.units: dict[str, Unit] = {}
        self.unit_history: dict[str, list[Unit]] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.catalogs: dict[str, Catalog] = {}
        self.catalog_docs: dict[str, dict[str, Any]] = {}
        # every version of every catalog, and the years each applies to (None: all its
        # years, for a published version; the listed years, for a correction)
        self.catalog_versions: dict[str, dict[int, Catalog]] = {}
        self.catalog_scope: dict[str, dict[int, frozenset[int] | None]] = {}
        self.corrections: list[dict[str, Any]] = []
        self.calendar: Calendar = NO_CALENDAR
        self.certs = CertificateRecords()  # trust anchors, CRLs (ADR 0007)
        super().apply(digest, p)

    # -- judging -------------------------------------------------------------------
    def check(self, p: Payload, digest: str | None = None) -> None:
        """Refuse what cannot be recorded in the registry now."""
        self.check_prev(p, digest)
        d = p.data
        if p.type == "OfficialEnrolled":
            rec = parse_official(
                d["official"], self.length, lambda c: self.certs.validate(c, p.time)
            )
            if rec.key_id in self.keys or rec.key_id in self.trust_root:
                raise Duplicate("this key is already enrolled", "khoá này đã được đăng ký")
            if self.units and rec.scope != NATIONAL and rec.scope not in self.units:
                raise BadEvent(
                    f"the official's scope {rec.scope} is not a registered unit",
                    f"phạm vi {rec.scope} của cán bộ không phải đơn vị đã đăng ký",
                    scope=rec.scope,
                )
        elif p.type == "TrustAnchorAdded":
            self.certs.read_anchor(d["anchor"])
        elif p.type == "RevocationListRecorded":
            self.certs.read_crl(d, p.time)
        elif p.type == "KeyRevoked":
            rec = self.check_key_known(d["key_id"])
            parse_time(d["effective"], "effective")
            if rec.revoked_from is not None:
                raise Duplicate("this key is already revoked", "khoá này đã bị thu hồi")
        elif p.type == "UnitsRegistered":
            for u in d["units"]:
                parse_unit(u)
        elif p.type == "CatalogPublished":
            cat = load_catalog(d["catalog"])
            old = self.catalogs.get(cat.catalog_id)
            if old is not None and cat.version <= old.version:
                raise OutOfOrder(
                    f"catalog {cat.catalog_id} version {old.version} is already published",
                    f"bộ tiêu chí {cat.catalog_id} phiên bản {old.version} đã được công bố",
                )
        elif p.type == "CatalogCorrected":
            self.corrected_catalog(d)
        elif p.type == "CalendarPublished":
            cal = load_calendar(d["calendar"])
            if cal.version <= self.calendar.version:
                raise OutOfOrder(
                    f"calendar version {self.calendar.version} is already published",
                    f"lịch nghỉ lễ phiên bản {self.calendar.version} đã được công bố",
                )

    def corrected_catalog(self, d: dict[str, Any]) -> Catalog:
        """The new version a ``CatalogCorrected`` makes, or the refusal why it cannot."""
        versions = self.catalog_versions.get(d["catalog_id"])
        if not versions:
            raise OutOfOrder(
                f"catalog {d['catalog_id']} was never published",
                f"bộ tiêu chí {d['catalog_id']} chưa được công bố",
            )
        latest = max(versions)
        if d["from_version"] != latest:
            raise OutOfOrder(
                f"a correction must start from the latest version {latest}",
                f"việc đính chính phải dựa trên phiên bản mới nhất {latest}",
                latest=latest,
                from_version=d["from_version"],
            )
        base = versions[latest]
        outside = [y for y in d["years"] if not base.applies_to(y)]
        if outside or len(set(d["years"])) != len(d["years"]):
            raise BadEvent(
                f"catalog {base.catalog_id} does not apply to years {outside or d['years']}",
                f"bộ tiêu chí {base.catalog_id} không áp dụng cho các năm {outside or d['years']}",
            )
        try:
            return apply_correction(base, d["changes"])
        except CatalogError as e:
            raise BadEvent(e.en, e.vi, **e.evidence) from None

    def check_key_known(self, key_id: str) -> KeyRecord:
        rec = self.keys.get(key_id)
        if rec is None:
            raise UnknownKey(
                f"key {key_id[:16]}… is not enrolled",
                f"khoá {key_id[:16]}… chưa được đăng ký",
                key_id=key_id,
            )
        return rec

    # -- applying ------------------------------------------------------------------
    def apply_event(self, p: Payload) -> None:
        self.__dict__.pop("_answers", None)  # every registry event may change the answers
        d = p.data
        if p.type == "OfficialEnrolled":
            rec = parse_official(
                d["official"], self.length - 1, lambda c: self.certs.replay(c, p.time)
            )
            self.keys[rec.key_id] = rec
            if rec.chain is not None:
                self.certs.add_chain(rec.chain)
        elif p.type == "TrustAnchorAdded":
            self.certs.add_anchor(d["anchor"], p.time, self.head or "")
        elif p.type == "RevocationListRecorded":
            self.certs.add_crl(d, p.time, self.head or "")
        elif p.type == "KeyRevoked":
            rec = self.keys[d["key_id"]]
            rec.revoked_from = parse_time(d["effective"], "effective")
            rec.revocation_recorded = p.time
            rec.revocation_reason = d["reason"]
        elif p.type == "UnitsRegistered":
            for u in d["units"]:
                unit = parse_unit(u)
                self.units[unit.code] = unit
                self.unit_history.setdefault(unit.code, []).append(unit)
        elif p.type == "CatalogPublished":
            cat = load_catalog(d["catalog"])
            self.catalogs[cat.catalog_id] = cat
            self.catalog_docs[cat.catalog_id] = d["catalog"]
            self.catalog_versions.setdefault(cat.catalog_id, {})[cat.version] = cat
            self.catalog_scope.setdefault(cat.catalog_id, {})[cat.version] = None
        elif p.type == "CatalogCorrected":
            cat = self.corrected_catalog(d)
            self.catalog_versions[cat.catalog_id][cat.version] = cat
            self.catalog_scope[cat.catalog_id][cat.version] = frozenset(d["years"])
            self.corrections.append(
                {
                    "catalog_id": cat.catalog_id,
                    "version": cat.version,
                    "from_version": d["from_version"],
                    "legal_basis": d["legal_basis"],
                    "changes": d["changes"],
                    "years": sorted(d["years"]),
                    "time": p.time,
                    "hash": self.head,
                    "signers": list(p.signers),
                }
            )
        elif p.type == "CalendarPublished":
            self.calendar = load_calendar(d["calendar"])

    # -- queries -------------------------------------------------------------------
    def _answer(self, key: tuple[Any, ...], find: Callable[[], Any]) -> Any:
        """A query's answer, kept until the next registry event (the judge asks the same
        ones for every envelope)."""
        answers: dict[tuple[Any, ...], Any] = self.__dict__.setdefault("_answers", {})
        if key not in answers:
            answers[key] = find()
        return answers[key]

    def unit_in(self, code: str, year: int | None) -> Unit | None:
        """The registered unit with this code as it was in ``year`` (codes outlive reforms)."""
        return self._answer(("unit", code, year), lambda: self.find_unit(code, year))  # type: ignore[no-any-return]

    def find_unit(self, code: str, year: int | None) -> Unit | None:
        """``unit_in`` computed from the registry's current facts."""
        versions = self.unit_history.get(code, [])
        if year is None:
            return versions[-1] if versions else None
        for u in reversed(versions):
            if (u.valid_from is None or int(u.valid_from[:4]) <= year) and (
                u.valid_until is None or int(u.valid_until[:4]) >= year
            ):
                return u
        return None

    def catalog_for_year(self, year: int) -> Catalog | None:
        """The catalog in force for evaluation year ``year``: of the catalog that applies,
        the highest version published, or corrected for that year."""
        return self._answer(("catalog", year), lambda: self.find_catalog(year))  # type: ignore[no-any-return]

    def find_catalog(self, year: int) -> Catalog | None:
        """``catalog_for_year`` computed from the registry's current facts."""
        found = [c for c in self.catalogs.values() if c.applies_to(year)]
        if not found:
            return None
        cat = max(found, key=lambda c: c.version)
        scope = self.catalog_scope.get(cat.catalog_id, {})
        best = max(v for v, years in scope.items() if years is None or year in years)
        return self.catalog_versions[cat.catalog_id][best]

    def catalog_version(self, catalog_id: str, version: int) -> Catalog | None:
        return self.catalog_versions.get(catalog_id, {}).get(version)

    def officials_of(self, official_id: str) -> list[KeyRecord]:
        return [k for k in self.keys.values() if k.official_id == official_id]

    def valid_key(self, key_id: str, at: datetime, now: datetime | None = None) -> KeyRecord:
        rec = self.check_key_known(key_id)
        if not rec.valid_at(at, now):
            revoked = rec.revoked_from is not None and rec.revoked_from <= max(
                x for x in (at, rec.revocation_recorded, now) if x is not None
            )
            raise KeyNotValid(
                f"key {key_id[:16]}… is {'revoked' if revoked else 'outside its validity'}"
                " at the claimed time",
                f"khoá {key_id[:16]}… "
                + ("đã bị thu hồi" if revoked else "không còn hiệu lực")
                + " tại thời điểm ký",
                key_id=key_id,
                time=at.isoformat(),
                revoked_from=rec.revoked_from.isoformat() if rec.revoked_from else None,
            )
        if rec.chain is not None:  # the certificate at the claimed time, and the CRLs so far
            self.certs.check_signature(rec.chain, at)
        return rec
