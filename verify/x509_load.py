"""Strict reading of certificates: exactly one DER X.509 v3 certificate, or PEM blocks.

DER must be the certificate's exact encoding (RFC 5280 §4.1: DER, so one spelling);
PEM (RFC 7468 §5) may wrap it, with only ``CERTIFICATE`` blocks allowed in a file.
``ValueError`` and friends from ``cryptography`` never escape: they become
``MalformedCertificate``.
"""

from __future__ import annotations

import base64
import binascii
import re
import warnings

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from verify.x509_errors import MalformedCertificate

MAX_CERT_BYTES = 16_384  # national CA certificates are 1-2 KiB

_PEM_BLOCK = re.compile(
    rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n\t ]*?)-----END \1-----"
)
_PEM_BEGIN = re.compile(rb"-----BEGIN ([^-]*)-----")


def _refuse(what: str, en: str, vi: str, **evidence: object) -> MalformedCertificate:
    return MalformedCertificate(f"{what}: {en}", f"{what}: {vi}", **evidence)


def pem_blocks(data: bytes, label: bytes, *, what: str) -> list[bytes]:
    """The DER bodies of every PEM block in ``data``; any block not ``label`` is refused."""
    begins = _PEM_BEGIN.findall(data)
    blocks = _PEM_BLOCK.findall(data)
    if len(begins) != len(blocks):
        raise _refuse(what, "PEM block is not well formed", "khối PEM không đúng định dạng")
    out = []
    for kind, body in blocks:
        if kind != label:
            raise _refuse(
                what,
                f"unexpected PEM block {kind.decode('ascii', 'replace')}",
                f"khối PEM không được chấp nhận: {kind.decode('ascii', 'replace')}",
            )
        try:
            out.append(base64.b64decode(b"".join(body.split()), validate=True))
        except (binascii.Error, ValueError):
            raise _refuse(
                what, "PEM body is not base64", "nội dung PEM không phải base64"
            ) from None
    return out


def load_der_certificate(der: bytes, *, what: str = "certificate") -> x509.Certificate:
    """Parse exactly one DER certificate; refuse anything but its exact v3 encoding."""
    if not isinstance(der, bytes) or not der:
        raise _refuse(what, "no certificate bytes", "không có dữ liệu chứng thư")
    if len(der) > MAX_CERT_BYTES:
        raise _refuse(
            what,
            "certificate is too large",
            "chứng thư quá lớn",
            size=len(der),
            max_bytes=MAX_CERT_BYTES,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a non-positive serial: refused below
            cert = x509.load_der_x509_certificate(der)
            serial = cert.serial_number
        exact = (
            cert.public_bytes(serialization.Encoding.DER) == der
        )  # a guard: the parser is DER-strict
        version = cert.version
        # Parsing is lazy: touch every field now, so a bad one fails here and not later.
        _ = (cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(), cert.extensions)
        _ = (cert.not_valid_before_utc, cert.not_valid_after_utc, cert.signature_algorithm_oid)
    except Exception:  # ValueError, InvalidVersion, DuplicateExtension, ...
        raise _refuse(
            what,
            "not a valid DER X.509 certificate",
            "không phải chứng thư X.509 mã hóa DER hợp lệ",
        ) from None
    try:
        cert.public_key()
    except UnsupportedAlgorithm:
        pass  # a key type this profile refuses, with its reason (x509_profile.check_key)
    except Exception:
        raise _refuse(
            what,
            "the certificate's public key does not parse",
            "không đọc được khóa công khai trong chứng thư",
        ) from None
    if not exact:
        raise _refuse(
            what,
            "certificate bytes are not its exact DER encoding",
            "dữ liệu chứng thư không phải mã hóa DER chính xác của nó",
        )
    if serial <= 0:
        raise _refuse(
            what,
            "the serial number must be positive (RFC 5280 §4.1.2.2)",
            "số hiệu chứng thư phải là số dương (RFC 5280 §4.1.2.2)",
        )
    if version != x509.Version.v3:
        raise _refuse(
            what,
            "only X.509 version 3 certificates are accepted",
            "chỉ chấp nhận chứng thư X.509 phiên bản 3",
            version=version.name,
        )
    return cert


def load_certificate(data: bytes, *, what: str = "certificate") -> x509.Certificate:
    """One certificate, as DER or as a PEM file holding exactly one CERTIFICATE block."""
    if isinstance(data, bytes) and data.lstrip().startswith(b"-----BEGIN"):
        blocks = pem_blocks(data, b"CERTIFICATE", what=what)
        if len(blocks) != 1:
            raise _refuse(
                what,
                "expected exactly one PEM certificate",
                "cần đúng một chứng thư PEM",
                count=len(blocks),
            )
        return load_der_certificate(blocks[0], what=what)
    return load_der_certificate(data, what=what)


def load_pem_certificates(data: bytes, *, what: str, limit: int) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle (1 to ``limit``); text between blocks is allowed."""
    if not isinstance(data, bytes):
        raise _refuse(what, "PEM must be bytes", "PEM phải là dãy byte")
    blocks = pem_blocks(data, b"CERTIFICATE", what=what)
    if not 1 <= len(blocks) <= limit:
        raise _refuse(
            what,
            f"expected 1 to {limit} PEM certificates",
            f"cần từ 1 đến {limit} chứng thư PEM",
            count=len(blocks),
        )
    return [load_der_certificate(der, what=what) for der in blocks]
