"""The registry's certificate evidence as pure state (``verify.process.certificates``): a
registry replayed from signed events, without a database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pki import DAY, NOW, TestPKI, crl_data, format_utc

from domain.signing import Signer, generate, signer_from_private
from domain.writer import ChainWriter
from verify.process.registry import RegistryState, parse_official
from verify.process.replay import Replay
from verify.refusals import BadEvent, CertificateNotValid
from verify.x509 import load_anchors
from verify.x509_bundle import anchors_doc, encode_chain

ENROLLED = NOW - 30 * DAY


def registry(pki: TestPKI, *events: tuple[str, dict[str, Any], datetime]) -> RegistryState:
    root, w = generate(), ChainWriter()
    genesis = [
        ("LedgerInitialised", {"origin": "t", "name": "t", "trust_root": [root.key_doc()]}, ENROLLED),
        ("TrustAnchorAdded", {"anchor": anchors_doc(load_anchors(pki.root.pem))[0]}, ENROLLED),
    ]
    replay = Replay("96")
    for type_, data, when in (*genesis, *events):
        replay.feed(w.sign([root], type_, "96", None, when, data))
    assert replay.reg is not None
    return replay.reg


def official(pki: TestPKI, issued: Any, **doc: Any) -> dict[str, Any]:
    base = {
        "id": "cb-1", "name": "Hoàng Văn Thu", "position": "Chủ tịch UBND xã",
        "role": "commune_chairman", "scope": "31999", "valid_from": format_utc(ENROLLED),
        "certificate": {"chain": encode_chain([issued.cert, pki.intermediate.cert])},
    }  # fmt: skip
    return {**base, **doc}


def enrolled(pki: TestPKI, issued: Any) -> tuple[str, dict[str, Any], datetime]:
    return ("OfficialEnrolled", {"official": official(pki, issued)}, ENROLLED)


def test_the_evidence_before_a_crl_does_not_revoke_what_the_crl_revokes(pki: TestPKI) -> None:
    reg = registry(pki, enrolled(pki, pki.revoked), ("RevocationListRecorded", crl_data(pki.crl), NOW))
    signer: Signer = signer_from_private(pki.revoked.key)
    chain = reg.keys[signer.key_id].chain
    assert chain is not None
    reg.certs.before(0).check_signature(chain, NOW - 20 * DAY)
    with pytest.raises(CertificateNotValid) as e:
        reg.certs.before(1).check_signature(chain, NOW - 20 * DAY)
    assert e.value.evidence["cause"] == "certificate_revoked"
    assert reg.certs.before(1) is reg.certs and len(reg.certs.before(0).crls) == 0


def test_a_crl_that_lists_other_serials_of_the_issuer_leaves_the_certificate_good(
    pki: TestPKI,
) -> None:
    reg = registry(pki, enrolled(pki, pki.ec_official), ("RevocationListRecorded", crl_data(pki.crl), NOW))
    chain = reg.keys[signer_from_private(pki.ec_official.key).key_id].chain
    assert chain is not None and reg.certs.crls_of(chain) == reg.certs.crls
    reg.certs.check_signature(chain, NOW)
    assert reg.certs.crl_records[reg.certs.crls[0].fingerprint].time == NOW


@pytest.mark.parametrize(
    "change",
    [
        {"key": {"alg": "ed25519", "spki": "AAAA"}},  # both a key and a certificate
        {"certificate": None},  # neither: the certificate removed below
        {"subject": {"common_name": "Người Khác"}},  # the subject comes from the certificate
    ],
)
def test_an_official_holds_exactly_one_of_key_or_certificate(
    pki: TestPKI, change: dict[str, Any]
) -> None:
    doc = official(pki, pki.ec_official, **change)
    if doc["certificate"] is None:
        del doc["certificate"]
    with pytest.raises(BadEvent):
        parse_official(doc, 0, lambda c: pytest.fail("the chain must not be read"))
