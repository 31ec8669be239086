"""Path building (RFC 4158, simplified): candidate paths from a leaf to a trust anchor.

Each issuer is a given certificate or an anchor whose subject equals the issuer name
(and whose subjectKeyIdentifier matches the authorityKeyIdentifier when both are present,
RFC 5280 §4.2.1.1) and whose key verifies the signature. Paths are yielded depth first;
when none is found, the failure that got furthest from the leaf is kept to report.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from cryptography import x509

from verify.errors import MalformedInput
from verify.x509_errors import (
    BadCertificateSignature,
    CertificateError,
    IssuerNotFound,
    UntrustedRoot,
)
from verify.x509_info import read_name
from verify.x509_profile import check_signature_algorithm, evidence

if TYPE_CHECKING:
    from verify.x509 import TrustAnchor

MAX_INTERMEDIATES = 4  # bounds path building; national chains have one or two
SIGNATURE_BUDGET = 64  # signature checks one search may spend (as webpki's Budget)


def aki_matches(child: x509.Certificate, parent: x509.Certificate) -> bool:
    """False only when both key identifiers are present and differ (RFC 5280 §4.2.1.1)."""
    try:
        aki = child.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = parent.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return True
    return aki.key_identifier is None or aki.key_identifier == ski.digest


class PathSearch:
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
            if a.subject == cert.issuer and aki_matches(cert, a):
                named = True
                if self.signed_by(cert, a):
                    verified = True
                    yield [*path, a], anchor
        if depth < MAX_INTERMEDIATES:
            for c in self.pool:
                if c.subject == cert.issuer and aki_matches(cert, c) and c not in path:
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
