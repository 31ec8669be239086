"""Danh sách chứng thư bị thu hồi (CRLs): reading and checking one CRL.

The ledger records each CRL it is given as an event; ``verify.revocation`` judges a
signature from the CRLs recorded before it. ``verify_crl`` checks one CRL (RFC 5280 §5,
§6.3.3): exact DER; a complete CRL for one issuer (no delta, no indirect CRL); no
unhandled critical extension; a SHA-2/SHA-3 signature by a CA among the candidates whose
subject is the CRL's issuer and whose keyUsage allows cRLSign; nextUpdate not before
thisUpdate; thisUpdate not after the time the CRL is recorded at. A stale CRL (nextUpdate
passed) is still evidence: a revocation it lists stays true.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID

from verify.errors import MalformedInput
from verify.x509_errors import (
    CRLIssuerMismatch,
    CRLNotYetValid,
    MalformedCRL,
    UnhandledCriticalExtension,
    WeakAlgorithm,
)
from verify.x509_info import read_name, spki_key_id
from verify.x509_load import pem_blocks
from verify.x509_profile import SIGNATURE_HASHES

MAX_CRL_BYTES = 8 * 1024 * 1024
HANDLED_CRL_EXTENSIONS = {
    ExtensionOID.CRL_NUMBER,
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    ExtensionOID.ISSUING_DISTRIBUTION_POINT,  # checked below: not indirect
    ExtensionOID.FRESHEST_CRL,
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
}


@dataclass(frozen=True)
class Revocation:
    """One certificate's revocation, as a CRL lists it (RFC 5280 §5.3)."""

    serial: int
    revoked_at: datetime  # revocationDate
    reason: str | None  # CRLReason (§5.3.1), e.g. "key_compromise"
    invalid_since: datetime | None  # invalidityDate (§5.3.2)
    issuer_key_id: str
    crl: str  # SHA-256 of the CRL that lists it

    @property
    def effective(self) -> datetime:
        """From when signatures are suspect: the invalidity date if earlier, else revocation."""
        return _effective(self.revoked_at, self.invalid_since)

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "serial": format(self.serial, "x"),
            "revoked_at": self.revoked_at.isoformat(),
            "effective": self.effective.isoformat(),
            "issuer_key_id": self.issuer_key_id,
            "crl": self.crl,
        }
        if self.reason is not None:
            doc["reason"] = self.reason
        if self.invalid_since is not None:
            doc["invalid_since"] = self.invalid_since.isoformat()
        return doc


# serial -> (revocationDate, CRLReason name or None, invalidityDate or None)
Entries = Mapping[int, tuple[datetime, str | None, datetime | None]]


@dataclass(frozen=True)
class RevocationList:
    """A verified CRL: who signed it, when, and what it revokes."""

    der: bytes
    issuer_key_id: str  # SHA-256 of the canonical SPKI of the CA key that signed it
    issuer: str  # RFC 4514
    this_update: datetime
    next_update: datetime | None
    number: int | None  # cRLNumber (§5.2.3)
    entries: Entries = field(repr=False, compare=False)  # der decides equality

    @cached_property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    def revocation(self, serial: int) -> Revocation | None:
        """The entry for ``serial`` (a certificate of this CRL's issuer), if listed."""
        entry = self.entries.get(serial)
        if entry is None:
            return None
        revoked_at, reason, invalid_since = entry
        return Revocation(
            serial, revoked_at, reason, invalid_since, self.issuer_key_id, self.fingerprint
        )

    def current_at(self, t: datetime) -> bool:
        """True when ``t`` falls between thisUpdate and nextUpdate (fresh evidence)."""
        return self.this_update <= t and (self.next_update is None or t <= self.next_update)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.fingerprint,
            "issuer": self.issuer,
            "issuer_key_id": self.issuer_key_id,
            "this_update": self.this_update.isoformat(),
            "next_update": self.next_update.isoformat() if self.next_update else None,
            "number": self.number,
            "revoked": len(self.entries),
        }


_Raw = list[tuple[int, datetime, x509.Extensions]]


