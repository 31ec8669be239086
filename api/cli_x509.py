"""CLI commands for certificates (ADR 0007), registered into ``api.cli.build_parser``.

    minhbach init --key trust-root.pem --anchors roots.pem          # anchors recorded at genesis
    minhbach anchors add --key trust-root.pem roots.pem             # record more trust anchors
    minhbach anchors list                                           # recorded, with SHA-256
    minhbach enrol --key trust-root.pem --certificate official.p12 --password-file pw.txt \\
        --id ... --role commune_chairman --scope-code 31999 [--crl ca.crl]
    minhbach crl add --key trust-root.pem ca.crl                    # a CA's revocation list

``--certificate`` takes a PEM file (the official's certificate first, then the CA
certificates; the root may be included), one DER certificate, or a PKCS#12 file. The chain
is validated locally against the anchors recorded in the log, to send exactly the path
the registry validates again (leaf first, intermediates, no anchor).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from verify.crl import load_crl
from verify.process.registry import RegistryState
from verify.refusals import InvalidInput
from verify.revocation import revocation_of
from verify.x509 import TrustAnchor, ValidatedChain, load_anchors, validate_chain
from verify.x509_bundle import MAX_CHAIN, anchors_doc, encode_chain, encode_crl
from verify.x509_load import load_certificate, load_pem_certificates


def read_chain(path: Path, password: bytes | None) -> list[x509.Certificate]:
    """The certificates of a PEM bundle, a DER certificate or a PKCS#12 file, leaf first."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        return load_pem_certificates(data, what="certificate chain", limit=MAX_CHAIN + 1)
    try:
        p12 = pkcs12.load_pkcs12(data, password)
    except (ValueError, TypeError):
        return [load_certificate(data, what="certificate")]
    certs = [c.certificate for c in p12.additional_certs]
    if p12.cert is not None:
        certs.insert(0, p12.cert.certificate)
    if not certs:
        raise InvalidInput(
            "the PKCS#12 file holds no certificate", "tệp PKCS#12 không chứa chứng thư nào"
        )
    return certs


def certificate_fields(
    reg: RegistryState | None, certs: list[x509.Certificate], at: datetime
) -> tuple[dict[str, Any], ValidatedChain]:
    """The ``certificate`` field of an enrolment, and the chain as the registry will see it."""
    anchors = list(reg.certs.anchors.values()) if reg is not None else []
    chain = validate_chain(certs[0], certs[1:], anchors, at)
    return {"certificate": {"chain": encode_chain(chain.path)}}, chain


# A CRL travels base64 inside a base64 payload (x 16/9) in an envelope of at most
# 65,535 bytes (ADR 0004), so about 36 KB of DER is the most one event can carry.
MAX_CRL_BYTES = 36_000


def crl_data(path: Path) -> dict[str, str]:
    """The data of a ``RevocationListRecorded`` event for a CRL file (DER or PEM)."""
    der = load_crl(path.read_bytes()).public_bytes(serialization.Encoding.DER)
    if len(der) > MAX_CRL_BYTES:
        raise InvalidInput(
            f"the CRL is {len(der):,} bytes: at most about {MAX_CRL_BYTES:,} fit in one"
            " envelope (ADR 0007, open question on large CRLs)",
            f"CRL có {len(der):,} byte: một phong bì chỉ chứa được khoảng {MAX_CRL_BYTES:,} byte",
            size=len(der),
        )
    return {"crl": encode_crl(der), "sha256": hashlib.sha256(der).hexdigest()}


def anchor_events(
    reg: RegistryState | None, anchors: Iterable[TrustAnchor]
) -> list[tuple[str, dict[str, Any]]]:
    """``TrustAnchorAdded`` data for each anchor the log does not record yet."""
    known = reg.certs.anchors if reg is not None else {}
    fresh = [a for a in anchors if a.fingerprint not in known]
    return [("TrustAnchorAdded", {"anchor": doc}) for doc in anchors_doc(fresh)]


def read_anchor_paths(paths: Iterable[str]) -> list[TrustAnchor]:
    return [a for p in paths for a in load_anchors(Path(p).read_bytes())]


def warn_if_revoked(reg: RegistryState | None, chain: ValidatedChain) -> None:
    r = revocation_of(chain, reg.certs.crls) if reg is not None else None
    if r is not None:
        print(
            "Cảnh báo / warning: CRL đã ghi thu hồi chứng thư này; khoá không ký được nữa /"
            f" a recorded CRL revokes this certificate, the key can sign nothing: {r.as_dict()}",
            file=sys.stderr,
        )


# -- commands ---------------------------------------------------------------------------
def _registry_events(args: argparse.Namespace, events: list[tuple[str, dict[str, Any]]]) -> int:
    from api.cli import _head, _ledger, _settings, _signer, _submit_local
    from domain.writer import ChainWriter

    if not events:
        print("[]")
        return 0
    ledger, s = _ledger(args), _settings(args)
    root = _signer(args.key)
    writer = ChainWriter()
    head = _head(ledger, events[0][0], s.scope, None)
    if head is not None:
        writer.heads[("registry", s.scope, None)] = head
    now = datetime.now(UTC).replace(microsecond=0)
    envs = [writer.sign([root], type_, s.scope, None, now, data) for type_, data in events]
    print(json.dumps(_submit_local(ledger, envs), ensure_ascii=False, indent=2))
    return 0


def cmd_anchors_add(args: argparse.Namespace) -> int:
    from api.cli import _ledger

    reg = _ledger(args).registry()
    return _registry_events(args, anchor_events(reg, read_anchor_paths(args.files)))


def cmd_anchors_list(args: argparse.Namespace) -> int:
    from api.cli import _ledger

    reg = _ledger(args).registry()
    anchors = reg.certs.anchors if reg is not None else {}
    out = [
        {"sha256": fp, "subject": a.info.subject.rfc4514, "not_after": a.info.not_after.isoformat()}
        for fp, a in anchors.items()
    ]
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def cmd_crl_add(args: argparse.Namespace) -> int:
    events = [("RevocationListRecorded", crl_data(Path(f))) for f in args.files]
    return _registry_events(args, events)


def register(sub: Any) -> None:
    """Add ``anchors add|list`` and ``crl add`` to ``minhbach``'s subparsers."""
    an = sub.add_parser("anchors", help="gốc tin cậy X.509 / trust anchors").add_subparsers(
        dest="anchors_command", required=True
    )
    aa = an.add_parser("add", help="ghi gốc tin cậy vào sổ / record trust anchors (PEM)")
    aa.add_argument("--key", required=True, help="trust root private key")
    aa.add_argument("files", nargs="+")
    aa.set_defaults(func=cmd_anchors_add)
    al = an.add_parser("list", help="gốc tin cậy đã ghi / recorded anchors and fingerprints")
    al.set_defaults(func=cmd_anchors_list)

    cr = sub.add_parser("crl", help="danh sách thu hồi / revocation lists").add_subparsers(
        dest="crl_command", required=True
    )
    ca = cr.add_parser("add", help="ghi CRL vào sổ / record CRLs (DER or PEM)")
    ca.add_argument("--key", required=True, help="trust root private key")
    ca.add_argument("files", nargs="+")
    ca.set_defaults(func=cmd_crl_add)
