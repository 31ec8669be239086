"""A whole evaluation year (2024, district 964 and 8 communes) on SQLite and PostgreSQL in
which the chairman of commune 31999 signs with an RSA-PSS certificate and the deciding
district chairman with an ECDSA P-256 certificate, everyone else with Ed25519 keys.

The log is exported in log order (``minhbach events export``) and replayed offline by
``verify.process.replay.Replay`` given nothing but the root certificate's PEM: it must reach
exactly the ledger's chains, and refuse every certificate-signed envelope with one bit
flipped. A revocation list of the issuing CA is in the log for the whole year.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from pki import TestPKI, crl

from api.cli import main
from projections.fastpath import TrustedReplay
from projections.status import evaluation_status
from verify.dsse import Signature, encode_envelope, parse_envelope
from verify.errors import BadSignature, LocalizedError
from verify.law.rules import evaluation_findings
from verify.process.replay import Replay
from verify.refusals import NotAllowed
from verify.x509 import load_anchors

YEAR = 2024
ANCHORED = datetime(2024, 6, 20, 1, tzinfo=UTC)
ENROLLED = datetime(2024, 7, 1, 1, tzinfo=UTC)


class Year:
    def __init__(self, world: Any, leaves: list[bytes], rsa: str, ec: str) -> None:
        self.world, self.leaves, self.rsa, self.ec = world, leaves, rsa, ec

    def signed_by(self, key_id: str) -> list[int]:
        """Log positions of the envelopes ``key_id`` signed."""
        return [
            i
            for i, leaf in enumerate(self.leaves)
            if key_id in (s.keyid for s in parse_envelope(leaf, require_canonical=False).signatures)
        ]


@pytest.fixture
def year(world: Any, pki: TestPKI, anchors: Any, ledger_url: str, tmp_path: Path) -> Year:
    w = world
    w.add_anchor(anchors[0], ANCHORED)
    commune, district = w.codes[0], w.district.code
    rsa = w.enrol_certificate(f"{commune}-chu-tich", pki.rsa_official, [pki.intermediate], ENROLLED)
    ec = w.enrol_certificate(f"{district}-chu-tich", pki.ec_official, [pki.intermediate], ENROLLED)
    issued = datetime(2024, 6, 25, tzinfo=UTC)  # the issuing CA's CRL, current all year
    w.record_crl(
        crl(
            pki.intermediate,
            [(pki.revoked.cert.serial_number, issued)],
            this_update=issued,
            next_update=datetime(2025, 6, 25, tzinfo=UTC),
        ),
        ENROLLED,
    )
    w.full_year(w.codes, YEAR)
    out = tmp_path / "events.jsonl"
    assert main(["--database", ledger_url, "events", "export", "-o", str(out)]) == 0
    leaves = out.read_bytes().splitlines()
    assert len(leaves) == w.ledger.recorder.log_head()[0]
    return Year(w, leaves, rsa.key_id, ec.key_id)


def test_the_chairmen_sign_the_year_with_their_certificates(year: Year) -> None:
    w = year.world
    commune, district = w.codes[0], w.district.code
    ev, rnd = w.ledger.evaluation(commune, YEAR), w.ledger.round(district, YEAR)
    chair_steps = [e for e in ev.timeline if year.rsa in e["signers"]]
    assert {e["type"] for e in chair_steps} >= {"EvaluationOpened", "DossierSubmitted"}
    assert all(year.rsa in e["signers"] for e in ev.timeline if e["type"] == "DossierSubmitted")
    decider = {e["type"] for e in rnd.timeline if year.ec in e["signers"]}
    assert decider == {"CouncilFormed", "AppraisalConcluded", "RecognitionDecided"}
    assert commune in rnd.decision["meeting"]
    reg = w.ledger.registry()
    assert reg.keys[year.rsa].key.alg == "rsa-pss-sha256"
    assert reg.keys[year.ec].key.alg == "ecdsa-p256-sha256"


def test_an_inspector_with_only_the_root_pem_replays_the_exported_year_to_the_ledgers_state(
    year: Year, pki: TestPKI
) -> None:
    w = year.world
    replay = Replay("96", anchors=load_anchors(pki.root.pem))
    assert replay.feed_all(year.leaves) == len(year.leaves)
    led = w.ledger
    assert replay.reg is not None and replay.reg.head == led.registry().head
    rnd = replay.round(w.district.code, YEAR)
    assert rnd is not None and rnd.head == led.round(w.district.code, YEAR).head
    cat = replay.reg.catalog_for_year(YEAR)
    for code in w.codes:
        ev = replay.evaluation(code, YEAR)
        assert ev is not None and ev.head == led.evaluation(code, YEAR).head
        found = [f.code for f in evaluation_findings(ev, rnd, cat, replay.reg.calendar)]
        assert found == [f.code for f in led.findings_for(code, YEAR)]
    assert replay.revocation_findings() == []
    assert year.signed_by(year.rsa) and year.signed_by(year.ec)
    trusted = TrustedReplay()  # the projections' fast path loads the same certificate state
    for leaf in year.leaves:
        trusted.feed(leaf)
    assert trusted.reg is not None and trusted.reg.head == replay.reg.head
    assert trusted.reg.keys[year.rsa].chain is not None and len(trusted.reg.certs.crls) == 1


def test_the_status_timeline_shows_the_certificate_beside_the_signers_role_and_unit(
    year: Year, pki: TestPKI
) -> None:
    replay = Replay("96", anchors=load_anchors(pki.root.pem))
    replay.feed_all(year.leaves)
    status = evaluation_status(replay, year.world.codes[0], YEAR)
    assert status is not None
    signers = {s["key_id"]: s for e in status["timeline"] for s in e["signers"]}
    chair, decider = signers[year.rsa], signers[year.ec]
    assert chair["role"] == "commune_chairman" and chair["scope"] == year.world.codes[0]
    assert chair["certificate"]["alg"] == "rsa-pss-sha256"
    assert chair["subject"]["common_name"] == "Nguyễn Văn An"
    assert {i["kind"]: i["value"] for i in chair["subject"]["identifiers"]}["CCCD"] == "001085012345"
    assert chair["certificate"]["anchor"]["sha256"] == load_anchors(pki.root.pem)[0].fingerprint
    assert decider["role"] == "district_chairman"
    assert decider["certificate"]["alg"] == "ecdsa-p256-sha256"


def flipped_signatures(leaf: bytes) -> list[bytes]:
    """The envelope once for every bit of its (first) signature, that bit flipped."""
    env = parse_envelope(leaf, require_canonical=False)
    sig = env.signatures[0]
    out = []
    for bit in range(len(sig.sig) * 8):
        b = bytearray(sig.sig)
        b[bit // 8] ^= 1 << (bit % 8)
        forged = Signature(sig.keyid, bytes(b))
        out.append(encode_envelope(env.payload_type, env.payload, [forged, *env.signatures[1:]]))
    return out


def replay_before(leaves: list[bytes], index: int, pki: TestPKI) -> Replay:
    replay = Replay("96", anchors=load_anchors(pki.root.pem))
    replay.feed_all(leaves[:index])
    return replay


@pytest.mark.parametrize("who", ["rsa", "ec"])
def test_every_single_bit_flip_of_a_certificate_signature_is_refused_offline(
    year: Year, pki: TestPKI, who: str
) -> None:
    index = year.signed_by(getattr(year, who))[-1]
    replay = replay_before(year.leaves, index, pki)
    for forged in flipped_signatures(year.leaves[index]):
        with pytest.raises(BadSignature):
            replay.judge.judge(forged)
    replay.feed(year.leaves[index])  # the original still verifies


def test_every_single_bit_flip_of_a_certificate_signed_envelope_is_refused_offline(
    year: Year, pki: TestPKI
) -> None:
    index = year.signed_by(year.rsa)[0]
    leaf = year.leaves[index]
    replay = replay_before(year.leaves, index, pki)
    for bit in range(len(leaf) * 8):
        b = bytearray(leaf)
        b[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(LocalizedError):
            replay.judge.judge(bytes(b))
    replay.feed(leaf)


def test_the_payload_changed_after_a_certificate_signature_is_refused(
    year: Year, pki: TestPKI
) -> None:
    index = year.signed_by(year.ec)[-1]  # the district chairman's decision
    env = parse_envelope(year.leaves[index], require_canonical=False)
    doc = json.loads(env.payload)
    doc["data"]["meeting"] = doc["data"]["meeting"][:-1]  # drop a recognised commune
    forged = encode_envelope(env.payload_type, rfc8785.dumps(doc), env.signatures)
    with pytest.raises(BadSignature):
        replay_before(year.leaves, index, pki).judge.judge(forged)
    assert base64.b64decode(json.loads(forged)["payload"]) != env.payload


def test_an_inspector_pinning_another_root_refuses_the_logs_trust_anchor(
    year: Year, pki: TestPKI
) -> None:
    replay = Replay("96", anchors=load_anchors(pki.other_root.pem))
    with pytest.raises(NotAllowed):
        replay.feed_all(year.leaves)
    assert replay.reg is not None and not replay.reg.certs.anchors


def test_the_certificate_signed_year_verifies_as_an_audit_bundle_with_only_the_root_pinned(
    year: Year, pki: TestPKI, tmp_path: Path
) -> None:
    """``python -m verify``'s engine on the whole log: every certificate signature is judged
    by the CRLs recorded before it (the issuing CA's CRL precedes the year)."""
    from bundlekit import export, verify

    from verify.bundle.format import Scope

    data = export(year.world.ledger, Scope("log"))
    anchors = load_anchors(pki.root.pem)
    result = verify(data, tmp_path, anchors=anchors)
    assert result.exit_code == 0, result.as_dict()
    flipped = bytearray(data)
    at = data.index(year.leaves[year.signed_by(year.rsa)[-1]][40:80])
    flipped[at] ^= 1
    assert verify(bytes(flipped), tmp_path, anchors=anchors).exit_code == 1
