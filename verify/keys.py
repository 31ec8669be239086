"""Public keys, key ids and signature checks for the three signing algorithms.

- ``ed25519``: Ed25519 (RFC 8032), pure, no context.
- ``ecdsa-p256-sha256``: ECDSA on P-256 with SHA-256 (FIPS 186-4), DER signatures.
- ``rsa-pss-sha256``: RSASSA-PSS (RFC 8017 §8.1) with SHA-256, MGF1-SHA-256 and a fixed
  32-byte salt; keys of 2048 to 8192 bits.

A key is carried as its SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7); its key id is
the lowercase hex SHA-256 of those bytes. Only the DER that ``cryptography`` itself
writes for the key is accepted, so one key has exactly one key id.

``cryptography`` is the reference for every signature. When PyNaCl is installed (the
server installs it; the standalone verifier does not need it), an Ed25519 signature is
first checked with libsodium, about twice as fast here (BENCHMARKS.md), and only its
"valid" is taken: libsodium applies the same cofactorless check as OpenSSL plus more
(canonical encodings, no small-order points), so what it accepts ``cryptography`` accepts
too; anything it refuses goes to ``cryptography``, whose answer stands. The outcome is
``cryptography``'s either way (tested in ``tests/unit/test_keys_sodium.py``).
``MINHBACH_SODIUM=0`` in the environment turns the accelerator off (benchmarks compare
both; a worried inspector may want the reference alone).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from verify.errors import BadSignature, MalformedInput, UnsupportedKey

_sodium_open: Callable[[bytes, bytes], bytes] | None
try:  # optional accelerator (see the module's docstring)
    from nacl.bindings import crypto_sign_open as _sodium_open
except ImportError:  # pragma: no cover - the standalone verifier's usual case
    _sodium_open = None
if os.environ.get("MINHBACH_SODIUM", "1") == "0":
    _sodium_open = None


def accelerated() -> bool:
    """Whether Ed25519 signatures are checked with libsodium first."""
    return _sodium_open is not None


ALGORITHMS = ("ed25519", "ecdsa-p256-sha256", "rsa-pss-sha256")
RSA_MIN_BITS = 2048
RSA_MAX_BITS = 8192  # bounds the cost of one verification

CryptoKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def key_id(spki_der: bytes) -> str:
    """Lowercase hex SHA-256 of a SubjectPublicKeyInfo DER."""
    return hashlib.sha256(spki_der).hexdigest()


def decode_base64(text: str, *, field: str = "base64") -> bytes:
    """Strict standard base64 (RFC 4648 §4) with padding: the only spelling of its bytes."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        data = None
    if data is None or base64.b64encode(data).decode("ascii") != text:
        raise MalformedInput(
            f"{field} is not canonical standard base64",
            f"{field} không phải base64 chuẩn (bảng chữ cái chuẩn, có đệm, dạng duy nhất)",
            field=field,
            value=str(text)[:64],
        )
    return data


def _check_type(alg: str, key: Any) -> CryptoKey:
    """Return ``key`` if it is a key of ``alg``; else UnsupportedKey."""
    if alg == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if (
        alg == "ecdsa-p256-sha256"
        and isinstance(key, ec.EllipticCurvePublicKey)
        and isinstance(key.curve, ec.SECP256R1)
    ):
        return key
    if alg == "rsa-pss-sha256" and isinstance(key, rsa.RSAPublicKey):
        if not RSA_MIN_BITS <= key.key_size <= RSA_MAX_BITS:
            raise UnsupportedKey(
                f"RSA key of {key.key_size} bits; {RSA_MIN_BITS} to {RSA_MAX_BITS} required",
                f"khóa RSA {key.key_size} bit; yêu cầu từ {RSA_MIN_BITS} đến {RSA_MAX_BITS} bit",
                alg=alg,
                bits=key.key_size,
            )
        return key
    raise UnsupportedKey(
        f"key does not match algorithm {alg}",
        f"khóa không khớp với thuật toán {alg}",
        alg=alg,
        key_type=type(key).__name__,
    )


def _load(alg: str, spki_der: bytes) -> CryptoKey:
    if alg not in ALGORITHMS:
        raise UnsupportedKey(
            f"unsupported algorithm {alg!r}",
            f"thuật toán không được hỗ trợ: {alg!r}",
            alg=str(alg)[:64],
        )
    if not isinstance(spki_der, bytes):
        raise MalformedInput(
            "public key DER must be bytes", "DER của khóa công khai phải là dãy byte", alg=alg
        )
    try:
        loaded = serialization.load_der_public_key(spki_der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise MalformedInput(
            "public key is not a valid SubjectPublicKeyInfo DER",
            "khóa công khai không phải SubjectPublicKeyInfo DER hợp lệ",
            alg=alg,
            key_id=key_id(spki_der),
        ) from None
    key = _check_type(alg, loaded)
    canonical = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if canonical != spki_der:
        raise MalformedInput(
            "public key DER is not in canonical form",
            "DER của khóa công khai không ở dạng chuẩn tắc",
            alg=alg,
            key_id=key_id(spki_der),
        )
    return key


@dataclass(frozen=True)
class PublicKey:
    """A checked public key: constructing one loads the DER and matches it to ``alg``."""

    alg: str
    spki_der: bytes
    _key: CryptoKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_key", _load(self.alg, self.spki_der))

    @cached_property
    def key_id(self) -> str:
        return key_id(self.spki_der)

    @cached_property
    def _raw_ed25519(self) -> bytes | None:
        """The 32-byte Ed25519 public key, for libsodium (None: not Ed25519, or no PyNaCl)."""
        if _sodium_open is None or not isinstance(self._key, ed25519.Ed25519PublicKey):
            return None
        return self._key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def verify(self, signature: bytes, message: bytes) -> None:
        """Raise BadSignature unless ``signature`` is valid over ``message``."""
        raw, sodium = self._raw_ed25519, _sodium_open
        if raw is not None and sodium is not None and len(signature) == 64:
            try:
                sodium(signature + message, raw)
                return
            except Exception:  # noqa: BLE001 - refused here: cryptography decides below
                pass
        try:
            if isinstance(self._key, ed25519.Ed25519PublicKey):
                self._key.verify(signature, message)
            elif isinstance(self._key, ec.EllipticCurvePublicKey):
                self._key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            else:
                self._key.verify(signature, message, _PSS, hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise BadSignature(
                "signature does not verify",
                "chữ ký không hợp lệ",
                key_id=self.key_id,
                alg=self.alg,
            ) from None


def load_public_key(alg: str, spki_b64: str) -> PublicKey:
    """Parse a key given as strict base64 of its SubjectPublicKeyInfo DER."""
    return PublicKey(alg, decode_base64(spki_b64, field="public key"))


def public_key_from_crypto(key: object) -> PublicKey:
    """Wrap a ``cryptography`` public key object, choosing ``alg`` from its type."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        alg = "ed25519"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        alg = "ecdsa-p256-sha256"
    elif isinstance(key, rsa.RSAPublicKey):
        alg = "rsa-pss-sha256"
    else:
        raise UnsupportedKey(
            "unsupported key type",
            "kiểu khóa không được hỗ trợ",
            key_type=type(key).__name__,
        )
    checked = _check_type(alg, key)
    der = checked.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return PublicKey(alg, der)


def spki_b64(key: PublicKey) -> str:
    """Standard base64 of the key's SubjectPublicKeyInfo DER."""
    return base64.b64encode(key.spki_der).decode("ascii")
