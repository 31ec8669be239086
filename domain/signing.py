"""Signing side of the envelope format: officials' private keys and DSSE signing.

Ed25519, ECDSA P-256/SHA-256 (DER signatures) and RSA-PSS/SHA-256 (MGF1-SHA-256, salt =
32 bytes), matching ``verify.keys``. Private keys are PKCS#8 files (PEM or DER, written
with mode 0600 by the CLI) or PKCS#12 files (.p12/.pfx, RFC 7292) as CAs issue officials'
certificates in: the key, its certificate and the CA chain, under a password.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from domain.payload import build_payload
from verify.dsse import PAYLOAD_TYPE, Signature, encode_envelope, pae
from verify.keys import PublicKey, public_key_from_crypto, spki_b64
from verify.refusals import InvalidInput

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PSS_SALT_BYTES = 32  # = verify.keys: RSASSA-PSS salt length (RFC 8017 §9.1), the hash size


@dataclass(frozen=True)
class Signer:
    private: PrivateKey
    public: PublicKey
    # From a PKCS#12 file: the key's certificate, then the CA certificates it came with.
    certificates: tuple[x509.Certificate, ...] = ()

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
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_BYTES),
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
    """Load a private key file: PKCS#8 (PEM or DER, encrypted or not) or PKCS#12.

    ``password`` is ignored for an unencrypted PKCS#8 key (one password may serve a
    command given several key files).
    """
    pem = data.lstrip().startswith(b"-----")
    load = serialization.load_pem_private_key if pem else serialization.load_der_private_key
    try:
        try:
            private = load(data, password)
        except TypeError:  # a password given for an unencrypted key, or none for an encrypted one
            if password is None:
                raise
            private = load(data, None)
    except (ValueError, TypeError) as e:
        if not pem:
            return load_pkcs12(data, password)
        raise InvalidInput(
            f"cannot read the private key: {e}", f"không đọc được khoá bí mật: {e}"
        ) from None
    return signer_from_private(private)


def load_pkcs12(data: bytes, password: bytes | None) -> Signer:
    """A PKCS#12 (.p12/.pfx) file: its key, with its certificate first then the CA chain.

    The certificate must hold the key's public half; the chain is returned unvalidated
    (``verify.x509.validate_chain`` judges it).
    """
    try:
        p12 = pkcs12.load_pkcs12(data, password)
    except (ValueError, TypeError):
        raise InvalidInput(
            "cannot read the key file: neither PKCS#8 nor PKCS#12, or a wrong password",
            "không đọc được tệp khoá: không phải PKCS#8 hay PKCS#12, hoặc sai mật khẩu",
        ) from None
    if p12.key is None:
        raise InvalidInput(
            "the PKCS#12 file holds no private key", "tệp PKCS#12 không chứa khoá bí mật"
        )
    signer = signer_from_private(p12.key)
    certs = [c.certificate for c in p12.additional_certs]
    if p12.cert is not None:
        certs.insert(0, p12.cert.certificate)
    own = [c for c in certs if _spki(c) == signer.public.spki_der]
    if certs and not own:
        raise InvalidInput(
            "no certificate in the PKCS#12 file is for its private key",
            "không có chứng thư nào trong tệp PKCS#12 tương ứng với khoá bí mật",
        )
    if own:  # the key's own certificate first, then the others in file order
        certs = [own[0]] + [c for c in certs if c is not own[0]]
    return Signer(signer.private, signer.public, tuple(certs))


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


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
