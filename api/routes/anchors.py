"""GET /v1/trust-anchors: the X.509 trust anchors (gốc tin cậy) recorded in this log, with
their SHA-256 fingerprints, so that anyone can compare them with the fingerprints the CAs
publish; and each anchor's PEM, for an inspector to pin (``Replay(anchors=...)``).

The anchors are those of the registry's ``TrustAnchorAdded`` events (ADR 0007): what the
ledger and every replay judge certificates by. ``pending`` lists anchors configured for
this deployment (``MINHBACH_TRUST_ANCHORS``) that the log has not recorded yet.
"""

from __future__ import annotations

from typing import Annotated, Any

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Path
from fastapi.responses import Response

from api.deps import LedgerDep, SettingsDep
from api.openapi import problems
from api.problems import not_found
from projections.format import instant
from verify.x509 import TrustAnchor

router = APIRouter(prefix="/v1/trust-anchors", tags=["log"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]


def _anchor(a: TrustAnchor) -> dict[str, Any]:
    return {
        "sha256": a.fingerprint,
        "subject": a.info.subject.as_dict(),
        "not_before": instant(a.info.not_before),
        "not_after": instant(a.info.not_after),
        "pem": f"/v1/trust-anchors/{a.fingerprint}.pem",
    }


@router.get(
    "", summary="Gốc tin cậy của sổ cái / the log's X.509 trust anchors", responses=problems(503)
)
def list_anchors(ledger: LedgerDep, settings: SettingsDep) -> dict[str, Any]:
    reg = ledger.registry()
    recorded = {} if reg is None else reg.certs.anchors
    configured = {a.fingerprint for a in settings.trust_anchors}
    anchors = []
    for fp, a in recorded.items():
        assert reg is not None
        when = reg.certs.anchor_records[fp]
        anchors.append(
            {
                **_anchor(a),
                "recorded": {"time": instant(when.time), "event": when.event},
                "configured": fp in configured,
            }
        )
    pending = [_anchor(a) for a in settings.trust_anchors if a.fingerprint not in recorded]
    return {"anchors": anchors, "pending": pending}


@router.get(
    "/{sha256}.pem",
    summary="Tệp PEM của một gốc tin cậy / one anchor's PEM",
    responses=problems(404, 422),
)
def anchor_pem(ledger: LedgerDep, sha256: Sha256) -> Response:
    reg = ledger.registry()
    anchor = None if reg is None else reg.certs.anchors.get(sha256)
    if anchor is None:
        raise not_found(
            "no trust anchor with this fingerprint is recorded",
            "không có gốc tin cậy nào có dấu vân tay này trong sổ",
            sha256=sha256,
        )
    pem = anchor.certificate.public_bytes(serialization.Encoding.PEM)
    return Response(pem, media_type="application/x-pem-file")
