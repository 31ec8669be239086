"""Path validation of officials' certificates: every test-PKI case accepted or refused
with its specific reason, checked also against cryptography's own verifier."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store
from pki import CA_USAGE, NOW, YEAR, Issued, TestPKI, ec_key, issue, name, tamper

from verify.errors import MalformedInput
from verify.keys import key_id
from verify.x509 import (
    TrustAnchor,
    ValidatedChain,
    fingerprint,
    load_anchors,
    load_certificate,
    replay_chain,
    validate_chain,
)
from verify.x509_errors import (
    BadCertificateSignature,
    CertificateError,
    CertificateExpired,
    CertificateNotYetValid,
    IssuerNotCA,
    IssuerNotFound,
    LeafIsCA,
    MalformedCertificate,
    NotForSigning,
    PathLengthExceeded,
    UnhandledCriticalExtension,
    UnsupportedCertificateKey,
    UntrustedRoot,
    WeakAlgorithm,
)

# (leaf, intermediates given, expected refusal or None, position of the culprit, check)
CASES: list[tuple[str, tuple[str, ...], type[CertificateError] | None, int | None, str | None]] = [
    ("rsa_official", ("intermediate",), None, None, None),
    ("ec_official", ("intermediate",), None, None, None),
    ("revoked", ("intermediate",), None, None, None),  # revocation is verify.crl's job
    ("expired", ("intermediate",), CertificateExpired, 0, "validity"),
    ("not_yet_valid", ("intermediate",), CertificateNotYetValid, 0, "validity"),
    ("untrusted", ("other_root",), UntrustedRoot, 1, "trust_anchor"),
    ("untrusted", ("intermediate",), IssuerNotFound, 0, "issuer"),
    ("no_digital_signature", ("intermediate",), NotForSigning, 0, "keyUsage"),
    ("no_key_usage", ("intermediate",), NotForSigning, 0, "keyUsage"),
    ("ca_as_leaf", ("intermediate",), LeafIsCA, 0, "basicConstraints"),
    ("wrong_issuer", ("intermediate",), IssuerNotFound, 0, "issuer"),
    ("signed_by_other_key", ("intermediate",), BadCertificateSignature, 0, "signature"),
    ("rsa_1024", ("intermediate",), WeakAlgorithm, 0, "key_algorithm"),
    ("p384_leaf", ("intermediate",), UnsupportedCertificateKey, 0, "key_algorithm"),
    ("sha1_signed", (), WeakAlgorithm, 0, "signature_algorithm"),
    ("leaf_under_non_ca", ("issuer_not_ca",), IssuerNotCA, 1, "basicConstraints"),
    (
        "leaf_too_deep",
        ("sub_intermediate", "depth_limited_intermediate"),
        PathLengthExceeded,
        3,
        "pathLenConstraint",
    ),
]
IDS = [f"{c[0]}-via-{'+'.join(c[1]) or 'root'}" for c in CASES]


def given(pki: TestPKI, names: tuple[str, ...]) -> list[x509.Certificate]:
    return [getattr(pki, n).cert for n in names]


@pytest.mark.parametrize(("leaf", "via", "error", "position", "check"), CASES, ids=IDS)
def test_each_test_pki_certificate_is_accepted_or_refused_for_its_reason(
    pki: TestPKI,
    anchors: tuple[TrustAnchor, ...],
    leaf: str,
    via: tuple[str, ...],
    error: type[CertificateError] | None,
    position: int | None,
    check: str | None,
) -> None:
    cert = getattr(pki, leaf).cert
    if error is None:
        chain = validate_chain(cert, given(pki, via), anchors, NOW)
        assert chain.certificates[0] == cert
        assert chain.certificates[-1] == pki.root.cert
        return
    with pytest.raises(error) as e:
        validate_chain(cert, given(pki, via), anchors, NOW)
    assert type(e.value) is error
    assert e.value.evidence["position"] == position
    assert e.value.evidence["check"] == check
    assert e.value.vi and e.value.en and e.value.vi != e.value.en
    culprit = ([cert, *given(pki, via)] + [pki.root.cert])[position or 0]
    if check != "pathLenConstraint":  # that one names the issuer whose limit is broken
        assert e.value.evidence["fingerprint"] == fingerprint(culprit)


def test_tampered_signature_is_refused(pki: TestPKI, anchors: tuple[TrustAnchor, ...]) -> None:
    with pytest.raises(BadCertificateSignature) as e:
        validate_chain(tamper(pki.ec_official.cert), [pki.intermediate.cert], anchors, NOW)
    assert e.value.evidence["position"] == 0


def test_every_single_bit_flip_of_a_leaf_is_refused(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    der = pki.ec_official.der
    inter = [pki.intermediate.cert]
    for i in range(len(der)):
        flipped = bytearray(der)
        flipped[i] ^= 1 << (i % 8)
        with pytest.raises(CertificateError):
            validate_chain(load_certificate(bytes(flipped)), inter, anchors, NOW)


def test_the_result_carries_the_leaf_key_with_the_project_key_id(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    for issued, alg in (
        (pki.rsa_official, "rsa-pss-sha256"),
        (pki.ec_official, "ecdsa-p256-sha256"),
    ):
        chain = validate_chain(issued.cert, [pki.intermediate.cert], anchors, NOW)
        spki = issued.cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert chain.public_key.alg == alg
        assert chain.public_key.spki_der == spki
        assert chain.key_id == key_id(spki)
        assert chain.leaf.serial == issued.cert.serial_number
        assert chain.leaf.fingerprint == fingerprint(issued.cert)
        assert chain.anchor.fingerprint == fingerprint(pki.root.cert)


def test_the_result_describes_subject_issuer_serial_and_validity(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    chain = validate_chain(pki.rsa_official.cert, [pki.intermediate.cert], anchors, NOW)
    info = chain.leaf
    assert info.subject.common_name == "Nguyễn Văn An"
    assert info.subject.organization == "UBND xã Tân Hòa"
    assert info.subject.organizational_units == ("Văn phòng HĐND và UBND",)
    assert info.subject.title == "Chủ tịch UBND xã"
    assert [(i.kind, i.value) for i in info.subject.identifiers] == [
        ("CCCD", "001085012345"),
        ("MNS", "1047665"),
    ]
    assert (
        info.issuer.common_name
        == pki.intermediate.cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[
            0
        ].value
    )
    assert (info.not_before, info.not_after) == (
        pki.rsa_official.cert.not_valid_before_utc,
        pki.rsa_official.cert.not_valid_after_utc,
    )
    doc = info.as_dict()
    assert doc["serial"] == format(pki.rsa_official.cert.serial_number, "x")
    assert doc["subject"]["identifiers"][0]["label_vi"] == "Số căn cước công dân"


def test_validity_bounds_are_inclusive(pki: TestPKI, anchors: tuple[TrustAnchor, ...]) -> None:
    cert, inter = pki.ec_official.cert, [pki.intermediate.cert]
    validate_chain(cert, inter, anchors, cert.not_valid_before_utc)
    validate_chain(cert, inter, anchors, cert.not_valid_after_utc)
    with pytest.raises(CertificateNotYetValid):
        validate_chain(cert, inter, anchors, cert.not_valid_before_utc - timedelta(seconds=1))
    with pytest.raises(CertificateExpired):
        validate_chain(cert, inter, anchors, cert.not_valid_after_utc + timedelta(seconds=1))


def test_check_time_rechecks_the_whole_chain_window(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    chain = validate_chain(pki.ec_official.cert, [pki.intermediate.cert], anchors, NOW)
    assert chain.not_after == min(c.not_valid_after_utc for c in chain.certificates)
    chain.check_time(NOW + timedelta(days=200))
    with pytest.raises(CertificateExpired) as e:
        chain.check_time(chain.not_after + timedelta(seconds=1))
    assert e.value.evidence["role"] == "leaf"


def _chain_with(pki: TestPKI, **inter_kw: Any) -> tuple[Issued, Issued]:
    inter = issue(
        name("Variant CA", o="Ban Cơ yếu Chính phủ (test)"),
        ec_key(),
        pki.root,
        ca=True,
        path_length=0,
        usage=inter_kw.pop("usage", CA_USAGE),
        **inter_kw,
    )
    leaf = issue(name("Cán Bộ"), ec_key(), inter)
    return inter, leaf


def test_an_expired_intermediate_is_refused_with_its_position(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    inter, leaf = _chain_with(pki, not_before=NOW - 3 * YEAR, not_after=NOW - YEAR)
    with pytest.raises(CertificateExpired) as e:
        validate_chain(leaf.cert, [inter.cert], anchors, NOW - YEAR // 2)
    assert (e.value.evidence["position"], e.value.evidence["role"]) == (1, "intermediate")


def test_an_expired_trust_anchor_is_refused() -> None:
    root = issue(
        name("Short-lived Root"),
        ec_key(),
        None,
        ca=True,
        usage=CA_USAGE,
        not_before=NOW - YEAR,
        not_after=NOW + timedelta(days=1),
    )
    leaf = issue(name("Cán Bộ"), ec_key(), root, not_after=NOW + YEAR)
    anchors = load_anchors(root.pem)
    validate_chain(leaf.cert, [], anchors, NOW)
    with pytest.raises(CertificateExpired) as e:
        validate_chain(leaf.cert, [], anchors, NOW + timedelta(days=2))
    assert (e.value.evidence["position"], e.value.evidence["role"]) == (1, "anchor")


def test_an_intermediate_without_key_cert_sign_is_not_an_issuer(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    from pki import ku

    inter, leaf = _chain_with(pki, usage=ku(crl_sign=True, digital_signature=True))
    with pytest.raises(IssuerNotCA) as e:
        validate_chain(leaf.cert, [inter.cert], anchors, NOW)
    assert (e.value.evidence["position"], e.value.evidence["check"]) == (1, "keyUsage")


def test_an_unknown_critical_extension_is_refused(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    odd = x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00")
    leaf = issue(name("Lạ"), ec_key(), pki.intermediate, extra=((odd, True),))
    with pytest.raises(UnhandledCriticalExtension) as e:
        validate_chain(leaf.cert, [pki.intermediate.cert], anchors, NOW)
    assert e.value.evidence["extension"] == "1.3.6.1.4.1.99999.1"
    # the same extension, not critical, is ignored (RFC 5280 §4.2)
    leaf = issue(name("Lạ"), ec_key(), pki.intermediate, extra=((odd, False),))
    validate_chain(leaf.cert, [pki.intermediate.cert], anchors, NOW)


def test_name_constraints_are_not_processed_so_a_critical_one_is_refused(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    nc = x509.NameConstraints(permitted_subtrees=[x509.DNSName("gov.vn")], excluded_subtrees=None)
    inter, leaf = _chain_with(pki, extra=((nc, True),))
    with pytest.raises(UnhandledCriticalExtension) as e:
        validate_chain(leaf.cert, [inter.cert], anchors, NOW)
    assert e.value.evidence["position"] == 1


@pytest.mark.parametrize(
    ("purposes", "accepted"),
    [
        ((ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION), True),
        ((ObjectIdentifier("1.3.6.1.5.5.7.3.36"),), True),  # documentSigning, RFC 9336
        ((ExtendedKeyUsageOID.SERVER_AUTH,), False),
        ((ExtendedKeyUsageOID.CODE_SIGNING, ExtendedKeyUsageOID.TIME_STAMPING), False),
    ],
)
def test_an_extended_key_usage_must_allow_signing_documents(
    pki: TestPKI,
    anchors: tuple[TrustAnchor, ...],
    purposes: tuple[ObjectIdentifier, ...],
    accepted: bool,
) -> None:
    leaf = issue(
        name("EKU"),
        ec_key(),
        pki.intermediate,
        extra=((x509.ExtendedKeyUsage(list(purposes)), False),),
    )
    if accepted:
        validate_chain(leaf.cert, [pki.intermediate.cert], anchors, NOW)
        return
    with pytest.raises(NotForSigning) as e:
        validate_chain(leaf.cert, [pki.intermediate.cert], anchors, NOW)
    assert e.value.evidence["check"] == "extendedKeyUsage"


def test_intermediates_may_be_unordered_extra_and_include_the_root(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    pool = [pki.root.cert, pki.other_intermediate.cert, pki.other_root.cert, pki.intermediate.cert]
    chain = validate_chain(pki.ec_official.cert, pool, anchors, NOW)
    assert chain.certificates == (pki.ec_official.cert, pki.intermediate.cert, pki.root.cert)


def test_ed25519_certificates_are_outside_circular_15(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    leaf = issue(name("Ed Lá"), ed25519.Ed25519PrivateKey.generate(), pki.intermediate)
    with pytest.raises(WeakAlgorithm) as e:
        validate_chain(leaf.cert, [pki.intermediate.cert], anchors, NOW)
    assert e.value.evidence["check"] == "key_algorithm"
    ed_ca = issue(
        name("Ed CA"), ed25519.Ed25519PrivateKey.generate(), pki.root, ca=True, usage=CA_USAGE
    )
    signed_by_ed = issue(name("Ký bởi Ed"), ec_key(), ed_ca)
    with pytest.raises(WeakAlgorithm) as e:
        validate_chain(signed_by_ed.cert, [ed_ca.cert], anchors, NOW)
    assert (e.value.evidence["check"], e.value.evidence["position"]) == ("signature_algorithm", 0)


def test_a_leaf_issued_directly_by_the_anchor_is_accepted(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    leaf = issue(name("Trực Tiếp"), ec_key(), pki.root)
    assert len(validate_chain(leaf.cert, [], anchors, NOW).certificates) == 2


def test_an_issuer_with_the_right_name_but_another_key_is_skipped_for_the_real_one(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    """CA key rollover: two certificates with the intermediate's name; AKI picks the one."""
    twin = issue(
        pki.intermediate.cert.subject, ec_key(), pki.root, ca=True, path_length=0, usage=CA_USAGE
    )
    chain = validate_chain(pki.ec_official.cert, [twin.cert, pki.intermediate.cert], anchors, NOW)
    assert chain.certificates[1] == pki.intermediate.cert
    # given only the twin, the issuer (that key id) is missing, not a bad signature
    with pytest.raises(IssuerNotFound):
        validate_chain(pki.ec_official.cert, [twin.cert], anchors, NOW)