def _read(data: bytes) -> tuple[x509.CertificateRevocationList, bytes, _Raw]:
    if isinstance(data, bytes) and data.lstrip().startswith(b"-----BEGIN"):
        blocks = pem_blocks(data, b"X509 CRL", what="CRL")
        if len(blocks) != 1:
            raise MalformedCRL("expected exactly one PEM CRL", "cần đúng một CRL dạng PEM")
        data = blocks[0]
    if not isinstance(data, bytes) or not 0 < len(data) <= MAX_CRL_BYTES:
        raise MalformedCRL(
            "CRL is empty or too large", "CRL rỗng hoặc quá lớn", max_bytes=MAX_CRL_BYTES
        )
    try:
        crl = x509.load_der_x509_crl(data)
        exact = (
            crl.public_bytes(serialization.Encoding.DER) == data
        )  # a guard: the parser is DER-strict
        # Parsing is lazy: touch every field now, so a bad one fails here and not later.
        _ = (crl.issuer.rfc4514_string(), crl.extensions, crl.signature_algorithm_oid)
        _ = (crl.last_update_utc, crl.next_update_utc)
        raw = [(e.serial_number, e.revocation_date_utc, e.extensions) for e in crl]
    except Exception:  # ValueError, DuplicateExtension, unparseable entries
        raise MalformedCRL("not a valid DER CRL", "không phải CRL mã hóa DER hợp lệ") from None
    if not exact:
        raise MalformedCRL(
            "CRL bytes are not its exact DER encoding",
            "dữ liệu CRL không phải mã hóa DER chính xác của nó",
        )
    return crl, data, raw


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """Exactly one CRL, DER or one PEM ``X509 CRL`` block (RFC 7468 §6)."""
    return _read(data)[0]


def _check_shape(crl: x509.CertificateRevocationList) -> None:
    for ext in crl.extensions:
        if ext.critical and ext.oid not in HANDLED_CRL_EXTENSIONS:
            raise UnhandledCriticalExtension(
                f"the CRL has critical extension {ext.oid.dotted_string}, which is not supported"
                + (" (delta CRL)" if ext.oid == ExtensionOID.DELTA_CRL_INDICATOR else ""),
                f"CRL có phần mở rộng bắt buộc {ext.oid.dotted_string} không được hỗ trợ",
                check="crl_extension",
                extension=ext.oid.dotted_string,
            )
        idp = ext.value
        if isinstance(idp, x509.IssuingDistributionPoint) and (
            idp.indirect_crl or idp.only_contains_attribute_certs
        ):
            raise MalformedCRL(
                "indirect CRLs and attribute-certificate CRLs are not supported",
                "không hỗ trợ CRL gián tiếp hoặc CRL cho chứng thư thuộc tính",
                check="crl_scope",
            )
    nu = crl.next_update_utc
    if nu is not None and nu < crl.last_update_utc:
        raise MalformedCRL(
            "the CRL's nextUpdate is before its thisUpdate",
            "nextUpdate của CRL sớm hơn thisUpdate",
            check="crl_dates",
        )
    try:
        h = crl.signature_hash_algorithm
    except Exception:  # UnsupportedAlgorithm
        h = None
    if not isinstance(h, SIGNATURE_HASHES):
        raise WeakAlgorithm(
            "the CRL is signed with an algorithm that is not permitted",
            "CRL được ký bằng thuật toán không được phép",
            check="crl_signature_algorithm",
            algorithm=crl.signature_algorithm_oid.dotted_string,
        )


def _entries(raw: _Raw) -> dict[int, tuple[datetime, str | None, datetime | None]]:
    """One pass over the entries: refuse unhandled critical extensions, keep the earliest
    effective entry of a serial listed twice."""
    out: dict[int, tuple[datetime, str | None, datetime | None]] = {}
    for serial, revoked_at, extensions in raw:
        reason: str | None = None
        invalid: datetime | None = None
        for ext in extensions:
            value = ext.value
            if isinstance(value, x509.CRLReason):
                reason = value.reason.name
            elif isinstance(value, x509.InvalidityDate):
                invalid = value.invalidity_date_utc
            elif ext.critical:
                raise UnhandledCriticalExtension(
                    f"a CRL entry has critical extension {ext.oid.dotted_string}",
                    f"một mục của CRL có phần mở rộng bắt buộc {ext.oid.dotted_string}",
                    check="crl_entry_extension",
                    extension=ext.oid.dotted_string,
                    serial=format(serial, "x"),
                )
        old = out.get(serial)
        if old is None or _effective(revoked_at, invalid) < _effective(old[0], old[2]):
            out[serial] = (revoked_at, reason, invalid)
    return out


