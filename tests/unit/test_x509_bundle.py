"""Chains, CRLs and anchors inside JSON, and an inspector who holds only the root PEM."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from pki import NOW, TestPKI

from domain.signing import Signer, sign_payload
from verify.crl import verify_crl
from verify.dsse import parse_envelope, verify_signatures
from verify.keys import public_key_from_crypto
from verify.revocation import check_signing
from verify.x509 import TrustAnchor, load_anchors
from verify.x509_bundle import (
    MAX_CHAIN,
    anchors_doc,
    anchors_from_doc,
    decode_chain,
    decode_crl,
    encode_chain,
    encode_crl,
    validate_chain_doc,
)
from verify.x509_errors import CertificateRevoked, MalformedCertificate, MalformedCRL


def test_a_chain_round_trips_through_json(pki: TestPKI) -> None:
    certs = [pki.ec_official.cert, pki.intermediate.cert]
    doc = json.loads(json.dumps(encode_chain(certs)))
    assert list(decode_chain(doc)) == certs


@pytest.mark.parametrize(
    "doc",
    [
        None,
        "MII=",
        [],
        [1],
        ["not base64!"],
        ["AAAA"],
    ],
    ids=["null", "string", "empty", "number", "bad-base64", "not-der"],
)
def test_chain_documents_that_are_not_lists_of_certificates_are_refused(doc: object) -> None:
    with pytest.raises(MalformedCertificate):
        decode_chain(doc)


def test_non_canonical_base64_duplicates_and_long_chains_are_refused(pki: TestPKI) -> None:
    b64 = encode_chain([pki.ec_official.cert])[0]
    for doc in (
        [b64.rstrip("=") if b64.endswith("=") else b64 + "\n"],
        [b64, b64],
        [b64] * (MAX_CHAIN + 1),
        [base64.urlsafe_b64encode(pki.ec_official.der).decode().replace("=", "") + "-_"],
    ):
        with pytest.raises(MalformedCertificate):
            decode_chain(doc)


def test_anchors_round_trip_with_their_fingerprints(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    doc = json.loads(json.dumps(anchors_doc(anchors)))
    assert doc[0]["sha256"] == anchors[0].fingerprint
    assert anchors_from_doc(doc) == anchors


def test_an_anchor_document_with_a_wrong_fingerprint_is_refused(
    anchors: tuple[TrustAnchor, ...],
) -> None:
    doc = anchors_doc(anchors)
    doc[0]["sha256"] = "0" * 64
    with pytest.raises(MalformedCertificate):
        anchors_from_doc(doc)
    doc = anchors_doc(anchors)
    doc[0]["subject"] = "CN=Someone Else"
    with pytest.raises(MalformedCertificate):
        anchors_from_doc(doc)


def test_crl_documents_are_strict_base64(pki: TestPKI) -> None:
    der = pki.crl.public_bytes(serialization.Encoding.DER)
    assert decode_crl(encode_crl(der)) == der
    for bad in (None, 5, "not base64!", encode_crl(der).rstrip("=") + "\n"):
        with pytest.raises(MalformedCRL):
            decode_crl(bad)


def signer_of(issued: object, pki: TestPKI) -> Signer:
    key = issued.key  # type: ignore[attr-defined]
    return Signer(key, public_key_from_crypto(key.public_key()))


@pytest.mark.parametrize("who", ["rsa_official", "ec_official"])
def test_an_inspector_with_only_the_root_pem_verifies_a_certificate_signed_envelope(
    pki: TestPKI, who: str
) -> None:
    issued = getattr(pki, who)
    envelope = sign_payload(b'{"hello":"world"}', [signer_of(issued, pki)])
    bundle = json.dumps(
        {
            "chain": encode_chain([issued.cert, pki.intermediate.cert]),
            "crls": [encode_crl(pki.crl.public_bytes(serialization.Encoding.DER))],
            "envelope": envelope.decode(),
        }
    )
    # the inspector's side: the root PEM from the CA, and the bundle
    anchors = load_anchors(pki.root.pem)
    doc = json.loads(bundle)
    chain = validate_chain_doc(doc["chain"], anchors, NOW)
    crls = [verify_crl(decode_crl(c), chain.certificates[1:], at=NOW) for c in doc["crls"]]
    check_signing(chain, crls, NOW)
    verify_signatures(parse_envelope(doc["envelope"].encode()), {chain.key_id: chain.public_key})


def test_the_inspector_refuses_the_revoked_officials_envelope(pki: TestPKI) -> None:
    anchors = load_anchors(pki.root.pem)
    chain = validate_chain_doc(
        encode_chain([pki.revoked.cert, pki.intermediate.cert]), anchors, NOW
    )
    crls = [
        verify_crl(
            pki.crl.public_bytes(serialization.Encoding.DER), [pki.intermediate.cert], at=NOW
        )
    ]
    with pytest.raises(CertificateRevoked):
        check_signing(chain, crls, NOW)
