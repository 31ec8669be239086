"""Certificates and CRLs inside JSON: what events and bundles carry.

A chain is a JSON list of strict standard base64 (RFC 4648 §4) of each certificate's
DER, leaf first, then its intermediates (the trust anchor may be left out); a CRL is
one such string. Trust anchors are listed with their SHA-256 fingerprints so a person can
compare them with the fingerprint published by the CA. An inspector holding only the
anchor's PEM re-validates every chain with ``validate_chain_doc``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from verify.errors import VerificationError
from verify.keys import decode_base64
from verify.x509 import (
    MAX_ANCHORS,
    MAX_INTERMEDIATES,
    TrustAnchor,
    ValidatedChain,
    load_anchors,
    validate_chain,
)
from verify.x509_errors import MalformedCertificate, MalformedCRL
from verify.x509_load import load_der_certificate

MAX_CHAIN = 1 + 2 * MAX_INTERMEDIATES


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode_chain(certs: Sequence[x509.Certificate]) -> list[str]:
    """Base64 DER of each certificate, in the order given (leaf first)."""
    return [_b64(c.public_bytes(serialization.Encoding.DER)) for c in certs]


def decode_chain(doc: object, *, field: str = "chain") -> tuple[x509.Certificate, ...]:
    """A list of 1 to MAX_CHAIN strict base64 DER certificates."""
    if not isinstance(doc, list) or not 1 <= len(doc) <= MAX_CHAIN:
        raise MalformedCertificate(
            f"{field} must be a list of 1 to {MAX_CHAIN} base64 certificates",
            f"{field} phải là danh sách từ 1 đến {MAX_CHAIN} chứng thư mã base64",
            field=field,
        )
    certs = []
    for i, item in enumerate(doc):
        if not isinstance(item, str):
            raise MalformedCertificate(
                f"{field}[{i}] must be a string",
                f"{field}[{i}] phải là chuỗi ký tự",
                field=field,
                index=i,
            )
        try:
            der = decode_base64(item, field=f"{field}[{i}]")
        except VerificationError as e:
            raise MalformedCertificate(e.en, e.vi, **e.evidence) from None
        certs.append(load_der_certificate(der, what=f"{field}[{i}]"))
    if len(set(certs)) != len(certs):
        raise MalformedCertificate(
            f"{field} lists a certificate twice",
            f"{field} có một chứng thư xuất hiện hai lần",
            field=field,
        )
    return tuple(certs)


def validate_chain_doc(
    doc: object, anchors: Iterable[TrustAnchor], at: datetime, *, field: str = "chain"
) -> ValidatedChain:
    """Decode a chain document and validate its first certificate at ``at``."""
    certs = decode_chain(doc, field=field)
    return validate_chain(certs[0], certs[1:], anchors, at)


def encode_crl(der: bytes) -> str:
    return _b64(der)


def decode_crl(doc: object, *, field: str = "crl") -> bytes:
    """The DER bytes of a base64 CRL (to give to ``verify.crl.verify_crl``)."""
    if not isinstance(doc, str):
        raise MalformedCRL(
            f"{field} must be a base64 string", f"{field} phải là chuỗi base64", field=field
        )
    try:
        return decode_base64(doc, field=field)
    except VerificationError as e:
        raise MalformedCRL(e.en, e.vi, **e.evidence) from None


def anchors_doc(anchors: Iterable[TrustAnchor]) -> list[dict[str, Any]]:
    """``[{"certificate", "sha256", "subject"}]``, for events, bundles and the public page."""
    return [
        {
            "certificate": _b64(a.der),
            "sha256": a.fingerprint,
            "subject": a.info.subject.rfc4514,
        }
        for a in anchors
    ]


def anchors_from_doc(doc: object) -> tuple[TrustAnchor, ...]:
    """Read ``anchors_doc`` output back, checking every stated fingerprint."""
    if not isinstance(doc, list) or not 1 <= len(doc) <= MAX_ANCHORS:
        raise MalformedCertificate(
            f"anchors must be a list of 1 to {MAX_ANCHORS} objects",
            f"danh sách gốc tin cậy phải có từ 1 đến {MAX_ANCHORS} mục",
        )
    pem = b""
    stated: list[tuple[str, str]] = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict) or set(item) != {"certificate", "sha256", "subject"}:
            raise MalformedCertificate(
                "each anchor must be {certificate, sha256, subject}",
                "mỗi gốc tin cậy phải có dạng {certificate, sha256, subject}",
                index=i,
            )
        cert = decode_chain([item["certificate"]], field=f"anchors[{i}]")[0]
        pem += cert.public_bytes(serialization.Encoding.PEM)
        stated.append((item["sha256"], item["subject"]))
    anchors = load_anchors(pem)
    actual = [(a.fingerprint, a.info.subject.rfc4514) for a in anchors]
    if actual != stated:
        raise MalformedCertificate(
            "an anchor's sha256 or subject does not match its certificate",
            "dấu vân tay sha256 hoặc tên của gốc tin cậy không khớp chứng thư",
            stated=[list(x) for x in stated],
            actual=[list(x) for x in actual],
        )
    return anchors