def test_a_naive_time_and_missing_anchors_are_refused(pki: TestPKI) -> None:
    with pytest.raises(MalformedInput):
        validate_chain(
            pki.ec_official.cert, [], load_anchors(pki.root.pem), NOW.replace(tzinfo=None)
        )
    with pytest.raises(UntrustedRoot):
        validate_chain(pki.ec_official.cert, [pki.intermediate.cert], [], NOW)


def test_anchors_load_from_pem_with_fingerprints(pki: TestPKI) -> None:
    pem = b"# national root\n" + pki.root.pem + b"\n" + pki.other_root.pem + pki.root.pem
    anchors = load_anchors(pem)
    assert [a.fingerprint for a in anchors] == [
        fingerprint(pki.root.cert),
        fingerprint(pki.other_root.cert),
    ]
    assert anchors[0].info.subject.common_name == "Test Root CA (Cơ quan chứng thực gốc)"


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"not a certificate",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n",
    ],
    ids=["empty", "text", "private-key-block", "bad-base64", "unterminated"],
)
def test_anchor_files_that_are_not_certificates_are_refused(bad: bytes) -> None:
    with pytest.raises(MalformedCertificate):
        load_anchors(bad)


def test_a_non_ca_certificate_cannot_be_an_anchor(pki: TestPKI) -> None:
    with pytest.raises(IssuerNotCA):
        load_anchors(pki.ec_official.pem)


