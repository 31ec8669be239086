"""The certificate profile: checks on one certificate at one place in a chain.

Each check raises its own ``CertificateError`` subclass with the certificate's evidence
(``position``: 0 = leaf; ``role``: leaf, intermediate or anchor) and the ``check`` name.
Steps 2-6 of ``verify.x509``'s module docstring are here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, ObjectIdentifier

from verify.x509_errors import (
    CertificateExpired,
    CertificateNotYetValid,
    IssuerNotCA,
    LeafIsCA,
    NotForSigning,
    PathLengthExceeded,
    UnhandledCriticalExtension,
    UnsupportedCertificateKey,
    WeakAlgorithm,
)
from verify.x509_info import fingerprint, read_name

RSA_MIN_BITS = 2048
CA_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
SIGNATURE_HASHES = (
    hashes.SHA256,
    hashes.SHA384,
    hashes.SHA512,
    hashes.SHA3_256,
    hashes.SHA3_384,
    hashes.SHA3_512,
)

# Extensions a critical flag may be set on: processed here, or informational with no
# constraint to enforce (policies: any policy is accepted, RFC 5280 §6.1.1 with
# user-initial-policy-set = anyPolicy and no explicit policy required).
HANDLED_EXTENSIONS = {
    ExtensionOID.BASIC_CONSTRAINTS,
    ExtensionOID.KEY_USAGE,
    ExtensionOID.EXTENDED_KEY_USAGE,
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
    ExtensionOID.ISSUER_ALTERNATIVE_NAME,
    ExtensionOID.SUBJECT_KEY_IDENTIFIER,
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    ExtensionOID.CERTIFICATE_POLICIES,
    ExtensionOID.CRL_DISTRIBUTION_POINTS,
    ExtensionOID.FRESHEST_CRL,
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
    ExtensionOID.SUBJECT_DIRECTORY_ATTRIBUTES,
}

# extendedKeyUsage purposes under which an official may sign documents.
SIGNING_PURPOSES = {
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    ExtendedKeyUsageOID.CLIENT_AUTH,
    ExtendedKeyUsageOID.EMAIL_PROTECTION,
    ObjectIdentifier("1.3.6.1.5.5.7.3.36"),  # id-kp-documentSigning, RFC 9336
    ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"),  # Microsoft document signing
    ObjectIdentifier("1.2.840.113583.1.1.5"),  # Adobe authentic documents trust (PDF)
}


def evidence(cert: x509.Certificate, position: int, role: str) -> dict[str, Any]:
    return {
        "position": position,
        "role": role,
        "subject": read_name(cert.subject).rfc4514,
        "serial": format(cert.serial_number, "x"),
        "fingerprint": fingerprint(cert),
    }


def check_signature_algorithm(cert: x509.Certificate, position: int, role: str) -> None:
    """The issuer's signature on ``cert`` uses SHA-2 (256 bits or more) or SHA-3."""
    try:
        h = cert.signature_hash_algorithm
    except Exception:  # UnsupportedAlgorithm: an OID cryptography does not know
        h = None
    if not isinstance(h, SIGNATURE_HASHES):
        raise WeakAlgorithm(
            "the certificate is signed with an algorithm that is not permitted"
            " (SHA-256 or stronger is required)",
            "chứng thư được ký bằng thuật toán không được phép (yêu cầu SHA-256 trở lên)",
            check="signature_algorithm",
            algorithm=cert.signature_algorithm_oid.dotted_string,
            **evidence(cert, position, role),
        )


def check_key(cert: x509.Certificate, position: int, role: str) -> None:
    """RSA >= 2048 bits or ECDSA on a NIST prime curve; the leaf's must suit envelopes."""
    try:
        key = cert.public_key()
    except Exception:  # UnsupportedAlgorithm, or a key that does not parse
        key = None
    if isinstance(key, rsa.RSAPublicKey):
        weak = key.key_size < RSA_MIN_BITS
        detail = f"RSA {key.key_size}"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        weak = not isinstance(key.curve, CA_CURVES)
        detail = f"ECDSA {key.curve.name}"
    else:
        weak, detail = True, type(key).__name__ if key is not None else "unknown"
    if weak:
        raise WeakAlgorithm(
            f"key {detail} is not permitted (RSA of 2048 bits or more, or ECDSA P-256/384/521)",
            f"khóa {detail} không được phép (RSA từ 2048 bit hoặc ECDSA P-256/384/521)",
            check="key_algorithm",
            key=detail,
            **evidence(cert, position, role),
        )
    if role == "leaf" and not (
        (isinstance(key, rsa.RSAPublicKey) and key.key_size <= 8192)
        or (isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1))
    ):
        raise UnsupportedCertificateKey(
            f"an official's key must be RSA (2048-8192 bits) or ECDSA P-256, not {detail}",
            f"khóa của cán bộ phải là RSA (2048-8192 bit) hoặc ECDSA P-256, không phải {detail}",
            check="key_algorithm",
            key=detail,
            **evidence(cert, position, role),
        )


