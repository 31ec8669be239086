"""Keys and signatures: RFC 8032 vectors, ECDSA and RSA-PSS round trips, refusals."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from verify.errors import BadSignature, MalformedInput, UnsupportedKey
from verify.keys import (
    ALGORITHMS,
    PublicKey,
    decode_base64,
    key_id,
    load_public_key,
    public_key_from_crypto,
    spki_b64,
)

VECTORS = next(p for p in Path(__file__).resolve().parents if (p / "shared" / "vectors").is_dir()) / "shared" / "vectors" / "ed25519_rfc8032.json"
RFC8032 = json.loads(VECTORS.read_text())["vectors"]
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def spki(key: Any) -> bytes:
    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def p256() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_rfc8032_vectors_are_all_present() -> None:
    assert [v["name"] for v in RFC8032] == [
        "TEST 1",
        "TEST 2",
        "TEST 3",
        "TEST 1024",
        "TEST SHA(abc)",
    ]


@pytest.mark.parametrize("v", RFC8032, ids=[v["name"] for v in RFC8032])
def test_rfc8032_signature_verifies_with_spki_wrapped_key(v: dict[str, str]) -> None:
    raw = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(v["public_key"]))
    der = spki(raw)
    key = load_public_key("ed25519", base64.b64encode(der).decode())
    assert key.key_id == hashlib.sha256(der).hexdigest() == key_id(der)
    key.verify(bytes.fromhex(v["signature"]), bytes.fromhex(v["message_hex"]))


@pytest.mark.parametrize("v", RFC8032, ids=[v["name"] for v in RFC8032])
def test_rfc8032_signing_reproduces_signature(v: dict[str, str]) -> None:
    sk = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["secret_key"]))
    assert sk.public_key().public_bytes_raw().hex() == v["public_key"]
    assert sk.sign(bytes.fromhex(v["message_hex"])).hex() == v["signature"]


@pytest.mark.parametrize("v", RFC8032, ids=[v["name"] for v in RFC8032])
def test_rfc8032_any_flipped_bit_fails(v: dict[str, str]) -> None:
    key = public_key_from_crypto(
        ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(v["public_key"]))
    )
    sig = bytes.fromhex(v["signature"])
    msg = bytes.fromhex(v["message_hex"])
    for i in range(len(sig) * 8):
        bad = bytearray(sig)
        bad[i // 8] ^= 1 << (i % 8)
        with pytest.raises(BadSignature) as e:
            key.verify(bytes(bad), msg)
        assert e.value.evidence["key_id"] == key.key_id
    if msg:
        with pytest.raises(BadSignature):
            key.verify(sig, bytes([msg[0] ^ 1]) + msg[1:])
    with pytest.raises(BadSignature):
        key.verify(sig, msg + b"\x00")


def sign(private: Any, message: bytes) -> bytes:
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return private.sign(message, ec.ECDSA(hashes.SHA256()))
    if isinstance(private, rsa.RSAPrivateKey):
        return private.sign(message, PSS, hashes.SHA256())
    return bytes(private.sign(message))


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa", "rsa"])
def test_round_trip_and_tampering(kind: str, p256: Any, rsa2048: Any) -> None:
    private = {"ed25519": ed25519.Ed25519PrivateKey.generate(), "ecdsa": p256, "rsa": rsa2048}[kind]
    key = public_key_from_crypto(private.public_key())
    assert (
        key.alg
        == {"ed25519": "ed25519", "ecdsa": "ecdsa-p256-sha256", "rsa": "rsa-pss-sha256"}[kind]
    )
    assert key.alg in ALGORITHMS
    assert load_public_key(key.alg, spki_b64(key)) == key
    msg = "Biên bản họp xét công nhận xã đạt chuẩn tiếp cận pháp luật".encode()
    sig = sign(private, msg)
    key.verify(sig, msg)
    for i in (0, 7, len(sig) * 8 // 2, len(sig) * 8 - 1):
        bad = bytearray(sig)
        bad[i // 8] ^= 1 << (i % 8)
        with pytest.raises(BadSignature):
            key.verify(bytes(bad), msg)
    with pytest.raises(BadSignature):
        key.verify(sig, msg[:-1] + bytes([msg[-1] ^ 1]))
    with pytest.raises(BadSignature):
        key.verify(b"", msg)


def test_rsa_pss_salt_length_is_fixed_at_32(rsa2048: Any) -> None:
    key = public_key_from_crypto(rsa2048.public_key())
    msg = b"salt"
    other_salt = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=20)
    with pytest.raises(BadSignature):
        key.verify(rsa2048.sign(msg, other_salt, hashes.SHA256()), msg)
    pkcs1 = rsa2048.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(BadSignature):
        key.verify(pkcs1, msg)


def test_rsa_1024_is_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    with pytest.raises(UnsupportedKey) as e:
        public_key_from_crypto(small)
    assert e.value.evidence["bits"] == 1024
    with pytest.raises(UnsupportedKey):
        load_public_key("rsa-pss-sha256", base64.b64encode(spki(small)).decode())


def test_wrong_alg_is_refused(p256: Any, rsa2048: Any) -> None:
    ed = spki(ed25519.Ed25519PrivateKey.generate().public_key())
    p384 = spki(ec.generate_private_key(ec.SECP384R1()).public_key())
    cases = [
        ("ecdsa-p256-sha256", ed),
        ("rsa-pss-sha256", ed),
        ("ed25519", spki(p256.public_key())),
        ("ed25519", spki(rsa2048.public_key())),
        ("ecdsa-p256-sha256", p384),
        ("ed448", ed),
        ("ED25519", ed),
    ]
    for alg, der in cases:
        with pytest.raises(UnsupportedKey):
            load_public_key(alg, base64.b64encode(der).decode())
    with pytest.raises(UnsupportedKey):
        public_key_from_crypto(ec.generate_private_key(ec.SECP384R1()).public_key())
    with pytest.raises(UnsupportedKey):
        public_key_from_crypto("not a key")


def test_non_canonical_base64_is_refused() -> None:
    der = spki(ed25519.Ed25519PrivateKey.generate().public_key())
    good = base64.b64encode(der).decode()
    assert load_public_key("ed25519", good).spki_der == der
    bad = [
        good + "\n",
        " " + good,
        good.rstrip("="),
        base64.urlsafe_b64encode(der + b"\xff\xfe").decode(),  # URL-safe alphabet
        good[:-2] + chr(ord(good[-2]) + 1) + good[-1],  # non-zero padding bits
        good + "====",
        "é" + good,
    ]
    for text in bad:
        with pytest.raises(MalformedInput):
            load_public_key("ed25519", text)
    with pytest.raises(MalformedInput):
        decode_base64("QQ")  # unpadded
    assert decode_base64("QQ==") == b"A"


def test_bad_der_is_refused(p256: Any) -> None:
    der = spki(p256.public_key())
    for blob in (b"", b"\x30\x00", der[:-1], der + b"\x00"):
        with pytest.raises(MalformedInput):
            PublicKey("ecdsa-p256-sha256", blob)


def test_compressed_point_spki_is_refused_as_non_canonical(p256: Any) -> None:
    point = p256.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    # SPKI prefix for id-ecPublicKey/prime256v1 with a 33-byte BIT STRING.
    prefix = bytes.fromhex("3039301306072a8648ce3d020106082a8648ce3d030107032200")
    with pytest.raises(MalformedInput):
        PublicKey("ecdsa-p256-sha256", prefix + point)


def test_key_id_is_sha256_of_spki() -> None:
    der = spki(ed25519.Ed25519PrivateKey.generate().public_key())
    key = PublicKey("ed25519", der)
    assert key.key_id == hashlib.sha256(der).hexdigest()
    assert len(key.key_id) == 64 and key.key_id == key.key_id.lower()
    assert hash(key) == hash(PublicKey("ed25519", der))
