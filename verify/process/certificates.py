"""Chứng thư số trong sổ đăng ký (certificates in the registry): the trust anchors, the
officials' certificate chains and the revocation lists, as the log records them (ADR 0007).

The registry keeps, in log order, the trust anchors (``TrustAnchorAdded``) and the CRLs
(``RevocationListRecorded``) it has recorded, so that at every position of the log:

- an enrolment's chain is validated to the anchors recorded before it, at the time the
  enrolment claims, and refused if a CRL recorded before it revokes the chain;
- a signature by a certificate key is good when the whole chain is valid at the claimed
  time and no CRL recorded before the envelope revokes it, whatever time the envelope
  claims: a signer chooses the claimed time, nobody chooses the log position;
- applying a stored event never judges it again (``replay_chain``, ``replay_crl``), so
  accepted history always loads (ADR 0001), even after every certificate has expired.

A failed check becomes a registry refusal that keeps the certificate error's code as
``evidence["cause"]`` and its evidence (position, serial, fingerprint, CRL…).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

from verify.crl import RevocationList, replay_crl, verify_crl
from verify.errors import LocalizedError, VerificationError
from verify.refusals import (
    CertificateNotValid,
    Duplicate,
    EnrolmentRefused,
    RevocationListRefused,
    TrustAnchorRefused,
)
from verify.revocation import check_not_revoked, check_signing
from verify.x509 import TrustAnchor, ValidatedChain, replay_chain, validate_chain
from verify.x509_bundle import anchors_from_doc, decode_chain, decode_crl, encode_chain
from verify.x509_info import fingerprint


def _refusal(
    cls: type[LocalizedError], en: str, vi: str, e: VerificationError, **more: Any
) -> LocalizedError:
    return cls(f"{en}: {e.en}", f"{vi}: {e.vi}", **{**e.evidence, "cause": e.code, **more})


@dataclass(frozen=True)
class Recorded:
    """When an anchor or a CRL entered the registry: the event's claimed time and hash."""

    time: datetime
    event: str


