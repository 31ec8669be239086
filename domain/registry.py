"""Sổ đăng ký (registry): the trust root's chain of units, officials, keys and catalogs.

Everything the ledger needs to judge a signature or a score is itself signed data in
this chain, so an inspector replays it and decides exactly as the ledger did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import event

from domain.catalog import Catalog, load_catalog
from domain.chain import Chain, chain_id, open_envelope
from domain.errors import BadEvent, Duplicate, KeyNotValid, UnknownKey
from domain.officials import KeyRecord, Role, Unit
from domain.payload import Payload, parse_time
from verify.errors import VerificationError
from verify.keys import PublicKey, load_public_key


def parse_official(doc: dict[str, Any], seq: int) -> KeyRecord:
    """Strictly read the ``official`` object of an OfficialEnrolled event."""
    required = {"id", "name", "position", "role", "scope", "key", "valid_from"}
    optional = {"valid_until", "subject"}
    if not required <= set(doc) <= required | optional:
        raise BadEvent(
            f"official needs {sorted(required)}",
            f"thông tin cán bộ cần các trường {sorted(required)}",
        )
    try:
        role = Role(doc["role"])
    except ValueError:
        raise BadEvent(
            f"unknown role {doc['role']!r}", f"vai trò không hợp lệ: {doc['role']!r}"
        ) from None
    key = doc["key"]
    if not isinstance(key, dict) or set(key) != {"alg", "spki"}:
        raise BadEvent("key must be {alg, spki}", "khoá phải có dạng {alg, spki}")
    try:
        public = load_public_key(key["alg"], key["spki"])
    except VerificationError as e:
        raise BadEvent(e.en, e.vi, **e.evidence) from None
    for name in ("id", "name", "position", "scope"):
        if not isinstance(doc[name], str) or not doc[name]:
            raise BadEvent(f"official {name} must be text", f"trường {name} phải là chuỗi ký tự")
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
        subject=dict(doc.get("subject") or {}),
    )


def parse_unit(doc: dict[str, Any]) -> Unit:
    try:
        return Unit(
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
    except (KeyError, TypeError):
        raise BadEvent(
            "a unit needs code, name, kind, level and province",
            "đơn vị cần mã, tên, loại, cấp và tỉnh",
        ) from None


class Registry(Chain):
    """The deployment's registry chain (one per log)."""

    kind = "registry"

    @staticmethod
    def create_id(envelope: str) -> Any:

        _, p = open_envelope(envelope)
        return chain_id("registry", p.unit, None)

    @event("LedgerInitialised")
    def __init__(self, envelope: str) -> None:
        p = self._take(envelope)
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

    # -- commands: check, then apply -----------------------------------------------
    def record(self, envelope: str, payload: Payload) -> None:
        self.check_prev(payload)
        if payload.type == "OfficialEnrolled":
            rec = parse_official(payload.data["official"], self.length)
            if rec.key_id in self.keys:
                raise Duplicate("this key is already enrolled", "khoá này đã được đăng ký")
        elif payload.type == "KeyRevoked":
            self.check_key_known(payload.data["key_id"])
            parse_time(payload.data["effective"], "effective")
        elif payload.type == "UnitsRegistered":
            for u in payload.data["units"]:
                parse_unit(u)
        elif payload.type == "CatalogPublished":
            load_catalog(payload.data["catalog"])
        apply = {
            "OfficialEnrolled": self.enrolled,
            "KeyRevoked": self.revoked,
            "UnitsRegistered": self.units_registered,
            "CatalogPublished": self.catalog_published,
        }[payload.type]
        apply(envelope=envelope)

    def check_key_known(self, key_id: str) -> KeyRecord:
        rec = self.keys.get(key_id)
        if rec is None:
            raise UnknownKey(
                f"key {key_id[:16]}… is not enrolled",
                f"khoá {key_id[:16]}… chưa được đăng ký",
                key_id=key_id,
            )
        return rec

    # -- events -------------------------------------------------------------------
    @event("OfficialEnrolled")
    def enrolled(self, envelope: str) -> None:
        p = self._take(envelope)
        rec = parse_official(p.data["official"], self.length - 1)
        self.keys[rec.key_id] = rec

    @event("KeyRevoked")
    def revoked(self, envelope: str) -> None:
        p = self._take(envelope)
        rec = self.keys[p.data["key_id"]]
        rec.revoked_from = parse_time(p.data["effective"], "effective")
        rec.revocation_reason = p.data["reason"]

    @event("UnitsRegistered")
    def units_registered(self, envelope: str) -> None:
        p = self._take(envelope)
        for u in p.data["units"]:
            unit = parse_unit(u)
            self.units[unit.code] = unit
            self.unit_history.setdefault(unit.code, []).append(unit)

    @event("CatalogPublished")
    def catalog_published(self, envelope: str) -> None:
        p = self._take(envelope)
        cat = load_catalog(p.data["catalog"])
        self.catalogs[cat.catalog_id] = cat
        self.catalog_docs[cat.catalog_id] = p.data["catalog"]

    # -- queries ------------------------------------------------------------------
    def unit_in(self, code: str, year: int | None) -> Unit | None:
        """The registered unit with this code as it was in ``year`` (codes outlive reforms)."""
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
        found = [c for c in self.catalogs.values() if c.applies_to(year)]
        return max(found, key=lambda c: c.version) if found else None

    def officials_of(self, official_id: str) -> list[KeyRecord]:
        return [k for k in self.keys.values() if k.official_id == official_id]

    def valid_key(self, key_id: str, at: datetime) -> KeyRecord:

        rec = self.check_key_known(key_id)
        if not rec.valid_at(at):
            why = (
                "revoked" if rec.revoked_from and at >= rec.revoked_from else "outside its validity"
            )
            raise KeyNotValid(
                f"key {key_id[:16]}… is {why} at the claimed time",
                f"khoá {key_id[:16]}… "
                + ("đã bị thu hồi" if why == "revoked" else "không còn hiệu lực")
                + " tại thời điểm ký",
                key_id=key_id,
                time=at.isoformat(),
            )
        return rec
