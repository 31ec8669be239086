"""Chữ ký sau khi thu hồi (signatures after a revocation): what the log already holds and
a later revocation casts doubt on, and what a verifier reports about a certificate signature.

A revocation recorded in the log (a ``KeyRevoked``, or a CRL in a
``RevocationListRecorded``) refuses every later envelope by that key, whatever time it
claims (ADR 0004, ADR 0007). Envelopes logged *before* it were accepted in good faith and
stay; those that claim a signing time at or after the revocation's effective date are
flagged here, not refused (ADR 0002: record and flag).

Every accepted envelope whose key a revocation in the registry now covers was logged
before that revocation (otherwise the judge would have refused it), so these are pure
functions of the replayed states: ``Replay``, ``TrustedReplay`` and the ledger alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from verify.law.rules import Finding
from verify.process.chain import ChainState
from verify.process.officials import KeyRecord
from verify.process.registry import RegistryState
from verify.revocation import claimed_after_revocation, revocation_of

# Provisional, like the procedure citations in ``verify.law.rules``.
CITE = (
    "Luật Giao dịch điện tử 2023 (20/2023/QH15): chữ ký số chỉ có giá trị khi chứng thư"
    " còn hiệu lực, không bị thu hồi (tạm tính)"
)


def signed_after_revocation(reg: RegistryState, chains: Iterable[ChainState]) -> list[Finding]:
    """One finding per envelope (in ``reg`` and ``chains``) signed, by its own claim, after
    the revocation of one of its signers' keys took effect."""
    out: list[Finding] = []
    cache: dict[str, dict[str, Any] | None] = {}
    for chain in (reg, *chains):
        for entry in chain.timeline:
            for kid in entry["signers"]:
                rec = reg.keys.get(kid)
                if rec is None:
                    continue
                if kid not in cache:
                    cache[kid] = _revocation(reg, rec)
                why = cache[kid]
                if why is not None and entry["time"] >= why["effective"]:
                    out.append(_finding(chain, entry, rec, why))
    return out


def _revocation(reg: RegistryState, rec: KeyRecord) -> dict[str, Any] | None:
    """The earliest revocation in effect for ``rec``'s key: by KeyRevoked or by a CRL."""
    found: list[dict[str, Any]] = []
    if rec.revoked_from is not None:
        found.append(
            {"by": "KeyRevoked", "effective": rec.revoked_from, "reason": rec.revocation_reason}
        )
    if rec.chain is not None:
        r = revocation_of(rec.chain, reg.certs.crls)
        if r is not None:
            found.append({"by": "RevocationListRecorded", **r.as_dict(), "effective": r.effective})
    return min(found, key=lambda w: w["effective"]) if found else None


def _finding(
    chain: ChainState, entry: dict[str, Any], rec: KeyRecord, why: dict[str, Any]
) -> Finding:
    t: datetime = entry["time"]
    effective: datetime = why["effective"]
    details = {
        **{k: v for k, v in why.items() if k != "effective"},
        "effective": effective.isoformat(),
        "claimed_time": t.isoformat(),
        "type": entry["type"],
        "chain": chain.kind,
        "key_id": rec.key_id,
        "official_id": rec.official_id,
    }
    day = effective.strftime("%d/%m/%Y")
    return Finding(
        "signed_after_revocation",
        "signature",
        CITE,
        f"{entry['type']} của {rec.name} được ký, theo thời điểm tự khai, sau khi khoá/chứng thư"
        f" bị thu hồi (có hiệu lực từ {day}); sự kiện đã vào sổ trước khi việc thu hồi được ghi"
        " nhận nên được giữ lại và đánh dấu",
        f"{entry['type']} by {rec.name} claims to be signed after its key or certificate was"
        f" revoked (effective {day}); it was logged before the revocation was recorded, so it"
        " is kept and flagged",
        (str(entry["hash"]),),
        details,
    )


def signature_evidence(reg: RegistryState, key_id: str, at: datetime) -> dict[str, Any] | None:
    """What a verifier reports about a signature by ``key_id`` claiming time ``at``, from the
    registry as it stood at the signature's position (ADR 0007, "What the verifier
    reports"): the certificate, its anchor and the revocation evidence then in the log.
    None for a bare key."""
    rec = reg.keys.get(key_id)
    if rec is None or rec.chain is None:
        return None
    chain = rec.chain
    crls = reg.certs.crls_of(chain)
    revocation = revocation_of(chain, crls)
    return {
        "certificate": chain.leaf.as_dict(),
        "anchor": chain.anchor.fingerprint,
        "crls": [{**c.as_dict(), "current": c.current_at(at)} for c in crls],
        "revocation": revocation.as_dict() if revocation is not None else None,
        "note_vi": None
        if crls
        else "chưa có CRL nào của tổ chức cấp được ghi trong sổ trước vị trí này",
        "note_en": None if crls else "no CRL of this issuer was recorded before this position",
        "after_revocation": revocation is not None and claimed_after_revocation(at, revocation),
    }
