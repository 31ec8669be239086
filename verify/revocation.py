"""Thu hồi (revocation): judging a certificate from the CRLs recorded in the log.

A signature is judged from the CRLs the log held at the signature's position, never
from a CRL fetched later (ADR "x509-enrolment"), so the ledger and an inspector replaying
the log decide alike:

- ``revocation_of``: is this chain revoked, since when, by which CRL;
- ``check_not_revoked``: refuse a chain that a known CRL revokes, whatever signing time
  the envelope claims (a signer claims the time, so a revoked key could backdate);
- ``claimed_after_revocation``: which envelopes logged before the CRL to flag.

A revocation listed once stays known (RFC 5280 §3.3: an entry stays on the CRLs until
the certificate expires), except ``certificateHold`` (§5.3.1), which counts only while
the newest CRL of that issuer lists it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from verify.crl import Revocation, RevocationList
from verify.x509 import ValidatedChain
from verify.x509_errors import CertificateRevoked
from verify.x509_profile import evidence


def _newest(lists: Sequence[RevocationList]) -> dict[str, RevocationList]:
    newest: dict[str, RevocationList] = {}
    for crl in lists:
        cur = newest.get(crl.issuer_key_id)
        if cur is None or (crl.this_update, crl.number or 0) > (cur.this_update, cur.number or 0):
            newest[crl.issuer_key_id] = crl
    return newest


def _find(chain: ValidatedChain, lists: Iterable[RevocationList]) -> tuple[int, Revocation] | None:
    known = list(lists)
    newest = _newest(known)
    for position, issuer in enumerate(chain.issuer_key_ids):
        serial = chain.certificates[position].serial_number
        found: list[Revocation] = []
        for crl in known:
            r = crl.revocation(serial) if crl.issuer_key_id == issuer else None
            if r is None:
                continue
            if r.reason == "certificate_hold" and newest[issuer].fingerprint != crl.fingerprint:
                continue  # a hold counts only while the newest CRL of its issuer lists it
            found.append(r)
        if found:
            return position, min(found, key=lambda r: r.effective)
    return None


def revocation_of(chain: ValidatedChain, lists: Iterable[RevocationList]) -> Revocation | None:
    """The revocation, known from ``lists``, of any certificate of ``chain`` below its anchor.

    A CRL applies to a certificate when its issuer's key signed the CRL (same key id) and
    the CRL lists the serial. Of several, the earliest effective one; the leaf first.
    """
    found = _find(chain, lists)
    return found[1] if found else None


def check_not_revoked(chain: ValidatedChain, lists: Iterable[RevocationList]) -> None:
    """Refuse a chain revoked by any of ``lists`` (the CRLs already in the log)."""
    found = _find(chain, lists)
    if found is None:
        return
    position, r = found
    cert = chain.certificates[position]
    role = "leaf" if position == 0 else "intermediate"
    why_en = f" ({r.reason})" if r.reason else ""
    why_vi = f" (lý do: {r.reason})" if r.reason else ""
    raise CertificateRevoked(
        f"the {role} certificate was revoked on {r.revoked_at.isoformat()}{why_en}",
        f"chứng thư ({'của cán bộ' if position == 0 else 'CA trung gian'}) đã bị thu hồi"
        f" từ {r.revoked_at.isoformat()}{why_vi}",
        check="revocation",
        key_id=chain.key_id,
        **{**evidence(cert, position, role), **r.as_dict()},
    )


def check_signing(
    chain: ValidatedChain, lists: Iterable[RevocationList], signed_at: datetime
) -> None:
    """Is the certificate good for a signature claiming ``signed_at``, given the CRLs in the
    log before it? Raises CertificateExpired / CertificateNotYetValid (the chain's validity
    at the claimed time) or CertificateRevoked (whatever the claimed time)."""
    chain.check_time(signed_at)
    check_not_revoked(chain, lists)


def claimed_after_revocation(signed_at: datetime, revocation: Revocation) -> bool:
    """True when an envelope logged before ``revocation`` was recorded claims a signing time
    at or after its effective date: to be flagged, not refused (it is already in the log)."""
    return signed_at >= revocation.effective
