"""Signing side of the envelope format: officials' private keys and DSSE signing.

Ed25519, ECDSA P-256/SHA-256 and RSA-PSS/SHA-256 (salt = 32 bytes), matching
``verify.keys``. Private keys are PKCS#8 PEM files (written with mode 0600 by the CLI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from domain.payload import build_payload
from verify.dsse import PAYLOAD_TYPE, Signature, encode_envelope, pae
from verify.keys import PublicKey, public_key_from_crypto, spki_b64
from verify.refusals import InvalidInput

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class Signer:
    private: PrivateKey
    public: PublicKey

    @property
    def key_id(self) -> str:
        return self.public.key_id

    @property
    def alg(self) -> str:
        return self.public.alg

    def key_doc(self) -> dict[str, str]:
        """The ``{alg, spki}`` object used in enrolments."""
        return {"alg": self.alg, "spki": spki_b64(self.public)}

    def sign(self, message: bytes) -> bytes:
        k = self.private
        if isinstance(k, ed25519.Ed25519PrivateKey):
            return k.sign(message)
        if isinstance(k, ec.EllipticCurvePrivateKey):
            return k.sign(message, ec.ECDSA(hashes.SHA256()))
        return k.sign(
            message,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )

    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def signer_from_private(private: Any) -> Signer:
    if not isinstance(
        private, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    ):
        raise InvalidInput("unsupported private key type", "loại khoá bí mật không được hỗ trợ")
    return Signer(private, public_key_from_crypto(private.public_key()))


def generate(alg: str = "ed25519") -> Signer:
    if alg == "ed25519":
        return signer_from_private(ed25519.Ed25519PrivateKey.generate())
    if alg == "ecdsa-p256-sha256":
        return signer_from_private(ec.generate_private_key(ec.SECP256R1()))
    if alg == "rsa-pss-sha256":
        return signer_from_private(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    raise InvalidInput(f"unknown algorithm {alg!r}", f"thuật toán không hợp lệ: {alg!r}")


def load_signer(data: bytes, password: bytes | None = None) -> Signer:
    """Load a PKCS#8 private key (PEM or DER)."""
    try:
        if data.lstrip().startswith(b"-----"):
            private = serialization.load_pem_private_key(data, password)
        else:
            private = serialization.load_der_private_key(data, password)
    except (ValueError, TypeError) as e:
        raise InvalidInput(
            f"cannot read the private key: {e}", f"không đọc được khoá bí mật: {e}"
        ) from None
    return signer_from_private(private)


def sign_payload(payload: bytes, signers: Sequence[Signer]) -> bytes:
    message = pae(PAYLOAD_TYPE, payload)
    sigs = [Signature(s.key_id, s.sign(message)) for s in signers]
    return encode_envelope(PAYLOAD_TYPE, payload, sigs)


def sign_event(
    signers: Sequence[Signer],
    type: str,
    unit: str,
    year: int | None,
    prev: str | None,
    time: datetime,
    data: dict[str, Any],
) -> bytes:
    """Build the canonical payload and return the signed envelope bytes."""
    payload = build_payload(type, unit, year, prev, [s.key_id for s in signers], time, data)
    return sign_payload(payload, signers)
