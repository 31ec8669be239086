"""Chứng thư số (X.509 certificates): trust anchors and path validation for officials' keys.

An official's certificate is accepted when a path leads from it, through the given
intermediates, to one of the deployment's trust anchors (RFC 5280 §6.1), under this
profile (ADR "x509-path-validation" says why it is written here and not delegated):

1. Path building (RFC 4158, simplified): each issuer is a given certificate or anchor
   whose subject equals the issuer name (and whose subjectKeyIdentifier matches the
   authorityKeyIdentifier, when both are present), and whose key verifies the signature.
2. Every certificate, anchor included, is valid at the time ``at`` (notBefore <= at <=
   notAfter, §4.1.2.5).
3. Algorithms (Circular 15/2025/TT-BKHCN): RSA keys of 2048 bits or more, ECDSA on
   P-256, P-384 or P-521; certificate signatures with SHA-256/384/512 or SHA3. The leaf's
   key must be one envelopes use: RSA (2048-8192 bits, used as RSA-PSS/SHA-256) or P-256.
4. No critical extension this module does not process (§4.2).
5. Issuers: basicConstraints cA=TRUE (§4.2.1.9), keyUsage with keyCertSign (§4.2.1.3),
   pathLenConstraint respected.
6. The leaf: not a CA; keyUsage present with digitalSignature or nonRepudiation
   (contentCommitment); an extendedKeyUsage, if present, allows signing documents.

Revocation is not judged here: see ``verify.crl``, which reads CRLs from the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from verify.errors import MalformedInput, UnsupportedKey
from verify.keys import PublicKey, public_key_from_crypto
from verify.x509_errors import (
    BadCertificateSignature,
    CertificateError,
    IssuerNotFound,
    UntrustedRoot,
)
from verify.x509_info import CertificateInfo, describe, fingerprint, read_name, spki_key_id
from verify.x509_load import load_certificate, load_pem_certificates
from verify.x509_profile import (
    check_certificate,
    check_signature_algorithm,
    check_time,
    evidence,
)

MAX_INTERMEDIATES = 4  # bounds path building; national chains have one or two
MAX_ANCHORS = 32
SIGNATURE_BUDGET = 64  # signature checks one path search may spend (as webpki's Budget)

__all__ = [
    "MAX_ANCHORS",
    "MAX_INTERMEDIATES",
    "CertificateInfo",
    "TrustAnchor",
    "ValidatedChain",
    "describe",
    "fingerprint",
    "load_anchors",
    "load_certificate",
    "validate_chain",
]


@dataclass(frozen=True)
class TrustAnchor:
    """Gốc tin cậy (trust anchor): a CA certificate the deployment trusts a priori."""

    certificate: x509.Certificate

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)

    @cached_property
    def info(self) -> CertificateInfo:
        return describe(self.certificate)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def load_anchors(pem: bytes) -> tuple[TrustAnchor, ...]:
    """Read one or more trust anchors from PEM; each must be a usable CA certificate.

    Validity periods are not checked here: they are checked at each validation time.
    """
    certs = load_pem_certificates(pem, what="trust anchor", limit=MAX_ANCHORS)
    anchors: dict[str, TrustAnchor] = {}
    for i, cert in enumerate(certs):
        check_certificate(cert, i, "anchor", below=0)
        anchor = TrustAnchor(cert)
        anchors.setdefault(anchor.fingerprint, anchor)
    return tuple(anchors.values())


@dataclass(frozen=True)
class ValidatedChain:
    """A leaf certificate validated to a trust anchor: its key and what it says."""

    certificates: tuple[x509.Certificate, ...]  # leaf first, anchor last
    anchor: TrustAnchor
    public_key: PublicKey
    leaf: CertificateInfo
    validated_at: datetime

    @property
    def key_id(self) -> str:
        return self.public_key.key_id

    @property
    def leaf_certificate(self) -> x509.Certificate:
        return self.certificates[0]

    @property
    def not_before(self) -> datetime:
        """Start of the window in which every certificate of the chain is valid."""
        return max(c.not_valid_before_utc for c in self.certificates)

    @property
    def not_after(self) -> datetime:
        return min(c.not_valid_after_utc for c in self.certificates)

    @cached_property
    def issuer_key_ids(self) -> tuple[str, ...]:
        """For each certificate below the anchor, its issuer's key id (to match CRLs)."""
        return tuple(spki_key_id(c) for c in self.certificates[1:])

    def check_time(self, at: datetime) -> None:
        """Raise CertificateExpired / CertificateNotYetValid unless the whole chain is
        valid at ``at`` (signatures and profile do not depend on time: no re-validation)."""
        for i, cert in enumerate(self.certificates):
            check_time(cert, i, _role(i, len(self.certificates)), at)


def _role(position: int, length: int) -> str:
    return "leaf" if position == 0 else "anchor" if position == length - 1 else "intermediate"


def _aki_matches(child: x509.Certificate, parent: x509.Certificate) -> bool:
    """False only when both key identifiers are present and differ (RFC 5280 §4.2.1.1)."""
    try:
        aki = child.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = parent.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return True
    return aki.key_identifier is None or aki.key_identifier == ski.digest


