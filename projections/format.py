"""Formatting shared by the read models: Vietnamese dates, decimals, signers.

Every value a projection returns is JSON-ready: dates as ``dd/mm/yyyy`` in Vietnam's
calendar (Asia/Ho_Chi_Minh, where legal deadlines are counted), instants also as
ISO 8601 UTC, points as canonical decimal strings ("6.75").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from domain.calendar import VN_TZ, local_date
from verify.law.catalog import dec_str
from verify.process.registry import RegistryState as Registry
from verify.x509 import ValidatedChain


def _dmy(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def vn_date(value: datetime | date | str | None) -> str | None:
    """``dd/mm/yyyy``; instants are first moved to Vietnam's calendar date."""
    if value is None:
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        return _instant(value)[1]
    return _dmy(value)


def vn_datetime(t: datetime | None) -> str | None:
    """``dd/mm/yyyy HH:MM`` in Vietnam time."""
    return None if t is None else _instant(t)[2]


def iso(t: datetime | None) -> str | None:
    return None if t is None else _instant(t)[0]


@lru_cache(maxsize=1 << 16)
def _instant(t: datetime) -> tuple[str, str, str]:
    """(ISO 8601 UTC, Vietnam date, Vietnam date and time) of ``t``, formatted once: a
    district round's events appear in the timeline of every commune of the round."""
    u, local = t.astimezone(UTC), local_date(t)
    vn = t.astimezone(VN_TZ)
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z",
        _dmy(local),
        f"{_dmy(local)} {vn.hour:02d}:{vn.minute:02d}",
    )


def instant(t: datetime | None) -> dict[str, str | None] | None:
    """An instant as the machine and the reader each want it (one shared dict per
    instant: documents are never mutated once built)."""
    return None if t is None else _instant_doc(t)


@lru_cache(maxsize=1 << 16)
def _instant_doc(t: datetime) -> dict[str, str | None]:
    utc, day, local = _instant(t)
    return {"utc": utc, "date": day, "local": local}


def points(d: Decimal | None) -> str | None:
    return None if d is None else _points(d)


@lru_cache(maxsize=1 << 12)
def _points(d: Decimal) -> str:
    """``dec_str`` depends only on the value, and a catalog has few distinct values."""
    return dec_str(d)


def signer(reg: Registry | None, key_id: str) -> dict[str, Any]:
    """Who a key id belongs to, as far as the registry knows."""
    out: dict[str, Any] = {"key_id": key_id, "short": key_id[:16]}
    if reg is None:
        return out
    if key_id in reg.trust_root:
        out.update(role="registrar", name=None, official_id=None)
        return out
    rec = reg.keys.get(key_id)
    if rec is not None:
        out.update(
            official_id=rec.official_id,
            name=rec.name,
            position=rec.position,
            role=rec.role.value,
            scope=rec.scope,
        )
        if rec.subject:
            out["subject"] = rec.subject
        if rec.chain is not None:
            out["certificate"] = certificate(rec.chain)
    return out


def certificate(chain: ValidatedChain) -> dict[str, Any]:
    """Chứng thư số (certificate) of a signer: holder, identifiers, issuer, validity, anchor."""
    leaf = chain.leaf
    return {
        "alg": chain.public_key.alg,
        "subject": leaf.subject.as_dict(),
        "issuer": leaf.issuer.as_dict(),
        "serial": leaf.serial_hex,
        "not_before": instant(leaf.not_before),
        "not_after": instant(leaf.not_after),
        "sha256": leaf.fingerprint,
        "anchor": {
            "subject": chain.anchor.info.subject.rfc4514,
            "sha256": chain.anchor.fingerprint,
        },
    }
