"""Why a certificate, a chain or a CRL is refused: one class per check.

Every refusal is a ``CertificateError`` (a ``VerificationError``) whose ``code`` is stable
and whose evidence names the certificate (``position`` in the chain, 0 = the leaf;
``role``; ``subject``; ``serial``; ``fingerprint``) and the ``check`` that failed, so a
report can say which certificate broke which rule.
"""

from __future__ import annotations

from verify.errors import MalformedInput, VerificationError


class CertificateError(VerificationError):
    """Chứng thư số (certificate) refused. Subclasses name the check."""

    code = "certificate_refused"


class MalformedCertificate(CertificateError, MalformedInput):
    """Bytes that are not exactly one DER (or PEM) X.509 v3 certificate, or a bad list."""

    code = "certificate_malformed"


class UntrustedRoot(CertificateError):
    """The chain ends at a certificate that is not among the trust anchors."""

    code = "certificate_untrusted_root"


class IssuerNotFound(CertificateError):
    """No given certificate or trust anchor has the subject named as this one's issuer."""

    code = "certificate_issuer_not_found"


class BadCertificateSignature(CertificateError):
    """The issuer is named correctly but its key did not make this signature."""

    code = "certificate_bad_signature"


class CertificateExpired(CertificateError):
    code = "certificate_expired"


class CertificateNotYetValid(CertificateError):
    code = "certificate_not_yet_valid"


class IssuerNotCA(CertificateError):
    """An issuer without basicConstraints cA=TRUE or without keyUsage keyCertSign."""

    code = "certificate_issuer_not_ca"


class PathLengthExceeded(CertificateError):
    """More intermediate CAs below an issuer than its pathLenConstraint allows."""

    code = "certificate_path_too_long"


class LeafIsCA(CertificateError):
    """A CA certificate presented as an official's (end-entity) certificate."""

    code = "certificate_leaf_is_ca"


class NotForSigning(CertificateError):
    """The leaf's keyUsage has neither digitalSignature nor nonRepudiation."""

    code = "certificate_not_for_signing"


class WeakAlgorithm(CertificateError):
    """A key or signature algorithm outside Circular 15/2025/TT-BKHCN (RSA >= 2048, ECDSA
    >= 256 bits, SHA-2 or SHA-3)."""

    code = "certificate_weak_algorithm"


class UnsupportedCertificateKey(CertificateError):
    """A leaf key that envelopes cannot use (only RSA-PSS/SHA-256 and ECDSA P-256)."""

    code = "certificate_key_unsupported"


class UnhandledCriticalExtension(CertificateError):
    """A critical extension this verifier does not process (RFC 5280 §4.2)."""

    code = "certificate_critical_extension"


class MalformedCRL(CertificateError, MalformedInput):
    """Bytes that are not exactly one DER (or PEM) CRL, or a CRL this verifier cannot use
    (delta or indirect CRL, partitioned scope, nextUpdate before thisUpdate)."""

    code = "crl_malformed"


class CRLIssuerMismatch(CertificateError):
    """The CRL is not signed by the CA it names, or that CA may not sign CRLs."""

    code = "crl_issuer_mismatch"


class CRLNotYetValid(CertificateError):
    """A CRL whose thisUpdate is after the time it is recorded at."""

    code = "crl_not_yet_valid"


class CertificateRevoked(CertificateError):
    """The log holds a CRL that revokes this certificate."""

    code = "certificate_revoked"