def test_ber_lengths_are_not_der_and_are_refused(pki: TestPKI) -> None:
    der = pki.ec_official.der
    assert der[:2] == b"\x30\x82"  # SEQUENCE, two length octets
    body = der[4:]
    ber = b"\x30\x83\x00" + len(body).to_bytes(2, "big") + body  # same length, not minimal
    with pytest.raises(MalformedCertificate):
        load_certificate(ber)


def test_load_certificate_accepts_der_and_one_pem_block_only(pki: TestPKI) -> None:
    assert load_certificate(pki.ec_official.der) == pki.ec_official.cert
    assert load_certificate(pki.ec_official.pem) == pki.ec_official.cert
    for bad in (
        pki.ec_official.der + b"\x00",
        pki.ec_official.pem + pki.root.pem,
        pki.ec_official.der[:-1],
        b"\x30\x00",
    ):
        with pytest.raises(MalformedCertificate):
            load_certificate(bad)


# -- a second opinion: cryptography's own path validator, given the same profile -------


def _leaf_key_usage(policy: Any, cert: x509.Certificate, ku: x509.KeyUsage) -> None:
    if not (ku.digital_signature or ku.content_commitment):
        raise ValueError("leaf keyUsage does not allow signing")


def _leaf_not_ca(policy: Any, cert: x509.Certificate, bc: x509.BasicConstraints | None) -> None:
    if bc is not None and bc.ca:
        raise ValueError("leaf is a CA")


