"""A test PKI built in memory: roots, intermediates and officials' certificates.

Shaped like the Vietnamese public-service PKI: a root ("Cơ quan chứng thực gốc"), an
intermediate issuing CA, and officials' certificates whose subjects carry the identifiers
Vietnamese CAs put there (``UID=CCCD:…``, ``UID=MNS:…``), RSA-2048 and ECDSA P-256.
Every defective certificate has exactly one defect, so each refusal has one reason.

``TestPKI.build()`` makes the whole set (under a second: three RSA keys); unit tests use it
through the session-scoped ``pki`` fixture (``tests/unit/conftest.py``), and so does
``bench/x509.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

UTC = dt.UTC
# The test PKI's "present": every certificate below is judged at or around this time.
NOW = dt.datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
YEAR = dt.timedelta(days=365)
DAY = dt.timedelta(days=1)


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ec_key(curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve or ec.SECP256R1())


def name(
    cn: str,
    *,
    o: str | None = None,
    ou: str | None = None,
    uids: tuple[str, ...] = (),
    serial: str | None = None,
    title: str | None = None,
) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if o:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    attrs += [x509.NameAttribute(NameOID.USER_ID, u) for u in uids]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


def ski(key: Any) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key)


def ku(**set_: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    flags.update(set_)
    return x509.KeyUsage(**flags)


CA_USAGE = ku(key_cert_sign=True, crl_sign=True)
SIGNING_USAGE = ku(digital_signature=True, content_commitment=True)


@dataclass
class Issued:
    """A certificate with its private key (and the issuer it was made by)."""

    cert: x509.Certificate
    key: PrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def issue(
    subject: x509.Name,
    key: PrivateKey,
    issuer: Issued | None,
    *,
    ca: bool = False,
    path_length: int | None = None,
    usage: x509.KeyUsage | None = SIGNING_USAGE,
    not_before: dt.datetime = NOW - YEAR,
    not_after: dt.datetime = NOW + YEAR,
    serial: int | None = None,
    hash_alg: hashes.HashAlgorithm | None = None,
    basic_constraints: bool = True,
    issuer_name: x509.Name | None = None,
    signing_key: PrivateKey | None = None,
    extra: tuple[tuple[x509.ExtensionType, bool], ...] = (),
) -> Issued:
    """Issue one certificate; ``issuer=None`` makes it self-signed.

    ``issuer_name`` and ``signing_key`` override what ``issuer`` would supply, to build
    broken chains on purpose.
    """
    signer = signing_key or (issuer.key if issuer else key)
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name or (issuer.cert.subject if issuer else subject))
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(ski(key.public_key()), critical=False)
    )
    auth_key = (issuer.key if issuer else key).public_key()
    b = b.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(auth_key),
        critical=False,  # type: ignore[arg-type]
    )
    if basic_constraints:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
    if usage is not None:
        b = b.add_extension(usage, critical=True)
    for ext, critical in extra:
        b = b.add_extension(ext, critical=critical)
    if isinstance(signer, ed25519.Ed25519PrivateKey):
        algorithm = None
    else:
        algorithm = hash_alg or hashes.SHA256()
    return Issued(b.sign(signer, algorithm), key)  # type: ignore[arg-type]


def tamper(cert: x509.Certificate) -> x509.Certificate:
    """The same certificate with one bit of its signature flipped."""
    der = bytearray(cert.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01
    return x509.load_der_x509_certificate(bytes(der))


SHA256_RSA = bytes.fromhex("06092a864886f70d01010b")  # sha256WithRSAEncryption
SHA1_RSA = bytes.fromhex("06092a864886f70d010105")  # sha1WithRSAEncryption


def resign_rsa(
    der: bytes, tbs: bytes, new_tbs: bytes, key: PrivateKey, h: hashes.HashAlgorithm
) -> bytes:
    """Swap a signed structure's TBS for a same-length one and re-sign it with an RSA key:
    the signature keeps its length, so no DER length moves."""
    assert isinstance(key, rsa.RSAPrivateKey) and len(new_tbs) == len(tbs)
    assert der.count(tbs) == 1
    sig = key.sign(new_tbs, padding.PKCS1v15(), h)
    old_sig = der[-len(sig) :]
    return der.replace(tbs, new_tbs)[: -len(old_sig)] + sig


def sha1_resign(issued: Issued, issuer: Issued) -> Issued:
    """Re-sign an RSA-issued certificate with SHA-1, which ``cryptography`` refuses to do:
    the two algorithm OIDs have the same length, in the TBS and in the outer
    AlgorithmIdentifier."""
    der, tbs = issued.der, issued.cert.tbs_certificate_bytes
    assert der.count(SHA256_RSA) == 2 and tbs.count(SHA256_RSA) == 1
    new_tbs = tbs.replace(SHA256_RSA, SHA1_RSA)
    new = resign_rsa(der, tbs, new_tbs, issuer.key, hashes.SHA1())
    new = new.replace(SHA256_RSA, SHA1_RSA)  # the outer AlgorithmIdentifier
    return Issued(x509.load_der_x509_certificate(new), issued.key)


def crl(
    issuer: Issued,
    revoked: list[tuple[int, dt.datetime]] | list[tuple[int, dt.datetime, x509.ReasonFlags | None]],
    *,
    this_update: dt.datetime = NOW - DAY,
    next_update: dt.datetime | None = NOW + 7 * DAY,
    number: int = 1,
    signing_key: PrivateKey | None = None,
    invalidity: dict[int, dt.datetime] | None = None,
    extra: tuple[tuple[x509.ExtensionType, bool], ...] = (),
) -> x509.CertificateRevocationList:
    """A complete CRL (RFC 5280 §5) for ``issuer`` listing ``revoked`` serials."""
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(this_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if next_update is not None:
        b = b.next_update(next_update)
    for ext, critical in extra:
        b = b.add_extension(ext, critical=critical)
    for entry in revoked:
        serial, when = entry[0], entry[1]
        reason = entry[2] if len(entry) > 2 else x509.ReasonFlags.key_compromise  # type: ignore[misc]
        rb = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
        if reason is not None:
            rb = rb.add_extension(x509.CRLReason(reason), critical=False)
        if invalidity and serial in invalidity:
            rb = rb.add_extension(x509.InvalidityDate(invalidity[serial]), critical=False)
        b = b.add_revoked_certificate(rb.build())
    key = signing_key or issuer.key
    return b.sign(key, None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256())  # type: ignore[arg-type]


def p12(issued: Issued, chain: list[Issued], password: bytes | None) -> bytes:
    """A PKCS#12 file (.p12/.pfx) as the CAs' tokens export it: key, certificate, chain."""
    enc = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        b"official",
        issued.key,
        issued.cert,
        [c.cert for c in chain],
        enc,  # type: ignore[arg-type]
    )


