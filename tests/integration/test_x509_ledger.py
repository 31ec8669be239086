"""Officials enrolled by certificate on a real ledger (SQLite and PostgreSQL), each case of
the test PKI: enrolment accepted or refused with its reason, signing accepted or refused.

The deployment's trust anchor (the test root) is recorded first; officials are enrolled
as commune chairmen of 31999 at 01/07/2024 and open its 2024 evaluation on 01/12/2024.
A refusal leaves the log, the registry and the chains unchanged (``World.refuse``).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cryptography.x509.oid import NameOID
from pki import DAY, NOW, Issued, TestPKI, crl, crl_data, format_utc

from api.demo import at
from domain.signing import Signer, signer_from_private
from verify.errors import BadSignature
from verify.law.signatures import signature_evidence, signed_after_revocation
from verify.process.replay import Replay
from verify.refusals import (
    BadEvent,
    CertificateNotValid,
    Duplicate,
    EnrolmentRefused,
    NotAllowed,
    RevocationListRefused,
    TrustAnchorRefused,
    UnknownKey,
)
from verify.x509 import TrustAnchor, load_anchors
from verify.x509_bundle import anchors_doc, encode_chain

A = "31999"
Y = 2024
ANCHORED = datetime(2024, 6, 20, 1, tzinfo=UTC)
ENROLLED = datetime(2024, 7, 1, 1, tzinfo=UTC)
OPENED = at(date(Y, 12, 1), 8)


@pytest.fixture
def w(world: Any, anchors: Any) -> Any:
    world.add_anchor(anchors[0], ANCHORED)
    return world


def enrolment(w: Any, pki: TestPKI, issued: Issued, when: datetime = ENROLLED, **kw: Any) -> bytes:
    """An OfficialEnrolled for a new commune chairman of A holding ``issued``."""
    chain = kw.pop("chain", [issued.cert, pki.intermediate.cert])
    official = {
        "id": f"{A}-cts-{issued.cert.serial_number % 10_000}",
        "name": "Nguyễn Văn An",
        "position": "Chủ tịch UBND xã",
        "role": "commune_chairman",
        "scope": A,
        "certificate": {"chain": encode_chain(chain)},
        "valid_from": format_utc(when),
        **kw,
    }
    return w.sign([w.root], "OfficialEnrolled", "96", None, when, {"official": official})


def enrol(w: Any, pki: TestPKI, issued: Issued, when: datetime = ENROLLED) -> Signer:
    w.submit(enrolment(w, pki, issued, when), "OfficialEnrolled", "96", None)
    return signer_from_private(issued.key)


def opening(w: Any, signer: Signer, when: datetime = OPENED, year: int = Y) -> bytes:
    return w.sign(
        [signer], "EvaluationOpened", A, year, when, {"catalog_id": w.catalog(year).catalog_id}
    )


def open_evaluation(w: Any, signer: Signer, when: datetime = OPENED, year: int = Y) -> None:
    w.submit(opening(w, signer, when, year), "EvaluationOpened", A, year)


# -- accepted: RSA-2048 and P-256 ---------------------------------------------------
@pytest.mark.parametrize(
    ("who", "alg"), [("rsa_official", "rsa-pss-sha256"), ("ec_official", "ecdsa-p256-sha256")]
)
def test_valid_certificates_enrol_and_their_signatures_are_accepted(
    w: Any, pki: TestPKI, who: str, alg: str
) -> None:
    issued = getattr(pki, who)
    signer = enrol(w, pki, issued)
    rec = w.ledger.registry().keys[signer.key_id]
    assert rec.key.alg == alg and rec.chain is not None
    cn = issued.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert rec.subject["common_name"] == cn
    assert rec.subject["organization"] == "UBND xã Tân Hòa"
    assert {i["kind"] for i in rec.subject["identifiers"]} == {"CCCD", "MNS"}
    open_evaluation(w, signer)
    assert w.ledger.evaluation(A, Y).length == 1


def test_a_certificate_signature_with_one_bit_flipped_is_refused(w: Any, pki: TestPKI) -> None:
    signer = enrol(w, pki, pki.rsa_official)
    doc = json.loads(opening(w, signer))
    sig = bytearray(base64.b64decode(doc["signatures"][0]["sig"]))
    sig[10] ^= 0x01
    doc["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    w.refuse(json.dumps(doc).encode(), BadSignature, "bad_signature", A, Y)


# -- expired ----------------------------------------------------------------------------
def test_an_expired_certificate_is_refused_at_enrolment(w: Any, pki: TestPKI) -> None:
    e = w.refuse(enrolment(w, pki, pki.expired), EnrolmentRefused, "enrolment_certificate_refused")
    assert e.evidence["cause"] == "certificate_expired" and e.evidence["position"] == 0
    w.refuse(opening(w, signer_from_private(pki.expired.key)), UnknownKey, "unknown_key", A, Y)


def test_a_certificate_enrolled_while_valid_signs_nothing_claimed_after_it_expired(
    w: Any, pki: TestPKI
) -> None:
    signer = enrol(w, pki, pki.expired, when=datetime(2023, 6, 1, tzinfo=UTC))
    e = w.refuse(opening(w, signer), CertificateNotValid, "certificate_not_valid", A, Y)
    assert e.evidence["cause"] == "certificate_expired" and e.evidence["key_id"] == signer.key_id
    assert "hết hiệu lực" in e.vi
    # a time inside its validity is accepted: expiry is a time, not an event (ADR 0007)
    open_evaluation(w, signer, at(date(2023, 12, 1), 8), 2023)


# -- revoked by CRL -------------------------------------------------------------------------
def test_a_certificate_revoked_by_a_crl_recorded_earlier_is_refused_at_enrolment(
    w: Any, pki: TestPKI
) -> None:
    enrol(w, pki, pki.rsa_official)  # brings the issuing CA, which signed the CRL
    w.record_crl(pki.crl, NOW)
    e = w.refuse(
        enrolment(w, pki, pki.revoked, NOW), EnrolmentRefused, "enrolment_certificate_refused"
    )
    assert e.evidence["cause"] == "certificate_revoked"
    assert e.evidence["serial"] == format(pki.revoked.cert.serial_number, "x")


def test_once_a_crl_revoking_the_certificate_is_recorded_its_key_signs_nothing_whatever_time_it_claims(
    w: Any,
    pki: TestPKI,
) -> None:
    signer = enrol(w, pki, pki.revoked)
    open_evaluation(w, signer)  # before the CRL is in the log: accepted
    w.record_crl(pki.crl, NOW)
    ind = w.catalog(Y).indicators[0]
    for claimed in (OPENED, NOW):  # before and after the revocation date
        late = w.sign(
            [signer], "IndicatorAssigned", A, Y, claimed, {"indicator": ind.id, "official_id": "x"}
        )
        e = w.refuse(late, CertificateNotValid, "certificate_not_valid", A, Y)
        assert e.evidence["cause"] == "certificate_revoked"
        assert e.evidence["crl"] == crl_data(pki.crl)["sha256"]
        assert "thu hồi" in e.vi


def test_an_envelope_logged_before_the_crl_but_claiming_a_later_time_is_flagged_not_refused(
    w: Any,
    pki: TestPKI,
) -> None:
    signer = enrol(w, pki, pki.revoked)
    claimed = NOW - 5 * DAY  # after the revocation date (NOW - 10 days), before the CRL is recorded
    receipt = w.submit(opening(w, signer, claimed), "EvaluationOpened", A, Y)
    reg = w.ledger.registry()
    assert signed_after_revocation(reg, [w.ledger.evaluation(A, Y)]) == []
    w.record_crl(pki.crl, NOW)
    reg, ev = w.ledger.registry(), w.ledger.evaluation(A, Y)
    (finding,) = signed_after_revocation(reg, [ev])
    assert finding.code == "signed_after_revocation"
    assert finding.events == (receipt.envelope_hash,)
    assert finding.details["serial"] == format(pki.revoked.cert.serial_number, "x")
    assert finding.details["crl"] == crl_data(pki.crl)["sha256"]
    assert ev.length == 1  # the event stays
    evidence = signature_evidence(reg, signer.key_id, claimed)
    assert evidence is not None and evidence["after_revocation"]
    assert evidence["revocation"]["reason"] == "key_compromise"


# -- untrusted root; no digital-signature key usage ---------------------------------------
@pytest.mark.parametrize(
    ("who", "cause", "chain"),
    [
        ("untrusted", "certificate_untrusted_root", "other_root"),
        ("no_digital_signature", "certificate_not_for_signing", "intermediate"),
    ],
)
def test_certificates_the_profile_refuses_are_refused_at_enrolment_and_cannot_sign(
    w: Any,
    pki: TestPKI,
    who: str,
    cause: str,
    chain: str,
) -> None:
    issued = getattr(pki, who)
    env = enrolment(w, pki, issued, chain=[issued.cert, getattr(pki, chain).cert])
    e = w.refuse(env, EnrolmentRefused, "enrolment_certificate_refused")
    assert e.evidence["cause"] == cause
    w.refuse(opening(w, signer_from_private(issued.key)), UnknownKey, "unknown_key", A, Y)


def test_no_certificate_is_accepted_before_a_trust_anchor_is_recorded(
    world: Any, pki: TestPKI
) -> None:
    e = world.refuse(
        enrolment(world, pki, pki.rsa_official), EnrolmentRefused, "enrolment_certificate_refused"
    )
    assert e.evidence["cause"] == "certificate_untrusted_root"


def test_the_chain_must_be_spelled_as_the_validated_path_without_the_anchor(
    w: Any, pki: TestPKI
) -> None:
    issued = pki.ec_official
    env = enrolment(w, pki, issued, chain=[issued.cert, pki.intermediate.cert, pki.root.cert])
    e = w.refuse(env, EnrolmentRefused, "enrolment_certificate_refused")
    assert e.evidence["cause"] == "chain_spelling"


def test_a_subject_cannot_be_given_beside_a_certificate(w: Any, pki: TestPKI) -> None:
    env = enrolment(w, pki, pki.ec_official, subject={"common_name": "Người Khác"})
    w.refuse(env, BadEvent, "bad_event")


# -- revocation lists and anchors as events -------------------------------------------
def test_a_crl_no_known_ca_signed_is_refused(w: Any, pki: TestPKI) -> None:
    env = w.sign([w.root], "RevocationListRecorded", "96", None, NOW, crl_data(pki.crl))
    e = w.refuse(env, RevocationListRefused, "crl_refused")  # its CA is not known yet
    assert e.evidence["cause"] == "crl_issuer_mismatch"
    forged = crl(pki.intermediate, [], signing_key=pki.other_root.key)
    enrol(w, pki, pki.rsa_official)
    env = w.sign([w.root], "RevocationListRecorded", "96", None, NOW, crl_data(forged))
    assert (
        w.refuse(env, RevocationListRefused, "crl_refused").evidence["cause"]
        == "crl_issuer_mismatch"
    )


def test_a_crl_whose_sha256_does_not_match_is_refused_and_one_recorded_twice_is_a_duplicate(
    w: Any,
    pki: TestPKI,
) -> None:
    enrol(w, pki, pki.rsa_official)
    data = crl_data(pki.crl)
    bad = w.sign([w.root], "RevocationListRecorded", "96", None, NOW, {**data, "sha256": "0" * 64})
    assert w.refuse(bad, RevocationListRefused, "crl_refused").evidence["cause"] == "crl_sha256"
    early = w.sign([w.root], "RevocationListRecorded", "96", None, NOW - 2 * DAY, data)
    assert (
        w.refuse(early, RevocationListRefused, "crl_refused").evidence["cause"]
        == "crl_not_yet_valid"
    )
    w.record_crl(pki.crl, NOW)
    again = w.sign([w.root], "RevocationListRecorded", "96", None, NOW, data)
    w.refuse(again, Duplicate, "duplicate")


def test_trust_anchors_must_be_ca_certificates_recorded_once(
    w: Any, pki: TestPKI, anchors: Any
) -> None:
    again = w.sign(
        [w.root], "TrustAnchorAdded", "96", None, NOW, {"anchor": anchors_doc(anchors)[0]}
    )
    w.refuse(again, Duplicate, "duplicate")
    leaf = anchors_doc([TrustAnchor(pki.ec_official.cert)])[0]
    env = w.sign([w.root], "TrustAnchorAdded", "96", None, NOW, {"anchor": leaf})
    e = w.refuse(env, TrustAnchorRefused, "trust_anchor_refused")
    assert e.evidence["cause"] == "certificate_issuer_not_ca"
    stolen = {**anchors_doc(load_anchors(pki.other_root.pem))[0], "sha256": anchors[0].fingerprint}
    env = w.sign([w.root], "TrustAnchorAdded", "96", None, NOW, {"anchor": stolen})
    e = w.refuse(env, TrustAnchorRefused, "trust_anchor_refused")
    assert e.evidence["cause"] == "certificate_malformed"  # the stated sha256 is not its own


def test_a_ledger_given_its_anchors_refuses_to_record_any_other(
    w: Any, pki: TestPKI, make_ledger: Any
) -> None:
    pinned = make_ledger(trust_anchors=load_anchors(pki.root.pem))
    other = anchors_doc(load_anchors(pki.other_root.pem))[0]
    env = w.sign([w.root], "TrustAnchorAdded", "96", None, NOW, {"anchor": other})
    with pytest.raises(NotAllowed):
        pinned.submit(env)
    w.ledger.submit(env)  # a ledger with no anchors configured takes the registrar's word


def test_a_replay_given_only_the_root_pem_judges_certificate_signatures_as_the_ledger_did(
    w: Any,
    pki: TestPKI,
    anchors: Any,
) -> None:
    signer = enrol(w, pki, pki.ec_official)
    open_evaluation(w, signer)
    size, _ = w.ledger.recorder.log_head()
    leaves = list(w.ledger.recorder.log_leaves(0, size))
    replay = Replay("96", anchors=anchors)
    replay.feed_all(leaves)
    assert replay.evaluation(A, Y).head == w.ledger.evaluation(A, Y).head
    rec = replay.reg.keys[signer.key_id]
    assert rec.chain is not None and rec.chain.anchor.fingerprint == anchors[0].fingerprint


def test_a_crl_of_the_root_revoking_the_issuing_ca_stops_every_certificate_under_it(
    w: Any, pki: TestPKI
) -> None:
    rsa, ec = enrol(w, pki, pki.rsa_official), enrol(w, pki, pki.ec_official)
    w.record_crl(crl(pki.root, [(pki.intermediate.cert.serial_number, NOW - DAY)]), NOW)
    for signer in (rsa, ec):
        e = w.refuse(opening(w, signer), CertificateNotValid, "certificate_not_valid", A, Y)
        assert e.evidence["cause"] == "certificate_revoked"
        assert (e.evidence["position"], e.evidence["role"]) == (1, "intermediate")


def test_a_retroactive_key_revocation_flags_what_the_key_signed_after_its_effective_time(
    world: Any,
) -> None:
    chair = world.chair(A)
    world.submit(opening(world, chair, at(date(2023, 12, 1), 8), 2023), "EvaluationOpened", A, 2023)
    after = world.submit(opening(world, chair), "EvaluationOpened", A, Y)
    effective = at(date(2024, 6, 1), 8)  # between the two openings, recorded later
    world.emit([world.root], "KeyRevoked", "96", None, NOW,
               {"key_id": chair.key_id, "effective": format_utc(effective), "reason": "key_compromise"})  # fmt: skip
    chains = [world.ledger.evaluation(A, 2023), world.ledger.evaluation(A, Y)]
    (finding,) = signed_after_revocation(world.ledger.registry(), chains)
    assert finding.events == (after.envelope_hash,)  # the 2023 opening, claimed before, is not flagged
    assert finding.details["by"] == "KeyRevoked" and finding.details["official_id"] == f"{A}-chu-tich"
