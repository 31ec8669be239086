"""Signing with certificate keys: PKCS#12 files, and DSSE envelopes that verify with the
key that ``validate_chain`` returns (RSA-PSS/SHA-256 and ECDSA P-256/SHA-256)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from pki import NOW, TestPKI, ec_key, p12

from api.cli import main
from domain.signing import PSS_SALT_BYTES, load_signer, sign_payload
from verify.dsse import PAYLOAD_TYPE, pae, parse_envelope, verify_signatures
from verify.errors import BadSignature
from verify.refusals import InvalidInput
from verify.x509 import TrustAnchor, validate_chain

PASSWORD = b"mat-khau-123"


@pytest.mark.parametrize(
    ("who", "alg"), [("rsa_official", "rsa-pss-sha256"), ("ec_official", "ecdsa-p256-sha256")]
)
def test_an_envelope_signed_with_a_certificate_key_verifies_with_the_chain_key(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...], who: str, alg: str
) -> None:
    issued = getattr(pki, who)
    signer = load_signer(p12(issued, [pki.intermediate, pki.root], PASSWORD), PASSWORD)
    chain = validate_chain(signer.certificates[0], signer.certificates[1:], anchors, NOW)
    assert chain.key_id == signer.key_id and chain.public_key.alg == alg
    env = parse_envelope(sign_payload(b'{"a":1}', [signer]))
    verify_signatures(env, {chain.key_id: chain.public_key})
    tampered = parse_envelope(sign_payload(b'{"a":2}', [signer]))
    forged = type(env)(env.payload_type, tampered.payload, env.signatures)
    with pytest.raises(BadSignature):
        verify_signatures(forged, {chain.key_id: chain.public_key})


def test_rsa_pss_signatures_use_sha256_mgf1_sha256_and_a_32_byte_salt(pki: TestPKI) -> None:
    signer = load_signer(p12(pki.rsa_official, [], PASSWORD), PASSWORD)
    message = pae(PAYLOAD_TYPE, b"x")
    sig = signer.sign(message)
    public = pki.rsa_official.key.public_key()
    assert isinstance(public, rsa.RSAPublicKey) and PSS_SALT_BYTES == 32
    public.verify(sig, message, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    for other in (0, 64):
        with pytest.raises(InvalidSignature):
            public.verify(
                sig, message, padding.PSS(padding.MGF1(hashes.SHA256()), other), hashes.SHA256()
            )


def test_ecdsa_signatures_are_der_encoded(pki: TestPKI) -> None:
    signer = load_signer(p12(pki.ec_official, [], PASSWORD), PASSWORD)
    message = pae(PAYLOAD_TYPE, b"x")
    sig = signer.sign(message)
    r, s = decode_dss_signature(sig)
    assert r > 0 and s > 0
    public = pki.ec_official.key.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(sig, message, ec.ECDSA(hashes.SHA256()))


def test_pkcs12_gives_the_key_its_certificate_first_then_the_chain(pki: TestPKI) -> None:
    signer = load_signer(p12(pki.ec_official, [pki.intermediate, pki.root], PASSWORD), PASSWORD)
    assert signer.certificates == (pki.ec_official.cert, pki.intermediate.cert, pki.root.cert)
    unprotected = load_signer(p12(pki.ec_official, [], None))
    assert unprotected.certificates == (pki.ec_official.cert,)
    # some tools store the key's own certificate among the others: it still comes first
    from cryptography.hazmat.primitives.serialization import pkcs12

    mixed = pkcs12.serialize_key_and_certificates(
        b"x",
        pki.ec_official.key,
        None,
        [pki.intermediate.cert, pki.ec_official.cert],  # type: ignore[arg-type]
        serialization.NoEncryption(),
    )
    assert load_signer(mixed).certificates == (pki.ec_official.cert, pki.intermediate.cert)


@pytest.mark.parametrize("password", [None, b"wrong"], ids=["no-password", "wrong-password"])
def test_a_pkcs12_file_needs_its_password(pki: TestPKI, password: bytes | None) -> None:
    with pytest.raises(InvalidInput):
        load_signer(p12(pki.ec_official, [], PASSWORD), password)


def test_a_pkcs12_with_no_certificate_for_its_key_is_refused(pki: TestPKI) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs12

    data = pkcs12.serialize_key_and_certificates(
        b"x",
        ec_key(),
        None,
        [pki.ec_official.cert],
        serialization.BestAvailableEncryption(PASSWORD),
    )
    with pytest.raises(InvalidInput):
        load_signer(data, PASSWORD)


def test_pkcs8_files_still_load_in_every_encoding(pki: TestPKI) -> None:
    key = pki.ec_official.key
    enc = serialization.BestAvailableEncryption(PASSWORD)
    none = serialization.NoEncryption()
    pkcs8 = serialization.PrivateFormat.PKCS8
    pem, der = serialization.Encoding.PEM, serialization.Encoding.DER
    want = load_signer(key.private_bytes(pem, pkcs8, none)).key_id
    assert load_signer(key.private_bytes(der, pkcs8, none)).key_id == want
    assert load_signer(key.private_bytes(pem, pkcs8, enc), PASSWORD).key_id == want
    assert load_signer(key.private_bytes(der, pkcs8, enc), PASSWORD).key_id == want
    # one password for several key files: an unencrypted key ignores it
    assert load_signer(key.private_bytes(pem, pkcs8, none), PASSWORD).key_id == want
    with pytest.raises(InvalidInput):
        load_signer(key.private_bytes(pem, pkcs8, enc), b"wrong")
    with pytest.raises(InvalidInput):
        load_signer(b"\x30\x03\x02\x01\x00")


def _event(tmp_path: Path) -> Path:
    doc = {
        "type": "EvaluationOpened",
        "unit": "26734",
        "year": 2025,
        "prev": None,
        "time": "2025-06-01T09:00:00Z",
        "data": {"catalog_id": "qd25-2021"},
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_minhbach_sign_takes_a_pkcs12_key_with_a_password_file(
    pki: TestPKI, anchors: tuple[TrustAnchor, ...], tmp_path: Path
) -> None:
    key = tmp_path / "official.p12"
    key.write_bytes(p12(pki.rsa_official, [pki.intermediate], PASSWORD))
    pw = tmp_path / "pw.txt"
    pw.write_bytes(PASSWORD + b"\n")
    out = tmp_path / "event.dsse.json"
    args = [
        "sign",
        "--key",
        str(key),
        "--password-file",
        str(pw),
        str(_event(tmp_path)),
        "-o",
        str(out),
    ]
    assert main(args) == 0
    chain = validate_chain(pki.rsa_official.cert, [pki.intermediate.cert], anchors, NOW)
    env = parse_envelope(out.read_bytes())
    verify_signatures(env, {chain.key_id: chain.public_key})
    assert json.loads(env.payload)["signers"] == [chain.key_id]


def test_minhbach_sign_reads_the_password_from_the_environment(
    pki: TestPKI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = tmp_path / "official.pfx"
    key.write_bytes(p12(pki.ec_official, [], PASSWORD))
    event = _event(tmp_path)
    assert main(["sign", "--key", str(key), str(event)]) == 1  # no password: refused
    assert "PKCS#12" in capsys.readouterr().err
    monkeypatch.setenv("MINHBACH_KEY_PASSWORD", PASSWORD.decode())
    assert main(["sign", "--key", str(key), str(event)]) == 0
    env = parse_envelope(capsys.readouterr().out.strip().encode())
    assert len(env.signatures) == 1