class _Search:
    """Depth-first path building; remembers the failure that got furthest."""

    def __init__(self, pool: Sequence[x509.Certificate], anchors: Sequence[TrustAnchor]):
        self.pool = pool
        self.anchors = anchors
        self.failure: tuple[int, CertificateError] | None = None
        self.budget = SIGNATURE_BUDGET

    def signed_by(self, child: x509.Certificate, parent: x509.Certificate) -> bool:
        if self.budget == 0:
            raise MalformedInput(
                "too many candidate issuers to search",
                "quá nhiều chứng thư ứng viên để dựng chuỗi",
                budget=SIGNATURE_BUDGET,
            )
        self.budget -= 1
        try:
            child.verify_directly_issued_by(parent)
        except Exception:  # InvalidSignature, or an issuer key that cannot verify it
            return False
        return True

    def fail(self, depth: int, error: CertificateError) -> None:
        if self.failure is None or depth > self.failure[0]:
            self.failure = (depth, error)

    def paths(
        self, path: list[x509.Certificate]
    ) -> Iterator[tuple[list[x509.Certificate], TrustAnchor]]:
        cert, depth = path[-1], len(path) - 1
        role = "leaf" if depth == 0 else "intermediate"
        try:
            check_signature_algorithm(cert, depth, role)
        except CertificateError as e:
            self.fail(depth, e)
            return
        named = verified = False
        for anchor in self.anchors:
            a = anchor.certificate
            if a.subject == cert.issuer and _aki_matches(cert, a):
                named = True
                if self.signed_by(cert, a):
                    verified = True
                    yield [*path, a], anchor
        if depth < MAX_INTERMEDIATES:
            for c in self.pool:
                if c.subject == cert.issuer and _aki_matches(cert, c) and c not in path:
                    named = True
                    if self.signed_by(cert, c):
                        verified = True
                        yield from self.paths([*path, c])
        if verified:
            return
        ev = evidence(cert, depth, role)
        if named:
            self.fail(
                depth,
                BadCertificateSignature(
                    "the certificate's signature was not made by its issuer's key",
                    "chữ ký trên chứng thư không do khóa của tổ chức cấp tạo ra",
                    check="signature",
                    issuer=read_name(cert.issuer).rfc4514,
                    **ev,
                ),
            )
        elif cert.issuer == cert.subject:
            self.fail(
                depth,
                UntrustedRoot(
                    "the chain ends at a root certificate that is not a trust anchor",
                    "chuỗi chứng thư kết thúc ở một chứng thư gốc không nằm trong danh sách gốc tin cậy",
                    check="trust_anchor",
                    **ev,
                ),
            )
        else:
            self.fail(
                depth,
                IssuerNotFound(
                    "no given certificate or trust anchor issued this certificate",
                    "không tìm thấy chứng thư của tổ chức cấp (trong chuỗi đã gửi hay trong gốc tin cậy)",
                    check="issuer",
                    issuer=read_name(cert.issuer).rfc4514,
                    **ev,
                ),
            )


def validate_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    anchors: Iterable[TrustAnchor],
    at: datetime,
) -> ValidatedChain:
    """Validate ``leaf`` to one of ``anchors`` at time ``at`` (steps in the module doc).

    ``intermediates`` may hold extra or unordered certificates, and the root itself.
    Raises a ``CertificateError`` subclass naming the certificate and the check.
    """
    if at.tzinfo is None:
        raise MalformedInput(
            "the validation time must carry a time zone", "thời điểm kiểm tra phải kèm múi giờ"
        )
    anchor_list = list(anchors)
    if not anchor_list:
        raise UntrustedRoot(
            "no trust anchor is configured", "chưa cấu hình gốc tin cậy nào", check="trust_anchor"
        )
    if len(intermediates) > 2 * MAX_INTERMEDIATES:
        raise MalformedInput(
            f"at most {2 * MAX_INTERMEDIATES} intermediate certificates may be given",
            f"chỉ được gửi tối đa {2 * MAX_INTERMEDIATES} chứng thư trung gian",
            count=len(intermediates),
        )
    anchor_certs = [a.certificate for a in anchor_list]
    search = _Search([c for c in intermediates if c not in anchor_certs], anchor_list)
    first_error: CertificateError | None = None
    # 1. Build candidate paths; 2-6. check each; the first that passes wins.
    for path, anchor in search.paths([leaf]):
        try:
            return _check_path(path, anchor, at)
        except CertificateError as e:
            first_error = first_error or e
    if first_error is not None:
        raise first_error
    assert search.failure is not None
    raise search.failure[1]


def _check_path(path: list[x509.Certificate], anchor: TrustAnchor, at: datetime) -> ValidatedChain:
    n = len(path)
    for i, cert in enumerate(path):
        role = _role(i, n)
        check_certificate(cert, i, role, below=_intermediates_below(path, i))
        check_time(cert, i, role, at)
    try:
        key = public_key_from_crypto(path[0].public_key())
    except UnsupportedKey as e:  # the profile checks make this unreachable; kept as a guard
        raise CertificateError(e.en, e.vi, **evidence(path[0], 0, "leaf"), **e.evidence) from None
    return ValidatedChain(tuple(path), anchor, key, describe(path[0]), at)


def _intermediates_below(path: list[x509.Certificate], i: int) -> int:
    """Non-self-issued intermediates between ``path[i]`` and the leaf (RFC 5280 §6.1.4 (l))."""
    return sum(1 for c in path[1:i] if c.subject != c.issuer)