def check_time(cert: x509.Certificate, position: int, role: str, at: datetime) -> None:
    """notBefore <= at <= notAfter (RFC 5280 §4.1.2.5)."""
    nb, na = cert.not_valid_before_utc, cert.not_valid_after_utc
    if nb <= at <= na:
        return
    times = {"at": at.isoformat(), "not_before": nb.isoformat(), "not_after": na.isoformat()}
    if at < nb:
        raise CertificateNotYetValid(
            f"the {role} certificate is not yet valid at {at.isoformat()}",
            f"chứng thư ({_ROLE_VI[role]}) chưa có hiệu lực tại thời điểm {at.isoformat()}",
            check="validity",
            **times,
            **evidence(cert, position, role),
        )
    raise CertificateExpired(
        f"the {role} certificate has expired at {at.isoformat()}",
        f"chứng thư ({_ROLE_VI[role]}) đã hết hiệu lực tại thời điểm {at.isoformat()}",
        check="validity",
        **times,
        **evidence(cert, position, role),
    )


_ROLE_VI = {"leaf": "của cán bộ", "intermediate": "CA trung gian", "anchor": "gốc tin cậy"}


def _ext(cert: x509.Certificate, kind: type[Any]) -> Any:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def check_certificate(cert: x509.Certificate, position: int, role: str, *, below: int) -> None:
    """Key, critical extensions and the role's constraints (steps 3-6).

    ``below`` counts the non-self-issued intermediates between this issuer and the leaf.
    """

    def ev() -> dict[str, Any]:
        return evidence(cert, position, role)

    check_key(cert, position, role)
    for ext in cert.extensions:
        if ext.critical and ext.oid not in HANDLED_EXTENSIONS:
            raise UnhandledCriticalExtension(
                f"critical extension {ext.oid.dotted_string} is not supported",
                f"không hỗ trợ phần mở rộng bắt buộc (critical) {ext.oid.dotted_string}",
                check="critical_extension",
                extension=ext.oid.dotted_string,
                **ev(),
            )
    bc = _ext(cert, x509.BasicConstraints)
    usage = _ext(cert, x509.KeyUsage)
    if role == "leaf":
        if bc is not None and bc.ca:
            raise LeafIsCA(
                "a CA certificate cannot be an official's signing certificate",
                "chứng thư của CA không thể dùng làm chứng thư ký của cán bộ",
                check="basicConstraints",
                **ev(),
            )
        if usage is None or not (usage.digital_signature or usage.content_commitment):
            raise NotForSigning(
                "the certificate's keyUsage does not allow digital signatures",
                "mục đích sử dụng khóa (keyUsage) của chứng thư không cho phép ký số",
                check="keyUsage",
                **ev(),
            )
        eku = _ext(cert, x509.ExtendedKeyUsage)
        if eku is not None and not SIGNING_PURPOSES.intersection(eku):
            raise NotForSigning(
                "the certificate's extendedKeyUsage does not allow signing documents",
                "mục đích sử dụng khóa mở rộng (extendedKeyUsage) không cho phép ký văn bản",
                check="extendedKeyUsage",
                purposes=[o.dotted_string for o in eku],
                **ev(),
            )
        return
    if bc is None or not bc.ca:
        raise IssuerNotCA(
            "the issuer is not a certification authority (basicConstraints)",
            "tổ chức cấp không phải là CA (basicConstraints)",
            check="basicConstraints",
            **ev(),
        )
    if usage is None or not usage.key_cert_sign:
        raise IssuerNotCA(
            "the issuer's keyUsage does not allow signing certificates",
            "keyUsage của tổ chức cấp không cho phép ký chứng thư",
            check="keyUsage",
            **ev(),
        )
    if bc.path_length is not None and below > bc.path_length:
        raise PathLengthExceeded(
            f"{below} intermediate CAs below an issuer whose path length limit is {bc.path_length}",
            f"có {below} CA trung gian bên dưới, vượt giới hạn độ dài chuỗi {bc.path_length}",
            check="pathLenConstraint",
            below=below,
            path_length=bc.path_length,
            **ev(),
        )
