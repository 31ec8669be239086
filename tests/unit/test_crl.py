"""CRLs as revocation evidence: checking a CRL, and judging a chain from the CRLs known."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pki import DAY, NOW, Issued, TestPKI, crl, ec_key, issue, ku, name, resign_rsa

from verify.crl import RevocationList, load_crl, verify_crl
from verify.revocation import (
    check_not_revoked,
    check_signing,
    claimed_after_revocation,
    revocation_of,
)
from verify.x509 import TrustAnchor, ValidatedChain, validate_chain
from verify.x509_errors import (
    CertificateExpired,
    CertificateRevoked,
    CRLIssuerMismatch,
    CRLNotYetValid,
    MalformedCRL,
    UnhandledCriticalExtension,
)
from verify.x509_info import spki_key_id


def der(c: x509.CertificateRevocationList) -> bytes:
    return c.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def cas(pki: TestPKI) -> list[x509.Certificate]:
    """The CA certificates a registry knows: anchors and enrolled chains' intermediates."""
    return [pki.root.cert, pki.intermediate.cert, pki.other_intermediate.cert]


@pytest.fixture(scope="module")
def the_crl(pki: TestPKI, cas: list[x509.Certificate]) -> RevocationList:
    return verify_crl(der(pki.crl), cas, at=NOW)


def chain_of(pki: TestPKI, anchors: tuple[TrustAnchor, ...], leaf: Issued) -> ValidatedChain:
    return validate_chain(leaf.cert, [pki.intermediate.cert], anchors, NOW)


def test_a_crl_is_verified_against_the_ca_that_signed_it(
    pki: TestPKI, the_crl: RevocationList
) -> None:
    assert the_crl.issuer_key_id == spki_key_id(pki.intermediate.cert)
    assert the_crl.number == 1
    assert the_crl.this_update == NOW - DAY
    assert the_crl.next_update == NOW + 7 * DAY
    assert set(the_crl.entries) == {pki.revoked.cert.serial_number}
    entry = the_crl.revocation(pki.revoked.cert.serial_number)
    assert entry is not None
    assert (entry.revoked_at, entry.reason) == (NOW - 10 * DAY, "key_compromise")
    assert the_crl.current_at(NOW) and not the_crl.current_at(NOW + 8 * DAY)


def test_pem_and_der_crls_give_the_same_list(
    pki: TestPKI, cas: list[x509.Certificate], the_crl: RevocationList
) -> None:
    pem = pki.crl.public_bytes(serialization.Encoding.PEM)
    assert verify_crl(pem, cas, at=NOW).fingerprint == the_crl.fingerprint


def test_the_revoked_certificate_is_revoked_and_the_others_are_not(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...], the_crl: RevocationList
) -> None:
    revoked = chain_of(pki, anchors, pki.revoked)
    r = revocation_of(revoked, [the_crl])
    assert r is not None and r.serial == pki.revoked.cert.serial_number
    assert r.crl == the_crl.fingerprint
    for good in (pki.ec_official, pki.rsa_official):
        assert revocation_of(chain_of(pki, anchors, good), [the_crl]) is None
        check_not_revoked(chain_of(pki, anchors, good), [the_crl])


def test_once_a_crl_is_known_the_key_is_refused_whatever_the_claimed_time(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...], the_crl: RevocationList
) -> None:
    chain = chain_of(pki, anchors, pki.revoked)
    before_revocation = NOW - 30 * DAY
    check_signing(chain, [], before_revocation)  # no CRL in the log yet: good
    for claimed in (before_revocation, NOW):
        with pytest.raises(CertificateRevoked) as e:
            check_signing(chain, [the_crl], claimed)
        assert e.value.evidence["position"] == 0
        assert e.value.evidence["serial"] == format(pki.revoked.cert.serial_number, "x")
        assert e.value.evidence["crl"] == the_crl.fingerprint
        assert e.value.evidence["revoked_at"] == (NOW - 10 * DAY).isoformat()


def test_check_signing_judges_the_chain_validity_at_the_claimed_time(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...]
) -> None:
    chain = chain_of(pki, anchors, pki.ec_official)
    with pytest.raises(CertificateExpired):
        check_signing(chain, [], chain.not_after + timedelta(seconds=1))


