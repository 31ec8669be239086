"""Chứng thư số (X.509 certificates): trust anchors and path validation for officials' keys.

An official's certificate is accepted when a path leads from it, through the given
intermediates, to one of the deployment's trust anchors (RFC 5280 §6.1), under this
profile (ADR "x509-path-validation" says why it is written here and not delegated):

1. Path building (``verify.x509_path``, RFC 4158 simplified): each issuer is a given
   certificate or anchor whose subject equals the issuer name (and whose
   subjectKeyIdentifier matches the authorityKeyIdentifier, when both are present), whose
   key verifies the signature, which is SHA-2 or SHA-3 (step 3).
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

Revocation is not judged here: see ``verify.crl`` and ``verify.revocation`` (CRLs from
the log). Checks 2-6 are in ``verify.x509_profile``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from verify.errors import MalformedInput, UnsupportedKey
from verify.keys import PublicKey, public_key_from_crypto
from verify.x509_errors import CertificateError, UntrustedRoot
from verify.x509_info import CertificateInfo, describe, fingerprint, spki_key_id
from verify.x509_load import load_certificate, load_pem_certificates
from verify.x509_path import MAX_INTERMEDIATES, PathSearch, aki_matches
from verify.x509_profile import check_certificate, check_time, evidence

MAX_ANCHORS = 32

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
    "replay_chain",
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
    def path(self) -> tuple[x509.Certificate, ...]:
        """The path without its anchor: the one spelling of a chain an event carries."""
        return self.certificates[:-1]

    @cached_property
    def not_before(self) -> datetime:
        """Start of the window in which every certificate of the chain is valid."""
        return max(c.not_valid_before_utc for c in self.certificates)

    @cached_property
    def not_after(self) -> datetime:
        return min(c.not_valid_after_utc for c in self.certificates)

    @cached_property
    def issuer_key_ids(self) -> tuple[str, ...]:
        """For each certificate below the anchor, its issuer's key id (to match CRLs)."""
        return tuple(spki_key_id(c) for c in self.certificates[1:])

    @cached_property
    def revocation_keys(self) -> tuple[tuple[str, int], ...]:
        """(issuer key id, serial) of each certificate below the anchor: what a CRL lists."""
        return tuple(
            (kid, c.serial_number)
            for kid, c in zip(self.issuer_key_ids, self.certificates, strict=False)
        )

    def check_time(self, at: datetime) -> None:
        """Raise CertificateExpired / CertificateNotYetValid unless the whole chain is
        valid at ``at`` (signatures and profile do not depend on time: no re-validation)."""
        if self.not_before <= at <= self.not_after:
            return  # inside every certificate's window; else find which one, for the error
        for i, cert in enumerate(self.certificates):
            check_time(cert, i, _role(i, len(self.certificates)), at)


def _role(position: int, length: int) -> str:
    return "leaf" if position == 0 else "anchor" if position == length - 1 else "intermediate"


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
    search = PathSearch([c for c in intermediates if c not in anchor_certs], anchor_list)
    first_error: CertificateError | None = None
    # 1. Build candidate paths; 2-6. check each; the first that passes wins.
    for path, anchor in search.paths([leaf]):
        try:
            return _check_path(path, anchor, at)
        except CertificateError as e:
            first_error = first_error or e
    if first_error is not None:
        raise first_error
    if search.failure is None:  # unreachable: a search that yields nothing records why
        raise UntrustedRoot("no path to a trust anchor", "không dựng được chuỗi tới gốc tin cậy")
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


def replay_chain(
    path: Sequence[x509.Certificate], anchors: Iterable[TrustAnchor], validated_at: datetime
) -> ValidatedChain:
    """Rebuild an accepted chain from its ``path`` (leaf first, anchor left out) without
    judging it again: for applying stored events, so history that was accepted always
    loads (ADR 1). Never use it on new input: ``validate_chain`` is for that."""
    last = path[-1]
    anchor = next(
        (
            a
            for a in anchors
            if a.certificate.subject == last.issuer and aki_matches(last, a.certificate)
        ),
        None,
    )
    if anchor is None:
        raise UntrustedRoot(
            "no recorded trust anchor issued this chain",
            "không có gốc tin cậy đã ghi nhận nào cấp chuỗi chứng thư này",
            check="trust_anchor",
            **evidence(last, len(path) - 1, "leaf" if len(path) == 1 else "intermediate"),
        )
    key = public_key_from_crypto(path[0].public_key())
    return ValidatedChain((*path, anchor.certificate), anchor, key, describe(path[0]), validated_at)
