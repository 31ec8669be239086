"""Certificates through the ``minhbach`` command line (SQLite): a deployment records its
root as a trust anchor at ``init``, enrols officials from a PKCS#12 file and from a PEM
chain with the issuing CA's CRL, an official signs with the PKCS#12 file, and a later CRL
stops the key; the exported log replays offline with only the root's PEM.

The PKI is made here, valid around today's date, because the CLI signs at the real time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from pki import (
    CA_USAGE,
    INTERMEDIATE_NAME,
    ROOT_NAME,
    Issued,
    crl,
    ec_key,
    issue,
    name,
    p12,
    rsa_key,
)

from api.cli import main
from verify.process.replay import Replay
from verify.x509 import load_anchors

NOW = datetime.now(UTC).replace(microsecond=0)
SINCE = datetime(2024, 1, 1, tzinfo=UTC)
PASSWORD = b"mat-khau-cua-chu-tich"


@pytest.fixture
def backend() -> str:
    return "sqlite"


class Pki:
    def __init__(self) -> None:
        self.root = issue(ROOT_NAME, rsa_key(), None, ca=True, path_length=1, usage=CA_USAGE,
                          not_before=SINCE - timedelta(days=400), not_after=NOW + timedelta(days=3650))  # fmt: skip
        self.inter = issue(INTERMEDIATE_NAME, ec_key(), self.root, ca=True, path_length=0,
                           usage=CA_USAGE, not_before=SINCE - timedelta(days=300),
                           not_after=NOW + timedelta(days=2000))  # fmt: skip
        self.chair = self.official("Nguyễn Văn An", rsa_key(), "001085012345")
        self.clerk = self.official("Trần Thị Bình", ec_key(), "079190001122")
        self.revoked = self.official("Hoàng Văn Thu", ec_key(), "001070000003")

    def official(self, cn: str, key: object, cccd: str) -> Issued:
        subject = name(cn, o="UBND xã Tân Hòa", title="Chủ tịch UBND xã",
                       uids=(f"CCCD:{cccd}", "MNS:1047665"))  # fmt: skip
        return issue(subject, key, self.inter, not_before=SINCE,  # type: ignore[arg-type]
                     not_after=NOW + timedelta(days=365))  # fmt: skip


def run(*argv: str) -> None:
    assert main(list(argv)) == 0, argv


def test_init_enrol_sign_revoke_and_replay_with_certificates(
    tmp_path: Path, ledger_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pki = Pki()
    db = ["--database", ledger_url]
    files = {
        "root.pem": pki.root.pem,
        "chair.p12": p12(pki.chair, [pki.inter, pki.root], PASSWORD),
        "clerk.pem": pki.clerk.pem + pki.inter.pem + pki.root.pem,
        "revoked.pem": pki.revoked.pem + pki.inter.pem,
        "pw.txt": PASSWORD + b"\n",
    }
    for fname, data in files.items():
        (tmp_path / fname).write_bytes(data)
    first = crl(pki.inter, [(pki.revoked.cert.serial_number, NOW - timedelta(days=3))],
                this_update=NOW - timedelta(days=1), next_update=NOW + timedelta(days=7))  # fmt: skip
    (tmp_path / "ca-1.crl").write_bytes(first.public_bytes(serialization.Encoding.DER))
    f = {k: str(tmp_path / k) for k in (*files, "ca-1.crl")}
    trust = str(tmp_path / "trust-root.pem")
    run("keys", "new", "-o", trust)

    # 1. init records the root as a trust anchor; anchors list shows its fingerprint
    run(*db, "init", "--key", trust, "--anchors", f["root.pem"])
    capsys.readouterr()
    run(*db, "anchors", "list")
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["sha256"] == load_anchors(pki.root.pem)[0].fingerprint

    # 2. enrolment from a PKCS#12 file (name from the certificate), with the CA's CRL
    run(*db, "enrol", "--key", trust, "--certificate", f["chair.p12"], "--password-file",
        f["pw.txt"], "--id", "31999-chu-tich", "--role", "commune_chairman", "--position",
        "Chủ tịch UBND xã", "--scope-code", "31999", "--valid-from", "2024-01-01T00:00:00Z",
        "--crl", f["ca-1.crl"])  # fmt: skip
    receipts = json.loads(capsys.readouterr().out)
    assert [r["type"] for r in receipts] == ["OfficialEnrolled", "RevocationListRecorded"]
    # from a PEM chain holding the root too: the event carries the path without it
    run(*db, "enrol", "--key", trust, "--certificate", f["clerk.pem"], "--id", "31999-cc-1",
        "--role", "commune_official", "--scope-code", "31999")  # fmt: skip
    # the revoked certificate is refused, with its reason
    assert main([*db, "enrol", "--key", trust, "--certificate", f["revoked.pem"], "--id", "x",
                 "--role", "commune_official", "--scope-code", "31999"]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "enrolment_certificate_refused" in err and "certificate_revoked" in err

    # 3. the chairman signs with the PKCS#12 file; the ledger accepts the RSA-PSS signature
    event = tmp_path / "open.json"
    event.write_text(json.dumps({"type": "EvaluationOpened", "unit": "31999", "year": 2024,
                                 "time": "2024-12-01T01:00:00Z",
                                 "data": {"catalog_id": "qd25-2021"}}), encoding="utf-8")  # fmt: skip
    signed = str(tmp_path / "open.dsse.json")
    run(*db, "sign", "--key", f["chair.p12"], "--password-file", f["pw.txt"], str(event), "-o", signed)
    run(*db, "submit", signed)

    # 4. a newer CRL revokes the chairman's certificate: the next envelope is refused
    second = crl(pki.inter, [(pki.revoked.cert.serial_number, NOW - timedelta(days=3)),
                             (pki.chair.cert.serial_number, NOW - timedelta(hours=2))],
                 this_update=NOW - timedelta(hours=1), next_update=NOW + timedelta(days=7), number=2)  # fmt: skip
    (tmp_path / "ca-2.crl").write_bytes(second.public_bytes(serialization.Encoding.PEM))
    run(*db, "crl", "add", "--key", trust, str(tmp_path / "ca-2.crl"))
    event.write_text(json.dumps({"type": "IndicatorAssigned", "unit": "31999", "year": 2024,
                                 "time": "2024-12-01T02:00:00Z",
                                 "data": {"indicator": "1.1", "official_id": "31999-cc-1"}}),
                     encoding="utf-8")  # fmt: skip
    late = str(tmp_path / "late.dsse.json")
    run(*db, "sign", "--key", f["chair.p12"], "--password-file", f["pw.txt"], str(event), "-o", late)
    capsys.readouterr()
    assert main([*db, "submit", late]) == 1
    err = capsys.readouterr().err
    assert "certificate_not_valid" in err and "certificate_revoked" in err

    # 5. the exported log replays offline with only the root's PEM
    out = tmp_path / "events.jsonl"
    run(*db, "events", "export", "-o", str(out))
    replay = Replay("96", anchors=load_anchors(pki.root.pem))
    replay.feed_all(out.read_bytes().splitlines())
    assert replay.reg is not None and len(replay.reg.certs.crls) == 2
    clerk = next(r for r in replay.reg.keys.values() if r.official_id == "31999-cc-1")
    assert clerk.chain is not None and len(clerk.chain.path) == 2  # leaf and intermediate
    assert replay.evaluation("31999", 2024) is not None