def test_envelopes_logged_before_the_crl_are_flagged_when_they_claim_a_later_time(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...], the_crl: RevocationList
) -> None:
    r = revocation_of(chain_of(pki, anchors, pki.revoked), [the_crl])
    assert r is not None
    assert claimed_after_revocation(r.effective, r)
    assert claimed_after_revocation(r.effective + timedelta(days=1), r)
    assert not claimed_after_revocation(r.effective - timedelta(seconds=1), r)


def test_an_invalidity_date_earlier_than_the_revocation_is_the_effective_date(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...], cas: list[x509.Certificate]
) -> None:
    serial = pki.revoked.cert.serial_number
    c = crl(pki.intermediate, [(serial, NOW - 10 * DAY)], invalidity={serial: NOW - 40 * DAY})
    r = revocation_of(chain_of(pki, anchors, pki.revoked), [verify_crl(der(c), cas, at=NOW)])
    assert r is not None and r.effective == NOW - 40 * DAY
    assert claimed_after_revocation(NOW - 20 * DAY, r)


def test_a_revoked_intermediate_revokes_the_chains_below_it(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...], cas: list[x509.Certificate]
) -> None:
    c = crl(pki.root, [(pki.intermediate.cert.serial_number, NOW - 5 * DAY)])
    lists = [verify_crl(der(c), cas, at=NOW)]
    with pytest.raises(CertificateRevoked) as e:
        check_not_revoked(chain_of(pki, anchors, pki.ec_official), lists)
    assert (e.value.evidence["position"], e.value.evidence["role"]) == (1, "intermediate")


def test_a_crl_applies_only_to_certificates_of_the_key_that_signed_it(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...], cas: list[x509.Certificate]
) -> None:
    """Same serial, another issuer: a CRL by the root or a sibling CA revokes nothing here."""
    serial = pki.ec_official.cert.serial_number
    for issuer in (pki.root, pki.other_intermediate):
        lists = [verify_crl(der(crl(issuer, [(serial, NOW - DAY)])), cas, at=NOW)]
        assert revocation_of(chain_of(pki, anchors, pki.ec_official), lists) is None


def test_a_hold_counts_only_while_the_newest_crl_lists_it(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...], cas: list[x509.Certificate]
) -> None:
    serial = pki.ec_official.cert.serial_number
    chain = chain_of(pki, anchors, pki.ec_official)
    hold = crl(
        pki.intermediate,
        [(serial, NOW - 3 * DAY, x509.ReasonFlags.certificate_hold)],
        this_update=NOW - 3 * DAY,
        number=7,
    )
    released = crl(pki.intermediate, [], this_update=NOW - DAY, number=8)
    hold_l, released_l = (verify_crl(der(c), cas, at=NOW) for c in (hold, released))
    assert revocation_of(chain, [hold_l]) is not None
    assert revocation_of(chain, [hold_l, released_l]) is None
    assert revocation_of(chain, [released_l, hold_l]) is None
    # a key compromise is not lifted by a later CRL that omits it
    comp = crl(pki.intermediate, [(serial, NOW - 3 * DAY)], this_update=NOW - 3 * DAY, number=7)
    assert revocation_of(chain, [verify_crl(der(comp), cas, at=NOW), released_l]) is not None


def test_a_stale_crl_is_still_evidence(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...], cas: list[x509.Certificate]
) -> None:
    c = crl(
        pki.intermediate,
        [(pki.revoked.cert.serial_number, NOW - 20 * DAY)],
        this_update=NOW - 15 * DAY,
        next_update=NOW - 8 * DAY,
    )
    stale = verify_crl(der(c), cas, at=NOW)
    assert not stale.current_at(NOW)
    assert revocation_of(chain_of(pki, anchors, pki.revoked), [stale]) is not None


def test_a_crl_signed_by_another_key_is_refused(pki: TestPKI, cas: list[x509.Certificate]) -> None:
    forged = crl(pki.intermediate, [], signing_key=ec_key())
    with pytest.raises(CRLIssuerMismatch) as e:
        verify_crl(der(forged), cas, at=NOW)
    assert e.value.evidence["check"] == "crl_signature"


def test_a_crl_from_a_ca_the_verifier_does_not_know_is_refused(pki: TestPKI) -> None:
    with pytest.raises(CRLIssuerMismatch):
        verify_crl(der(pki.crl), [pki.root.cert, pki.other_intermediate.cert], at=NOW)


def test_a_ca_without_crl_sign_may_not_sign_crls(pki: TestPKI) -> None:
    ca = issue(name("No CRL CA"), ec_key(), pki.root, ca=True, usage=ku(key_cert_sign=True))
    with pytest.raises(CRLIssuerMismatch) as e:
        verify_crl(der(crl(ca, [])), [ca.cert], at=NOW)
    assert e.value.evidence["check"] == "crl_sign"