def _oracle(leaf: x509.Certificate, pool: list[x509.Certificate], root: x509.Certificate) -> bool:
    ee = (
        ExtensionPolicy.permit_all()
        .require_present(x509.KeyUsage, Criticality.AGNOSTIC, _leaf_key_usage)
        .may_be_present(x509.BasicConstraints, Criticality.AGNOSTIC, _leaf_not_ca)
    )
    verifier = (
        PolicyBuilder()
        .store(Store([root]))
        .time(NOW)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee)
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, pool)
    except Exception:
        return False
    return True


# Where this module is stricter than cryptography's verifier with that policy: the
# leaf's own key is not judged by its permit_all end-entity policy.
STRICTER = {"rsa_1024", "p384_leaf"}


@pytest.mark.parametrize(("leaf", "via", "error", "position", "check"), CASES, ids=IDS)
def test_cryptography_verifier_agrees_on_every_case(
    pki: TestPKI,
    anchors: tuple[TrustAnchor, ...],
    leaf: str,
    via: tuple[str, ...],
    error: type[CertificateError] | None,
    position: int | None,
    check: str | None,
) -> None:
    cert = getattr(pki, leaf).cert
    theirs = _oracle(cert, given(pki, via), pki.root.cert)
    ours = error is None
    if leaf in STRICTER:
        assert (ours, theirs) == (False, True)
    else:
        assert ours == theirs


def test_a_replayed_chain_equals_the_validated_one_without_rejudging(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    chain = validate_chain(
        pki.ec_official.cert, [pki.root.cert, pki.intermediate.cert], anchors, NOW
    )
    assert chain.path == (pki.ec_official.cert, pki.intermediate.cert)  # what an event carries
    later = NOW + 10 * YEAR  # every certificate has expired: replay must still load it
    again = replay_chain(chain.path, anchors, later)
    assert again.certificates == chain.certificates
    assert (again.key_id, again.leaf, again.anchor) == (chain.key_id, chain.leaf, chain.anchor)
    with pytest.raises(UntrustedRoot):
        replay_chain(chain.path, load_anchors(pki.other_root.pem), NOW)


def test_validated_chain_is_frozen(pki: TestPKI, anchors: tuple[TrustAnchor, ...]) -> None:
    chain: ValidatedChain = validate_chain(
        pki.ec_official.cert, [pki.intermediate.cert], anchors, NOW
    )
    with pytest.raises(AttributeError):
        chain.validated_at = NOW  # type: ignore[misc]
