"""The optional libsodium accelerator for Ed25519 (``verify.keys``) never changes an
outcome: every signature is accepted or refused exactly as ``cryptography`` alone does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

import verify.keys as keys
from verify.errors import BadSignature
from verify.keys import PublicKey, public_key_from_crypto

nacl = pytest.importorskip("nacl.bindings")  # installed with the server ([project] dependencies)

VECTORS = next(p for p in Path(__file__).resolve().parents if (p / "shared" / "vectors").is_dir())
RFC8032 = json.loads((VECTORS / "shared/vectors/ed25519_rfc8032.json").read_text())["vectors"]
L = 2**252 + 27742317777372353535851937790883648493  # the group order
IDENTITY = b"\x01" + bytes(31)  # the neutral point: small order


def reference(pub: ed25519.Ed25519PublicKey, sig: bytes, msg: bytes) -> bool:
    try:
        pub.verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


def ours(key: PublicKey, sig: bytes, msg: bytes) -> bool:
    try:
        key.verify(sig, msg)
        return True
    except BadSignature:
        return False


def sodium_accepts(raw: bytes, sig: bytes, msg: bytes) -> bool:
    try:
        nacl.crypto_sign_open(sig + msg, raw)
        return True
    except Exception:  # noqa: BLE001
        return False


KEY = ed25519.Ed25519PrivateKey.generate()
PUB = KEY.public_key()
WRAPPED = public_key_from_crypto(PUB)


def test_the_accelerator_is_in_use() -> None:
    assert keys._sodium_open is not None
    assert WRAPPED._raw_ed25519 == PUB.public_bytes_raw()


@pytest.mark.parametrize("v", RFC8032, ids=[v["name"] for v in RFC8032])
def test_rfc8032_vectors_agree(v: dict[str, str]) -> None:
    pub = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(v["public_key"]))
    sig, msg = bytes.fromhex(v["signature"]), bytes.fromhex(v["message_hex"])
    key = public_key_from_crypto(pub)
    assert ours(key, sig, msg) and reference(pub, sig, msg)
    assert sodium_accepts(pub.public_bytes_raw(), sig, msg)  # taken on the fast path


@settings(max_examples=300, deadline=None)
@given(msg=st.binary(max_size=300), flip=st.integers(0, 64 * 8 - 1), where=st.sampled_from(["sig", "msg"]))
def test_tampered_signatures_and_messages_agree(msg: bytes, flip: int, where: str) -> None:
    sig = bytearray(KEY.sign(msg))
    data = bytearray(msg)
    if where == "sig":
        sig[flip // 8] ^= 1 << (flip % 8)
    elif data:
        data[flip % len(data)] ^= 1 << (flip % 8)
    assert ours(WRAPPED, bytes(sig), bytes(data)) == reference(PUB, bytes(sig), bytes(data))


@pytest.mark.parametrize("length", [0, 32, 63, 65, 128])
def test_wrong_length_signatures_are_refused_by_both(length: int) -> None:
    msg = b"payload" * 10
    sig = (KEY.sign(msg) * 3)[:length]
    # a 63-byte signature followed by the message must not be read as 64 bytes of signature
    assert not ours(WRAPPED, sig, msg)
    assert not reference(PUB, sig, msg)
    shifted = KEY.sign(msg[1:])
    assert not ours(WRAPPED, shifted[:63], shifted[63:64] + msg[1:])


def test_non_canonical_s_is_refused_by_both() -> None:
    msg = b"non-canonical S"
    sig = KEY.sign(msg)
    s = int.from_bytes(sig[32:], "little") + L
    assert s < 2**256
    bad = sig[:32] + s.to_bytes(32, "little")
    assert ours(WRAPPED, bad, msg) == reference(PUB, bad, msg) is False


def test_small_order_key_follows_cryptography() -> None:
    """libsodium refuses small-order keys and points; cryptography's answer decides."""
    pub = ed25519.Ed25519PublicKey.from_public_bytes(IDENTITY)
    key = public_key_from_crypto(pub)
    sig = IDENTITY + bytes(32)  # R = neutral point, S = 0: "valid" for every message
    assert not sodium_accepts(IDENTITY, sig, b"any message")
    assert ours(key, sig, b"any message") == reference(pub, sig, b"any message")


def test_without_pynacl_the_outcomes_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "_sodium_open", None)
    key = public_key_from_crypto(PUB)
    assert key._raw_ed25519 is None
    msg = b"plain cryptography"
    sig = KEY.sign(msg)
    assert ours(key, sig, msg)
    assert not ours(key, sig, msg + b"!")


def test_the_switch_turns_the_accelerator_off() -> None:
    import subprocess
    import sys

    code = "import verify.keys as k; print(k.accelerated())"
    run = lambda env: subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,  # noqa: E731
                                     text=True, check=True).stdout.strip()  # fmt: skip
    import os

    assert run({**os.environ, "MINHBACH_SODIUM": "0"}) == "False"
    assert run({**os.environ, "MINHBACH_SODIUM": "1"}) == "True"
