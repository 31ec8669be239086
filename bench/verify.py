"""Verifier benchmark: a 10^6-event audit bundle verified end to end, beside the raw
signature-verification rate on all cores measured in the same run, and the peak memory.

    python bench/verify.py [--events 1000000] [--jobs N] [--cache DIR]

The bundle is generated once and cached in ``$TMPDIR/minhbach-bench/`` (delete it to
regenerate). Generation signs every event for real (Ed25519) with the demo's scripts
(``api.demo.DemoBuilder``: every step of each commune-year and district round, with the
demo's planted flaws) over synthetic districts of 30 communes for 2022–2024, with a lean
writer (canonical JSON by ``json.dumps``, which is RFC 8785 on this value space, and no
write-time re-parse), on one process per core. The verifier then rejudges all of it.

Prints: events, end-to-end signatures/s, raw signatures/s on all cores, their ratio (target
≥ 0.60), peak memory of the verifier's whole process tree (PSS, target ≤ 300 MB).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the ``verify`` package: keep its folder off the import path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))  # the repository, for bench.procs

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api import unitdata
from api.demo import DemoBuilder, Official, at, variants_for
from bench.procs import tree
from domain.genesis import genesis
from domain.signing import Signer, signer_from_private
from verify.bundle import format as fmt
from verify.bundle.format import Header, Scope
from verify.checkpoint import Checkpoint, format_checkpoint
from verify.dsse import PAYLOAD_TYPE, pae, parse_envelope
from verify.keys import accelerated
from verify.law.scoring import assess
from verify.merkle import TreeBuilder, leaf_hash
from verify.note import make_signer_key, sign_note, verifier_key_of
from verify.process.schema import spec_for

YEARS = (2022, 2023, 2024)
PER_DISTRICT = 30
EVENTS_PER_COMMUNE_YEAR = 50.9  # measured on the demo scripts, rounds included
ORIGIN = "minhbach.example/96"
LOG_SKEY = make_signer_key(ORIGIN, hashlib.sha256(b"bench log key").digest())
FORMAT_VERSION = "v1"


# -- a lean writer ------------------------------------------------------------------------
def _canon(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class LeanWriter:
    """``domain.writer.ChainWriter`` without the write-time strict re-parse."""

    def __init__(self) -> None:
        self.heads: dict[tuple[str, str, int | None], str] = {}

    def sign(self, signers: list[Signer], type: str, unit: str, year: int | None,
             time: datetime, data: dict[str, Any]) -> bytes:  # fmt: skip
        chain = spec_for(type).chain
        key = (chain, unit, None if chain == "registry" else year)
        payload = _canon({
            "data": data, "prev": self.heads.get(key), "signers": [s.key_id for s in signers],
            "time": time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "type": type,
            "unit": unit, "v": 1, "year": year,
        })  # fmt: skip
        msg = pae(PAYLOAD_TYPE, payload)
        sigs = [{"keyid": s.key_id, "sig": base64.b64encode(s.sign(msg)).decode()} for s in signers]
        env = _canon({"payload": base64.b64encode(payload).decode(), "payloadType": PAYLOAD_TYPE,
                      "signatures": sigs})  # fmt: skip
        self.heads[key] = hashlib.sha256(env).hexdigest()
        return env


class _Sink:
    """Stands in for the ledger: DemoBuilder.flush hands it batches; it keeps them."""

    def __init__(self) -> None:
        self.out: list[bytes] = []

    def submit_many(self, items: list[bytes]) -> list[Any]:
        from domain.ledger import Outcome, Receipt

        self.out.extend(items)
        return [Outcome(receipt=Receipt(-1, "", "", "", "", None)) for _ in items]


def _signer(official_id: str) -> Signer:
    seed = hashlib.sha256(b"bench official " + official_id.encode()).digest()
    return signer_from_private(Ed25519PrivateKey.from_private_bytes(seed))


def _units(communes: int) -> tuple[unitdata.Unit, list[unitdata.Unit], list[unitdata.Unit]]:
    prov = unitdata.Unit("96", "Tỉnh Thử Nghiệm", "province", "province", None, "96", None, None, None)
    districts, units = [], []
    for d in range((communes + PER_DISTRICT - 1) // PER_DISTRICT):
        dcode = f"{100 + d:03d}"
        districts.append(unitdata.Unit(dcode, f"Huyện Số {d + 1}", "district", "district", None, "96",
                                       None, None, None))  # fmt: skip
        for k in range(min(PER_DISTRICT, communes - d * PER_DISTRICT)):
            n = d * PER_DISTRICT + k
            units.append(unitdata.Unit(f"{10000 + n:05d}", f"Xã Số {n + 1}", "xa", "commune", dcode,
                                       "96", None, None, None))  # fmt: skip
    return prov, districts, units


def _builder(
    communes: int, seed: int, only: str | None = None
) -> tuple[DemoBuilder, _Sink, Any, Any]:
    """A demo builder over the synthetic units; officials of district ``only`` (or all)."""
    sink = _Sink()
    b = DemoBuilder(sink, "96", seed=seed, batch=10**9)  # type: ignore[arg-type]
    b.writer = LeanWriter()  # type: ignore[assignment]
    prov, districts, units = _units(communes)
    for d in districts:
        if only is not None and d.code != only:
            continue
        for oid, pos, role in ((f"{d.code}-chu-tich", "Chủ tịch UBND", "district_chairman"),
                               (f"{d.code}-tu-phap", "Trưởng Phòng Tư pháp", "district_justice"),
                               *((f"{d.code}-hd-{i}", "Thành viên Hội đồng", "council_member") for i in range(1, 6))):  # fmt: skip
            b.result.officials[oid] = Official(oid, f"Cán bộ {oid}", f"{pos} {d.name}", role, d.code, _signer(oid))
    for c in units:
        if only is not None and c.district_code != only:
            continue
        for oid, role in ((f"{c.code}-chu-tich", "commune_chairman"),
                          *((f"{c.code}-cc-{i}", "commune_official") for i in range(1, 4))):  # fmt: skip
            b.result.officials[oid] = Official(oid, f"Cán bộ {oid}", f"Cán bộ {c.name}", role, c.code, _signer(oid))
    return b, sink, prov, (districts, units)


def _registry(communes: int) -> list[bytes]:
    b, sink, prov, (districts, units) = _builder(communes, 0)
    root = _signer("trust-root")
    start = at(date(2021, 12, 1), 8)
    docs = [{"code": u.code, "name": u.name, "kind": u.kind, "level": u.level, "province": "96",
             **({"district": u.district_code} if u.district_code else {})}
            for u in (prov, *districts, *units)]  # fmt: skip
    for type_, data in genesis(origin=ORIGIN, name=prov.name, trust_root=[root.key_doc()],
                               units=docs, catalogs=b.catalogs.values()):  # fmt: skip
        b.emit([root], type_, "96", None, start, data)
    for o in b.result.officials.values():
        b.emit([root], "OfficialEnrolled", "96", None, start, {"official": o.doc()})
    b.flush()
    return sink.out


def _group(args: tuple[int, int, int, str]) -> tuple[int, str, list[bytes]]:
    """Sign one district's year: its communes' evaluations, then its round (api.demo)."""
    communes, year, d_index, path = args
    code = f"{100 + d_index:03d}"
    b, sink, _, (districts, units) = _builder(communes, seed=year * 1000 + d_index, only=code)
    d = districts[d_index]
    members = [u for u in units if u.district_code == d.code]
    cat = next(c for c in b.catalogs.values() if c.applies_to(year))
    variants = variants_for(members, year, random.Random(year + d_index))
    scores: dict[str, dict[str, Decimal]] = {}
    meets: dict[str, Decimal | None] = {}
    for c in members:
        v = variants[c.code]
        scores[c.code] = b.commune_year(c, year, cat, v)
        a = assess(cat, scores[c.code], v.disqualified)
        meets[c.code] = a.total if a.meets else None
    b.district_round(d, year, meets, scores, year == 2023 and d_index % 7 == 1, None)
    b.flush()
    with open(path, "wb") as f:
        for env in sink.out:
            f.write(env + b"\n")
    return len(sink.out), d.code, []


def generate(events: int, out: Path, jobs: int) -> None:
    communes = max(8, round(events / (len(YEARS) * EVENTS_PER_COMMUNE_YEAR)))
    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(dir=out.parent))
    registry = _registry(communes)
    ndistricts = (communes + PER_DISTRICT - 1) // PER_DISTRICT
    tasks = [(communes, y, d, str(tmp / f"{y}-{d}.txt")) for y in YEARS for d in range(ndistricts)]
    done = 0
    with ProcessPoolExecutor(jobs) as pool:
        results = []
        for n, code, _ in pool.map(_group, tasks, chunksize=1):
            results.append(code)
            done += n
            print(f"\r  signed {len(registry) + done:,} events", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    tree = TreeBuilder()
    body = tmp / "body"
    with open(body, "wb") as f:
        f.write(fmt.registry_line())
        for env in registry:
            f.write(fmt.envelope_line(tree.size, env, None))
            tree.append(leaf_hash(env))
        for (_, year, _, path), code in zip(tasks, results, strict=True):
            f.write(fmt.group_line(code, year))
            with open(path, "rb") as g:
                for line in g:
                    env = line[:-1]
                    f.write(fmt.envelope_line(tree.size, env, None))
                    tree.append(leaf_hash(env))
        f.write(fmt.end_line(tree.size, len(tasks)))
    note = sign_note(format_checkpoint(Checkpoint(ORIGIN, tree.size, tree.root())), LOG_SKEY)
    header = Header(Scope("log"), "96", ORIGIN, tree.size, True,
                    datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), verifier_key_of(LOG_SKEY))  # fmt: skip
    with open(out, "wb") as f:
        f.write(fmt.header_line(header) + fmt.checkpoint_line(note))
        with open(body, "rb") as g:
            shutil.copyfileobj(g, f, 1 << 20)
    shutil.rmtree(tmp)
    print(f"  generated {tree.size:,} events ({communes} communes × {len(YEARS)} years) "
          f"in {time.monotonic() - t0:.0f} s: {out} ({out.stat().st_size / 2**20:.0f} MiB)",
          file=sys.stderr)  # fmt: skip


# -- measurements ---------------------------------------------------------------------------
_RAW: list[tuple[bytes, bytes, bytes]] = []


def _raw_init(samples: list[tuple[bytes, bytes, bytes]]) -> None:
    _RAW[:] = samples


def _raw_run(rounds: int, sodium: bool) -> tuple[int, float]:
    """Verify the samples ``rounds`` times with libsodium (``sodium``) or cryptography."""
    n = 0
    if sodium:
        from nacl.bindings import crypto_sign_open

        t0 = time.process_time()
        for _ in range(rounds):
            for key, msg, sig in _RAW:
                crypto_sign_open(sig + msg, key)
                n += 1
        return n, time.process_time() - t0
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    keys = {k: Ed25519PublicKey.from_public_bytes(k) for k in {s[0] for s in _RAW}}
    t0 = time.process_time()
    for _ in range(rounds):
        for key, msg, sig in _RAW:
            keys[key].verify(sig, msg)
            n += 1
    return n, time.process_time() - t0


def raw_rate(
    bundle: Path, jobs: int, sodium: bool, samples: int = 4000, seconds: float = 8.0
) -> tuple[float, float]:
    """Ed25519 verifications per second on ``jobs`` processes, over the bundle's own envelopes
    (the registry's enrolled keys; the first ``samples`` envelopes of the groups), and the
    CPU seconds one verification took; by libsodium (``sodium``) or by cryptography, so
    that the baseline is the primitive the verifier itself uses."""
    keys: dict[str, bytes] = {}
    triples: list[tuple[bytes, bytes, bytes]] = []
    in_groups = False
    with open(bundle, "rb") as f:
        for line in f:
            if line.startswith(b'{"record":"group"'):
                in_groups = True
            if not line.startswith(b'{"envelope":'):
                continue
            env = parse_envelope(json.loads(line)["envelope"].encode())
            if not in_groups:
                doc = json.loads(env.payload)
                found = [doc["data"]["official"]["key"]] if doc["type"] == "OfficialEnrolled" else []
                found += doc["data"].get("trust_root", []) if doc["type"] == "LedgerInitialised" else []
                for k in found:
                    der = base64.b64decode(k["spki"])
                    keys[hashlib.sha256(der).hexdigest()] = der[-32:]  # Ed25519 SPKI: key last
                continue
            for s in env.signatures:
                triples.append((keys[s.keyid], env.pae(), s.sig))
            if len(triples) >= samples:
                break
    with ProcessPoolExecutor(jobs, initializer=_raw_init, initargs=(triples,)) as pool:
        list(pool.map(_raw_run, [1] * jobs, [sodium] * jobs))  # warm up
        rounds = max(1, int(seconds * 5000 / len(triples)))
        t0 = time.monotonic()
        runs = list(pool.map(_raw_run, [rounds] * jobs, [sodium] * jobs))
        n = sum(r[0] for r in runs)
        return n / (time.monotonic() - t0), sum(r[1] for r in runs) / n


def _has_nacl() -> bool:
    try:
        import nacl.bindings  # noqa: F401
    except ImportError:
        return False
    return True


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_verifier(bundle: Path, jobs: int | None) -> tuple[dict[str, Any], float, float, int]:
    cmd = [sys.executable, "-m", "verify", str(bundle), "--json", "--log-key", verifier_key_of(LOG_SKEY)]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    out: list[bytes] = []
    import threading

    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    while proc.poll() is None:
        peak = max(peak, sum(_pss_kib(p) for p in tree(proc.pid)))
        time.sleep(0.25)
    reader.join()
    wall = time.monotonic() - t0
    result = json.loads(out[0])
    return result, wall, peak / 1024, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "minhbach-bench"))
    ap.add_argument("--generate-only", action="store_true", help="build the cached bundle, stop")
    args = ap.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    bundle = cache / f"verify-{args.events}-{FORMAT_VERSION}.bundle.jsonl"
    if not bundle.exists():
        print(f"generating {bundle} …", file=sys.stderr)
        generate(args.events, bundle, args.jobs)
    if args.generate_only:
        return
    # The verifier checks Ed25519 with libsodium when PyNaCl is installed (and not turned off
    # with MINHBACH_SODIUM=0, which the verifier's process inherits): the baseline is the same.
    sodium = accelerated()
    raw_before, cpu_before = raw_rate(bundle, args.jobs, sodium)
    cpu0 = os.times()
    result, wall, peak_mib, code = run_verifier(bundle, args.jobs)
    cpu1 = os.times()
    # the machine may be shared: measure on both sides
    raw_after, cpu_after = raw_rate(bundle, args.jobs, sodium)
    other, _ = raw_rate(bundle, args.jobs, not sodium, seconds=3.0) if _has_nacl() else (None, 0.0)
    raw = (raw_before + raw_after) / 2
    sig_cpu = (cpu_before + cpu_after) / 2
    cpu = (cpu1.children_user + cpu1.children_system) - (cpu0.children_user + cpu0.children_system)
    st = result["stats"]
    e2e_sigs = st["signatures"] / wall
    print(f"bundle: {bundle.stat().st_size / 2**20:,.0f} MiB, {st['envelopes']:,} events, "
          f"{st['signatures']:,} signatures; verifier exit {code} ({result['result']}), "
          f"{len(result['findings']):,} findings")  # fmt: skip
    print(f"end to end: {wall:,.1f} s = {st['envelopes'] / wall:,.0f} events/s, {e2e_sigs:,.0f} signatures/s "
          f"on {args.jobs} cores")  # fmt: skip
    lib, other_lib = ("libsodium", "cryptography (OpenSSL)") if sodium else ("cryptography (OpenSSL)", "libsodium")
    print(f"raw Ed25519 verification by {lib}, the verifier's own, {args.jobs} processes, same run: "
          f"{raw:,.0f} signatures/s (before {raw_before:,.0f}, after {raw_after:,.0f})")  # fmt: skip
    if other is not None:
        print(f"  (by {other_lib}: {other:,.0f} signatures/s; MINHBACH_SODIUM=0 runs the verifier "
              f"without libsodium)")  # fmt: skip
    print(f"CPU time of the verifier's processes: {cpu:,.0f} s = {cpu / st['envelopes'] * 1e6:,.0f} µs "
          f"per event (wall × cores = {wall * args.jobs:,.0f} s)")  # fmt: skip
    print(f"ratio end-to-end / raw: {e2e_sigs / raw:.2f} (target ≥ 0.60)")
    # The same ratio in CPU time, what it would be on cores not shared with other work:
    # CPU per signature of raw verification over the verifier's CPU per signature.
    print(f"CPU ratio: raw {sig_cpu * 1e6:,.0f} µs per signature / verifier "
          f"{cpu / st['signatures'] * 1e6:,.0f} µs per signature = "
          f"{sig_cpu * st['signatures'] / cpu:.2f}")  # fmt: skip
    print(f"peak memory of the verifier's processes (PSS): {peak_mib:,.0f} MB (target ≤ 300)")


if __name__ == "__main__":
    main()
