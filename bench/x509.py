"""Certificate-key benchmark: envelope signatures verified per second through the project's
code path (``verify.dsse.verify_signatures`` → ``verify.keys.PublicKey.verify``), beside the
raw ``cryptography`` verify rate for the same keys and messages measured in the same run,
for RSA-PSS-2048/SHA-256 and ECDSA-P256/SHA-256 (certificate keys from the test PKI) and
Ed25519 for comparison; then chain validation and revocation checks per second.

    python bench/x509.py [--seconds 1.0] [--rounds 3] [--crl-entries 10000]

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

from pki import DAY, NOW, TestPKI, crl  # noqa: E402

from domain.signing import Signer, sign_payload  # noqa: E402
from verify.crl import verify_crl  # noqa: E402
from verify.dsse import Envelope, parse_envelope, verify_signatures  # noqa: E402
from verify.keys import PublicKey, public_key_from_crypto  # noqa: E402
from verify.revocation import check_signing  # noqa: E402
from verify.x509 import load_anchors, validate_chain  # noqa: E402

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--crl-entries", type=int, default=10_000)
    args = ap.parse_args()
    pki = TestPKI.build()
    bench_signatures(pki, args.seconds, args.rounds)
    bench_chains(pki, args.seconds, args.rounds, args.crl_entries)


if __name__ == "__main__":
    main()