class CertificateRecords:
    """The registry's certificate evidence, in log order (``RegistryState.certs``)."""

    def __init__(self) -> None:
        self.anchors: dict[str, TrustAnchor] = {}  # SHA-256 fingerprint -> anchor
        self.anchor_records: dict[str, Recorded] = {}
        self.crls: list[RevocationList] = []
        self.crl_records: dict[str, Recorded] = {}  # CRL SHA-256 -> when recorded
        # issuer key id -> every serial any recorded CRL of that issuer lists: a chain none
        # of whose serials is listed needs no further revocation check (the common case)
        self.listed: dict[str, set[int]] = {}
        # CAs that may have signed a CRL: the anchors and every enrolled intermediate
        self.cas: dict[str, x509.Certificate] = {}

    # -- trust anchors (TrustAnchorAdded) -------------------------------------------
    def read_anchor(self, doc: object) -> TrustAnchor:
        """Judge the ``anchor`` object: a CA certificate matching its sha256 and subject."""
        try:
            (anchor,) = anchors_from_doc([doc])
        except VerificationError as e:
            raise _refusal(
                TrustAnchorRefused, "the trust anchor is refused", "gốc tin cậy bị từ chối", e
            ) from None
        if anchor.fingerprint in self.anchors:
            raise Duplicate(
                "this trust anchor is already recorded",
                "gốc tin cậy này đã được ghi nhận",
                sha256=anchor.fingerprint,
            )
        return anchor

    def add_anchor(self, doc: dict[str, Any], at: datetime, event: str) -> None:
        cert = decode_chain([doc["certificate"]], field="anchor")[0]
        anchor = TrustAnchor(cert)
        self.anchors[anchor.fingerprint] = anchor
        self.anchor_records[anchor.fingerprint] = Recorded(at, event)
        self.cas.setdefault(anchor.fingerprint, cert)

    # -- officials' chains (OfficialEnrolled) ---------------------------------------
    def validate(self, doc: object, at: datetime) -> ValidatedChain:
        """Judge an enrolment's ``certificate`` object ``{"chain": [...]}`` at time ``at``."""
        if not isinstance(doc, dict) or set(doc) != {"chain"}:
            raise EnrolmentRefused(
                "certificate must be {chain}", "certificate phải có dạng {chain}", cause="shape"
            )
        try:
            certs = decode_chain(doc["chain"])
            chain = validate_chain(certs[0], certs[1:], self.anchors.values(), at)
            check_not_revoked(chain, self.crls)
        except VerificationError as e:
            raise _refusal(
                EnrolmentRefused,
                "the official's certificate is refused",
                "chứng thư số của cán bộ bị từ chối",
                e,
            ) from None
        if doc["chain"] != encode_chain(chain.path):
            raise EnrolmentRefused(
                "the chain must be exactly the validated path: the official's certificate,"
                " then each intermediate in order, without the trust anchor",
                "chuỗi chứng thư phải đúng đường dẫn đã kiểm tra: chứng thư của cán bộ, rồi"
                " lần lượt các CA trung gian, không kèm gốc tin cậy",
                cause="chain_spelling",
                expected=len(chain.path),
            )
        return chain

    def replay(self, doc: dict[str, Any], at: datetime) -> ValidatedChain:
        """The chain of a stored enrolment, rebuilt without judging it again."""
        return replay_chain(decode_chain(doc["chain"]), self.anchors.values(), validated_at=at)

    def add_chain(self, chain: ValidatedChain) -> None:
        for cert in chain.certificates[1:-1]:
            self.cas.setdefault(fingerprint(cert), cert)

    # -- revocation lists (RevocationListRecorded) ----------------------------------
    def read_crl(self, data: dict[str, Any], at: datetime) -> RevocationList:
        """Judge ``{"crl", "sha256"}`` recorded at ``at``: signed by a known CA, not later."""
        try:
            der = decode_crl(data["crl"])
        except VerificationError as e:
            raise _refusal(
                RevocationListRefused, "the CRL is refused", "CRL bị từ chối", e
            ) from None
        actual = hashlib.sha256(der).hexdigest()
        if actual != data["sha256"]:
            raise RevocationListRefused(
                "the CRL's sha256 does not match its bytes",
                "sha256 của CRL không khớp với nội dung",
                cause="crl_sha256",
                stated=data["sha256"],
                actual=actual,
            )
        if actual in self.crl_records:
            raise Duplicate(
                "this CRL is already recorded", "CRL này đã được ghi nhận", sha256=actual
            )
        try:
            return verify_crl(der, self.cas.values(), at=at)
        except VerificationError as e:
            raise _refusal(
                RevocationListRefused, "the CRL is refused", "CRL bị từ chối", e
            ) from None

    def add_crl(self, data: dict[str, Any], at: datetime, event: str) -> None:
        crl = replay_crl(decode_crl(data["crl"]), self.cas.values())
        self._keep(crl, Recorded(at, event))

    def _keep(self, crl: RevocationList, when: Recorded) -> None:
        self.crls.append(crl)
        self.crl_records[crl.fingerprint] = when
        self.listed.setdefault(crl.issuer_key_id, set()).update(crl.entries)

    def before(self, n: int) -> CertificateRecords:
        """The evidence as it stood when only the first ``n`` CRLs were recorded: for a
        verifier that applies the whole registry before judging the envelopes logged among
        its events (a signature is judged by the CRLs before it, never by later ones)."""
        if n >= len(self.crls):
            return self
        view = CertificateRecords()
        view.anchors, view.anchor_records, view.cas = self.anchors, self.anchor_records, self.cas
        for crl in self.crls[:n]:
            view._keep(crl, self.crl_records[crl.fingerprint])
        return view

    # -- signatures -------------------------------------------------------------------
    def check_signature(self, chain: ValidatedChain, at: datetime) -> None:
        """Refuse a signature claiming time ``at`` by ``chain``'s key (module doc)."""
        try:
            if self._listed(chain):
                check_signing(chain, self.crls, at)
            else:
                chain.check_time(at)
        except VerificationError as e:
            kid = chain.key_id
            raise _refusal(
                CertificateNotValid,
                f"the certificate of key {kid[:16]}… does not allow this signature",
                f"chứng thư số của khoá {kid[:16]}… không cho phép chữ ký này",
                e,
                key_id=kid,
                time=at.isoformat(),
            ) from None

    def _listed(self, chain: ValidatedChain) -> bool:
        """Whether a recorded CRL of an issuer in ``chain`` lists that issuer's certificate."""
        listed = self.listed
        return any(serial in listed.get(kid, ()) for kid, serial in chain.revocation_keys)

    def crls_of(self, chain: ValidatedChain) -> list[RevocationList]:
        """The recorded CRLs that could revoke a certificate of ``chain``, in log order."""
        issuers = set(chain.issuer_key_ids)
        return [c for c in self.crls if c.issuer_key_id in issuers]