def _effective(revoked_at: datetime, invalid_since: datetime | None) -> datetime:
    return invalid_since if invalid_since is not None and invalid_since < revoked_at else revoked_at


def _may_sign_crls(ca: x509.Certificate) -> bool:
    try:
        usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return bool(usage.crl_sign)


def verify_crl(data: bytes, issuers: Iterable[x509.Certificate], *, at: datetime) -> RevocationList:
    """Check a CRL recorded at ``at`` against candidate CA certificates (module doc).

    ``issuers`` are CA certificates the verifier already trusts (the anchors and the
    intermediates of validated chains); the one that signed the CRL is found among them.
    """
    if at.tzinfo is None:
        raise MalformedInput(
            "the recording time must carry a time zone", "thời điểm ghi nhận phải kèm múi giờ"
        )
    # 1. Exactly one DER CRL, every field parsed.
    crl, der, raw = _read(data)
    # 2. A complete CRL we can use: known critical extensions, sane dates, SHA-2/3.
    _check_shape(crl)
    entries = _entries(raw)
    # 3. Signed by a known CA of the issuer's name, which may sign CRLs.
    issuer_dn = read_name(crl.issuer).rfc4514
    named = [c for c in issuers if c.subject == crl.issuer]
    signer = next((c for c in named if _signature_valid(crl, c)), None)
    if signer is None:
        raise CRLIssuerMismatch(
            "the CRL is not signed by a known CA of the name it gives",
            "CRL không được ký bởi CA đã biết có tên như CRL ghi",
            check="crl_signature",
            issuer=issuer_dn,
            candidates=len(named),
        )
    if not _may_sign_crls(signer):
        raise CRLIssuerMismatch(
            "the CRL's issuer may not sign CRLs (keyUsage cRLSign)",
            "keyUsage của tổ chức cấp CRL không cho phép ký CRL (cRLSign)",
            check="crl_sign",
            issuer=issuer_dn,
        )
    # 4. Not issued after the time it is recorded at.
    this_update = crl.last_update_utc
    if this_update > at:
        raise CRLNotYetValid(
            "the CRL's thisUpdate is later than the time it is recorded at",
            "thisUpdate của CRL muộn hơn thời điểm ghi nhận",
            check="crl_time",
            this_update=this_update.isoformat(),
            at=at.isoformat(),
        )
    return _revocation_list(crl, der, signer, entries)


def replay_crl(data: bytes, issuers: Iterable[x509.Certificate]) -> RevocationList:
    """Rebuild a CRL that ``verify_crl`` accepted when it was recorded, without judging it
    again (ADR 1: accepted history always loads); ``issuers`` are the CAs known at its
    position, among which its signer is found. Never use it on new input."""
    crl, der, raw = _read(data)
    named = [c for c in issuers if c.subject == crl.issuer]
    signer = next((c for c in named if _signature_valid(crl, c)), None)
    if signer is None:  # not a CRL the registry accepted at this position
        raise CRLIssuerMismatch(
            "no known CA signed this recorded CRL",
            "không có CA đã biết nào ký CRL đã ghi nhận này",
            check="crl_signature",
            issuer=read_name(crl.issuer).rfc4514,
        )
    return _revocation_list(crl, der, signer, _entries(raw))


def _revocation_list(
    crl: x509.CertificateRevocationList,
    der: bytes,
    signer: x509.Certificate,
    entries: dict[int, tuple[datetime, str | None, datetime | None]],
) -> RevocationList:
    number = _value(crl.extensions, x509.CRLNumber)
    return RevocationList(
        der=der,
        issuer_key_id=spki_key_id(signer),
        issuer=read_name(crl.issuer).rfc4514,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        number=number.crl_number if number is not None else None,
        entries=entries,
    )


def _signature_valid(crl: x509.CertificateRevocationList, ca: x509.Certificate) -> bool:
    try:
        return bool(crl.is_signature_valid(ca.public_key()))  # type: ignore[arg-type]
    except Exception:  # a key type that cannot verify this signature
        return False


def _value(extensions: x509.Extensions, kind: type[Any]) -> Any:
    try:
        return extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
