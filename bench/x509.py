"""Certificate-key benchmark: envelope signatures verified per second through the project's
code path (``verify.dsse.verify_signatures`` → ``verify.keys.PublicKey.verify``), beside the
raw ``cryptography`` verify rate for the same keys and messages measured in the same run,
for RSA-PSS-2048/SHA-256 and ECDSA-P256/SHA-256 (certificate keys from the test PKI) and
Ed25519 for comparison; then chain validation and revocation checks per second; then
what the registry adds per envelope (``RegistryState.valid_key``: enrolment window, chain
window, CRLs recorded so far) for a certificate key beside a bare key, as CRLs accumulate.

    python bench/x509.py [--seconds 1.0] [--rounds 3] [--crl-entries 10000] [--crls 0,10,100]

Each figure is the best of ``--rounds`` timed runs of about ``--seconds`` each, on one
core (the machine is shared: the best run is the least disturbed). Results go in
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pki import DAY, NOW, TestPKI, crl, crl_data, format_utc  # noqa: E402

from domain.signing import Signer, generate, sign_payload, signer_from_private  # noqa: E402
from domain.writer import ChainWriter  # noqa: E402
from verify.crl import verify_crl  # noqa: E402
from verify.dsse import Envelope, parse_envelope, verify_signatures  # noqa: E402
from verify.keys import PublicKey, public_key_from_crypto  # noqa: E402
from verify.process.registry import RegistryState  # noqa: E402
from verify.process.replay import Replay  # noqa: E402
from verify.revocation import check_signing  # noqa: E402
from verify.x509 import load_anchors, validate_chain  # noqa: E402
from verify.x509_bundle import anchors_doc, encode_chain  # noqa: E402

PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def once(fn: Callable[[], int], seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        done += fn()
    return done / elapsed


def rate(fn: Callable[[], int], seconds: float, rounds: int) -> float:
    """Best operations per second over ``rounds`` runs of at least ``seconds``."""
    return max(once(fn, seconds) for _ in range(rounds))


def paired(
    a: Callable[[], int], b: Callable[[], int], seconds: float, rounds: int
) -> tuple[float, float]:
    """Best rates of ``a`` and ``b``, timed in alternation so both see the same load."""
    best_a = best_b = 0.0
    for _ in range(rounds):
        best_a = max(best_a, once(a, seconds))
        best_b = max(best_b, once(b, seconds))
    return best_a, best_b


def envelopes(signer: Signer, n: int) -> list[Envelope]:
    return [parse_envelope(sign_payload(b'{"n":%d}' % i, [signer])) for i in range(n)]


def raw_verifier(key: object) -> Callable[[bytes, bytes], None]:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key.verify
    if isinstance(key, ec.EllipticCurvePublicKey):
        return lambda sig, msg: key.verify(sig, msg, ec.ECDSA(hashes.SHA256()))
    return lambda sig, msg: key.verify(sig, msg, PSS, hashes.SHA256())  # type: ignore[attr-defined]


def signature_rates(private: object, seconds: float, rounds: int) -> tuple[float, float]:
    """(project rate, raw rate) for one key, over the same 64 envelopes."""
    signer = Signer(private, public_key_from_crypto(private.public_key()))  # type: ignore[arg-type, attr-defined]
    batch = envelopes(signer, 64)
    trusted: dict[str, PublicKey] = {signer.key_id: signer.public}
    raw = raw_verifier(private.public_key())  # type: ignore[attr-defined]
    items = [(e.signatures[0].sig, e.pae()) for e in batch]

    def project() -> int:
        for e in batch:
            verify_signatures(e, trusted)
        return len(batch)

    def direct() -> int:
        for sig, msg in items:
            raw(sig, msg)
        return len(items)

    return paired(project, direct, seconds, rounds)


def bench_signatures(pki: TestPKI, seconds: float, rounds: int) -> None:
    keys = {
        "RSA-PSS-2048/SHA-256": pki.rsa_official.key,
        "ECDSA-P256/SHA-256": pki.ec_official.key,
        "Ed25519": ed25519.Ed25519PrivateKey.generate(),
    }
    print(f"{'signature':<22} {'project (verify.dsse)':>22} {'raw cryptography':>17} {'ratio':>6}")
    for label, private in keys.items():
        ours, theirs = signature_rates(private, seconds, rounds)
        print(f"{label:<22} {ours:>18,.0f}/s {theirs:>13,.0f}/s {ours / theirs:>6.2f}")


def bench_chains(pki: TestPKI, seconds: float, rounds: int, crl_entries: int) -> None:
    anchors = load_anchors(pki.root.pem)
    inter = [pki.intermediate.cert]
    print()
    for label, issued in (("RSA-2048 leaf", pki.rsa_official), ("P-256 leaf", pki.ec_official)):

        def validate(cert: object = issued.cert) -> int:
            validate_chain(cert, inter, anchors, NOW)  # type: ignore[arg-type]
            return 1

        print(
            f"validate_chain ({label} < P-256 CA < RSA-2048 root): "
            f"{rate(validate, seconds, rounds):,.0f} chains/s"
        )
    big = crl(pki.intermediate, [(10**6 + i, NOW - DAY) for i in range(crl_entries)])
    der = big.public_bytes(serialization.Encoding.DER)
    cas = [pki.root.cert, pki.intermediate.cert]

    def check_crl() -> int:
        verify_crl(der, cas, at=NOW)
        return 1

    t = rate(check_crl, seconds, 1)
    print(f"verify_crl ({crl_entries:,} entries, {len(der):,} bytes): {t:,.1f} CRLs/s")
    lists = [verify_crl(der, cas, at=NOW)]
    chain = validate_chain(pki.ec_official.cert, inter, anchors, NOW)

    def signing() -> int:
        check_signing(chain, lists, NOW)
        return 1

    print(
        f"check_signing (time + revocation, one CRL of {crl_entries:,} entries): "
        f"{rate(signing, seconds, rounds):,.0f} checks/s"
    )


def registry_with(pki: TestPKI, crls: int) -> tuple[RegistryState, str, str]:
    """A replayed registry: the test root as anchor, a bare-key and a certificate-key
    official, and ``crls`` CRLs of the issuing CA (100 entries each); returns the registry
    and the two key ids."""
    root, bare = generate(), generate()
    cert = signer_from_private(pki.ec_official.key)
    w, t = ChainWriter(), NOW - 2 * DAY
    reg_events: list[tuple[str, dict[str, object]]] = [
        ("LedgerInitialised", {"origin": "bench", "name": "bench", "trust_root": [root.key_doc()]}),
        ("TrustAnchorAdded", {"anchor": anchors_doc(load_anchors(pki.root.pem))[0]}),
    ]
    common = {"position": "Chủ tịch", "role": "commune_chairman", "scope": "31999",
              "valid_from": format_utc(t)}  # fmt: skip
    for oid, key in (("bare", {"key": bare.key_doc()}), ("cert", {"certificate": {
            "chain": encode_chain([pki.ec_official.cert, pki.intermediate.cert])}})):  # fmt: skip
        reg_events.append(("OfficialEnrolled", {"official": {"id": oid, "name": oid, **common, **key}}))
    for n in range(crls):
        listed = [(2 * 10**6 + 100 * n + i, NOW - 3 * DAY) for i in range(100)]
        reg_events.append(("RevocationListRecorded", crl_data(crl(pki.intermediate, listed, number=n + 1))))
    replay = Replay("96")
    for type_, data in reg_events:
        when = NOW if type_ == "RevocationListRecorded" else t
        replay.feed(w.sign([root], type_, "96", None, when, data))
    assert replay.reg is not None
    return replay.reg, bare.key_id, cert.key_id


def bench_registry(pki: TestPKI, seconds: float, rounds: int, counts: list[int]) -> None:
    print()
    print(f"{'CRLs recorded':>13} {'bare key':>14} {'certificate key':>17} {'ratio':>6}  (valid_key/s)")
    for n in counts:
        reg, bare, cert = registry_with(pki, n)

        def check(kid: str, reg: RegistryState = reg) -> Callable[[], int]:
            def go() -> int:
                for _ in range(100):
                    reg.valid_key(kid, NOW)
                return 100

            return go

        b, c = paired(check(bare), check(cert), seconds, rounds)
        print(f"{n:>13} {b:>12,.0f}/s {c:>15,.0f}/s {c / b:>6.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--crl-entries", type=int, default=10_000)
    ap.add_argument("--crls", default="0,10,100", help="CRL counts for the registry figures")
    args = ap.parse_args()
    pki = TestPKI.build()
    bench_signatures(pki, args.seconds, args.rounds)
    bench_chains(pki, args.seconds, args.rounds, args.crl_entries)
    bench_registry(pki, args.seconds, args.rounds, [int(x) for x in args.crls.split(",")])


if __name__ == "__main__":
    main()
