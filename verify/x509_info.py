"""Certificates read for people: tên phân biệt (distinguished names), identifiers, summaries.

Vietnamese CAs put the holder's identifiers in the subject as ``UID`` attributes
(userId, OID 0.9.2342.19200300.100.1.1, RFC 4519 §2.39) whose value is a prefix, a colon
and the number, several per subject, e.g. ``UID=CCCD:001085012345``, ``UID=MST:0100686209-199``,
``UID=MNS:1047665``; some put the same form in ``serialNumber`` (2.5.4.5). They are parsed
generically: any ``PREFIX:value`` in either attribute becomes an ``Identifier``; prefixes
seen in Vietnamese subscriber certificates get a label, others keep their prefix as kind.
The holder's position is often in ``title`` (2.5.4.12, shown ``T=``).

Text is returned in Unicode NFC (the certificate bytes are never changed).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

# prefix -> (Vietnamese label, English label)
IDENTIFIER_KINDS: dict[str, tuple[str, str]] = {
    "CCCD": ("Số căn cước công dân", "citizen identity card number"),
    "CMND": ("Số chứng minh nhân dân", "people's identity card number (former)"),
    "HC": ("Số hộ chiếu", "passport number"),
    "MST": ("Mã số thuế", "tax identification number"),
    "MNS": ("Mã số đơn vị có quan hệ với ngân sách", "budget-relationship unit code"),
    "BHXH": ("Mã số bảo hiểm xã hội", "social insurance number"),
}
_PREFIXED = re.compile(r"([A-Za-z]{1,12}):(.+)", re.DOTALL)
_IDENTIFIER_ATTRIBUTES = {NameOID.USER_ID: "UID", NameOID.SERIAL_NUMBER: "serialNumber"}
_SHORT_NAMES = {NameOID.TITLE: "T", NameOID.EMAIL_ADDRESS: "E"}


def _text(value: str | bytes) -> str:
    if isinstance(value, bytes):  # X500UniqueIdentifier and other bit strings
        return value.hex()
    return unicodedata.normalize("NFC", value)


@dataclass(frozen=True)
class Identifier:
    """One identifier from a subject: ``kind`` is its prefix ("" if it has none)."""

    kind: str
    value: str
    attribute: str  # "UID" or "serialNumber"

    @property
    def label_vi(self) -> str:
        known = IDENTIFIER_KINDS.get(self.kind.upper())
        return known[0] if known else (f"Mã định danh {self.kind}" if self.kind else "Mã định danh")

    @property
    def label_en(self) -> str:
        known = IDENTIFIER_KINDS.get(self.kind.upper())
        return known[1] if known else (f"identifier {self.kind}" if self.kind else "identifier")

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "value": self.value,
            "attribute": self.attribute,
            "label_vi": self.label_vi,
            "label_en": self.label_en,
        }


@dataclass(frozen=True)
class DistinguishedName:
    """A subject or issuer name: the common fields, the identifiers, and every attribute."""

    common_name: str | None
    organization: str | None
    organizational_units: tuple[str, ...]
    title: str | None
    locality: str | None
    province: str | None
    country: str | None
    email: str | None
    identifiers: tuple[Identifier, ...]
    attributes: tuple[tuple[str, str], ...]  # (dotted OID, value), in DER order
    rfc4514: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view, for pages and reports (empty fields left out)."""
        doc: dict[str, Any] = {"dn": self.rfc4514}
        for key in (
            "common_name",
            "organization",
            "title",
            "locality",
            "province",
            "country",
            "email",
        ):
            value = getattr(self, key)
            if value is not None:
                doc[key] = value
        if self.organizational_units:
            doc["organizational_units"] = list(self.organizational_units)
        if self.identifiers:
            doc["identifiers"] = [i.as_dict() for i in self.identifiers]
        return doc


def read_name(name: x509.Name) -> DistinguishedName:
    """Read a ``cryptography`` Name: first value of each common field, all identifiers."""
    attrs = [(a.oid, _text(a.value)) for a in name]

    def first(oid: x509.ObjectIdentifier) -> str | None:
        return next((v for o, v in attrs if o == oid), None)

    identifiers = []
    for oid, value in attrs:
        if oid in _IDENTIFIER_ATTRIBUTES:
            m = _PREFIXED.fullmatch(value)
            kind, number = (m.group(1).upper(), m.group(2).strip()) if m else ("", value)
            identifiers.append(Identifier(kind, number, _IDENTIFIER_ATTRIBUTES[oid]))
    return DistinguishedName(
        common_name=first(NameOID.COMMON_NAME),
        organization=first(NameOID.ORGANIZATION_NAME),
        organizational_units=tuple(v for o, v in attrs if o == NameOID.ORGANIZATIONAL_UNIT_NAME),
        title=first(NameOID.TITLE),
        locality=first(NameOID.LOCALITY_NAME),
        province=first(NameOID.STATE_OR_PROVINCE_NAME),
        country=first(NameOID.COUNTRY_NAME),
        email=first(NameOID.EMAIL_ADDRESS),
        identifiers=tuple(identifiers),
        attributes=tuple((o.dotted_string, v) for o, v in attrs),
        rfc4514=_text(name.rfc4514_string(_SHORT_NAMES)),
    )


def fingerprint(cert: x509.Certificate) -> str:
    """Lowercase hex SHA-256 of the certificate's DER: the fingerprint shown to people."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def spki_key_id(cert: x509.Certificate) -> str:
    """SHA-256 of the canonical SubjectPublicKeyInfo DER: the key id, as in ``verify.keys``."""
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


@dataclass(frozen=True)
class CertificateInfo:
    """What a report shows of one certificate."""

    subject: DistinguishedName
    issuer: DistinguishedName
    serial: int
    not_before: datetime
    not_after: datetime
    fingerprint: str

    @property
    def serial_hex(self) -> str:
        return format(self.serial, "x")

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject.as_dict(),
            "issuer": self.issuer.as_dict(),
            "serial": self.serial_hex,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "sha256": self.fingerprint,
        }


def describe(cert: x509.Certificate) -> CertificateInfo:
    return CertificateInfo(
        subject=read_name(cert.subject),
        issuer=read_name(cert.issuer),
        serial=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint=fingerprint(cert),
    )