def test_a_crl_from_the_future_is_refused(pki: TestPKI, cas: list[x509.Certificate]) -> None:
    c = crl(pki.intermediate, [], this_update=NOW + DAY, next_update=NOW + 8 * DAY)
    with pytest.raises(CRLNotYetValid):
        verify_crl(der(c), cas, at=NOW)
    verify_crl(der(c), cas, at=NOW + DAY)


def test_a_crl_whose_next_update_precedes_this_update_is_refused(
    pki: TestPKI, cas: list[x509.Certificate]
) -> None:
    c = crl(pki.root, [], this_update=NOW - 2 * DAY, next_update=NOW + DAY)
    tbs = c.tbs_certlist_bytes
    a = b"\x17\x0d" + (NOW - 2 * DAY).strftime("%y%m%d%H%M%SZ").encode()
    b = b"\x17\x0d" + (NOW + DAY).strftime("%y%m%d%H%M%SZ").encode()
    assert tbs.count(a) == 1 and tbs.count(b) == 1
    swapped = tbs.replace(a, b"\0" * 15).replace(b, a).replace(b"\0" * 15, b)
    bad = resign_rsa(der(c), tbs, swapped, pki.root.key, hashes.SHA256())
    with pytest.raises(MalformedCRL) as e:
        verify_crl(bad, cas, at=NOW)
    assert e.value.evidence["check"] == "crl_dates"


@pytest.mark.parametrize(
    "ext",
    [
        (x509.DeltaCRLIndicator(1), True),
        (
            x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.2"), b"\x05\x00"),
            True,
        ),
    ],
    ids=["delta-crl", "unknown-critical"],
)
def test_delta_crls_and_unknown_critical_extensions_are_refused(
    pki: TestPKI, cas: list[x509.Certificate], ext: tuple[x509.ExtensionType, bool]
) -> None:
    with pytest.raises(UnhandledCriticalExtension):
        verify_crl(der(crl(pki.intermediate, [], extra=(ext,))), cas, at=NOW)


def test_an_indirect_crl_is_refused(pki: TestPKI, cas: list[x509.Certificate]) -> None:
    idp = x509.IssuingDistributionPoint(
        full_name=None,
        relative_name=None,
        only_contains_user_certs=False,
        only_contains_ca_certs=False,
        only_some_reasons=None,
        indirect_crl=True,
        only_contains_attribute_certs=False,
    )
    with pytest.raises(MalformedCRL) as e:
        verify_crl(der(crl(pki.intermediate, [], extra=((idp, True),))), cas, at=NOW)
    assert e.value.evidence["check"] == "crl_scope"


def test_a_critical_entry_extension_it_cannot_process_is_refused(
    pki: TestPKI, cas: list[x509.Certificate]
) -> None:
    entry = (
        x509.RevokedCertificateBuilder()
        .serial_number(5)
        .revocation_date(NOW - DAY)
        .add_extension(x509.CertificateIssuer([x509.DNSName("ca.example")]), critical=True)
        .build()
    )
    c = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.intermediate.cert.subject)
        .last_update(NOW - DAY)
        .next_update(NOW + DAY)
        .add_revoked_certificate(entry)
        .sign(pki.intermediate.key, hashes.SHA256())  # type: ignore[arg-type]
    )
    with pytest.raises(UnhandledCriticalExtension):
        verify_crl(der(c), cas, at=NOW)


@pytest.mark.parametrize(
    "mutate",
    [lambda b: b + b"\x00", lambda b: b[:-1], lambda b: b"", lambda b: b"garbage"],
    ids=["trailing-byte", "truncated", "empty", "garbage"],
)
def test_bytes_that_are_not_exactly_one_crl_are_refused(pki: TestPKI, mutate: object) -> None:
    with pytest.raises(MalformedCRL):
        load_crl(mutate(der(pki.crl)))  # type: ignore[operator]


def test_every_single_bit_flip_of_a_crl_is_refused(
    pki: TestPKI, cas: list[x509.Certificate]
) -> None:
    from verify.x509_errors import CertificateError

    data = der(pki.crl)
    for i in range(len(data)):
        flipped = bytearray(data)
        flipped[i] ^= 1 << (i % 8)
        with pytest.raises(CertificateError):
            verify_crl(bytes(flipped), cas, at=NOW)