ROOT_NAME = name("Test Root CA (Cơ quan chứng thực gốc)", o="Ban Cơ yếu Chính phủ (test)")
INTERMEDIATE_NAME = name(
    "Test Public-Service CA (CA chuyên dùng Chính phủ)",
    o="Ban Cơ yếu Chính phủ (test)",
    ou="Cục Chứng thực số và Bảo mật thông tin (test)",
)


@dataclass
class TestPKI:
    """The whole test PKI; each named leaf has at most one defect (see ``build``)."""

    __test__ = False  # not a pytest test class

    root: Issued
    intermediate: Issued
    other_root: Issued
    rsa_official: Issued
    ec_official: Issued
    expired: Issued
    not_yet_valid: Issued
    revoked: Issued
    untrusted: Issued
    no_digital_signature: Issued
    no_key_usage: Issued
    ca_as_leaf: Issued
    wrong_issuer: Issued
    signed_by_other_key: Issued
    rsa_1024: Issued
    p384_leaf: Issued
    sha1_signed: Issued
    issuer_not_ca: Issued
    leaf_under_non_ca: Issued
    depth_limited_intermediate: Issued
    sub_intermediate: Issued
    leaf_too_deep: Issued
    crl: x509.CertificateRevocationList
    other_intermediate: Issued
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def anchors_pem(self) -> bytes:
        return self.root.pem

    @classmethod
    def build(cls) -> TestPKI:
        root = issue(
            ROOT_NAME,
            rsa_key(),
            None,
            ca=True,
            path_length=1,
            usage=CA_USAGE,
            not_before=NOW - 5 * YEAR,
            not_after=NOW + 15 * YEAR,
        )
        inter = issue(
            INTERMEDIATE_NAME,
            ec_key(),
            root,
            ca=True,
            path_length=0,
            usage=CA_USAGE,
            not_before=NOW - 3 * YEAR,
            not_after=NOW + 7 * YEAR,
        )
        other_root = issue(
            name("Untrusted Root CA", o="Không tin cậy"),
            ec_key(),
            None,
            ca=True,
            usage=CA_USAGE,
            not_before=NOW - YEAR,
            not_after=NOW + 9 * YEAR,
        )
        other_inter = issue(
            name("Other Issuing CA", o="Ban Cơ yếu Chính phủ (test)"),
            ec_key(),
            root,
            ca=True,
            path_length=0,
            usage=CA_USAGE,
        )

        def official(cn: str, key: PrivateKey, cccd: str, **kw: Any) -> Issued:
            subject = name(
                cn,
                o="UBND xã Tân Hòa",
                ou="Văn phòng HĐND và UBND",
                title=kw.pop("title", "Chủ tịch UBND xã"),
                uids=(f"CCCD:{cccd}", "MNS:1047665"),
            )
            return issue(subject, key, kw.pop("issuer", inter), **kw)

        rsa_official = official("Nguyễn Văn An", rsa_key(), "001085012345")
        ec_official = official(
            "Trần Thị Bình", ec_key(), "079190001122", title="Chủ tịch UBND tỉnh"
        )
        expired = official(
            "Lê Văn Cũ", ec_key(), "001070000001", not_before=NOW - 3 * YEAR, not_after=NOW - YEAR
        )
        not_yet = official(
            "Phạm Văn Sớm", ec_key(), "001070000002", not_before=NOW + DAY, not_after=NOW + YEAR
        )
        revoked = official("Hoàng Văn Thu", ec_key(), "001070000003")
        untrusted = official("Người Lạ", ec_key(), "001070000004", issuer=other_root)
        no_ds = official(
            "Mã Hóa Thôi",
            ec_key(),
            "001070000005",
            usage=ku(key_encipherment=True, key_agreement=True),
        )
        no_ku = official("Không Có KU", ec_key(), "001070000006", usage=None)
        ca_leaf = issue(
            name("Một CA", o="Ban Cơ yếu Chính phủ (test)"),
            ec_key(),
            inter,
            ca=True,
            path_length=0,
            usage=ku(key_cert_sign=True, crl_sign=True, digital_signature=True),
        )
        wrong_issuer = official("Sai Nơi Cấp", ec_key(), "001070000007", issuer=other_inter)
        impostor_key = ec_key()
        impostor = official(
            "Giả Mạo", ec_key(), "001070000008", signing_key=impostor_key
        )  # names the intermediate, signed by another key
        rsa_1024 = official("Khóa Yếu", rsa_key(1024), "001070000009")
        p384 = official("Đường Cong Khác", ec_key(ec.SECP384R1()), "001070000010")
        sha1 = sha1_resign(official("Băm Cũ", ec_key(), "001070000011", issuer=root), root)
        not_ca = official("Không Phải CA", ec_key(), "001070000012", issuer=root)
        under_not_ca = official("Cấp Bởi Lá", ec_key(), "001070000013", issuer=not_ca)
        # pathLen: the root allows one intermediate below it; a second one is too deep.
        deep_inter = issue(
            name("Depth-limited CA"), ec_key(), root, ca=True, path_length=5, usage=CA_USAGE
        )
        sub_inter = issue(name("Sub CA"), ec_key(), deep_inter, ca=True, usage=CA_USAGE)
        too_deep = official("Quá Sâu", ec_key(), "001070000014", issuer=sub_inter)
        the_crl = crl(inter, [(revoked.cert.serial_number, NOW - 10 * DAY)])
        return cls(
            root=root,
            intermediate=inter,
            other_root=other_root,
            rsa_official=rsa_official,
            ec_official=ec_official,
            expired=expired,
            not_yet_valid=not_yet,
            revoked=revoked,
            untrusted=untrusted,
            no_digital_signature=no_ds,
            no_key_usage=no_ku,
            ca_as_leaf=ca_leaf,
            wrong_issuer=wrong_issuer,
            signed_by_other_key=impostor,
            rsa_1024=rsa_1024,
            p384_leaf=p384,
            sha1_signed=sha1,
            issuer_not_ca=not_ca,
            leaf_under_non_ca=under_not_ca,
            depth_limited_intermediate=deep_inter,
            sub_intermediate=sub_inter,
            leaf_too_deep=too_deep,
            crl=the_crl,
            other_intermediate=other_inter,
            extras={"impostor_key": impostor_key},
        )


def crl_data(the_crl: x509.CertificateRevocationList) -> dict[str, str]:
    """The data of a ``RevocationListRecorded`` event recording ``the_crl``."""
    der = the_crl.public_bytes(serialization.Encoding.DER)
    return {"crl": base64.b64encode(der).decode("ascii"), "sha256": hashlib.sha256(der).hexdigest()}


def format_utc(t: dt.datetime) -> str:
    """An instant as the payloads spell it (``2024-07-01T01:00:00Z``)."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
