"""Ingest benchmark: signed events accepted per second (signature check + rules + append),
beside the raw eventsourcing append rate and the raw signature-verification rate, measured
in the same run, on SQLite and on PostgreSQL (fsync on, the server's default); then the
same over HTTP: ``POST /v1/events`` from 32 concurrent keep-alive clients against a real
uvicorn process on PostgreSQL, each client submitting whole evaluation chains in order.

    python bench/ingest.py [--communes 12] [--postgres postgresql://postgres@127.0.0.1:5432/bench_ingest]
                           [--http-communes 100 --http-years 2022,2023,2024 --clients 32]

Prints one line per measurement with the ratios. Results go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from api.config import storage_env
from api.demo import DemoBuilder, variants_for
from bench import loadgen
from bench.procs import tree_cpu_seconds
from domain.catalog import builtin_catalogs
from domain.ledger import Ledger, payload_of
from verify.dsse import parse_envelope
from verify.keys import PublicKey


def make_envelopes(communes: int, years: Sequence[int] = (2023,)) -> list[bytes]:
    """Sign the commune stage of ``years`` for ``communes`` communes, without submitting:
    the registry chain first, then each evaluation chain whole."""
    sink = Ledger(storage_env("sqlite:///:memory:"), scope="96")
    b = DemoBuilder(sink, batch=10**9)
    districts, units = b.setup(limit=communes)
    for year in years:
        cat = next(c for c in builtin_catalogs() if c.applies_to(year))
        variants = variants_for(units, year, b.rng)
        for u in units:
            b.commune_year(u, year, cat, variants[u.code])
    return b.pending


def chains(events: Sequence[bytes]) -> list[list[bytes]]:
    """The events grouped by evaluation chain, each in signing order."""
    grouped: dict[tuple[str, int | None], list[bytes]] = {}
    for e in events:
        p = payload_of(e)
        grouped.setdefault((p.unit, p.year), []).append(e)
    return list(grouped.values())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def requests_for(chain: list[bytes], batch: int) -> list[bytes]:
    """One chain's requests: one envelope each, or ``POST /v1/events/batch`` of up to
    ``batch`` envelopes (JSON lines) each."""
    if batch == 1:
        return [loadgen.post("/v1/events", e) for e in chain]
    return [
        loadgen.post("/v1/events/batch", b"\n".join(chain[i : i + batch]),
                     content_type="application/x-ndjson")
        for i in range(0, len(chain), batch)
    ]  # fmt: skip


def stored(url: str) -> int:
    with psycopg.connect(url) as c:
        row = c.execute("SELECT count(*) FROM log_leaves").fetchone()
        return int(row[0]) if row else 0


def http_rate(
    url: str, setup: list[bytes], events: list[bytes], clients: int, workers: int = 1,
    precheck: str = "auto", batch: int = 1,
) -> loadgen.Stats:
    """Submit ``events`` over HTTP to a real uvicorn server on ``url`` (``workers``
    processes, each a writer; ``precheck`` worker processes each), ``batch`` envelopes per
    request; checks that every one was stored."""
    reset_postgres(url)
    ledger = Ledger(storage_env(url), scope="96")
    for i in range(0, len(setup), 256):
        ledger.submit_many(setup[i : i + 256])
    ledger.close()
    port = free_port()
    env = {**os.environ, "MINHBACH_DATABASE_URL": url, "MINHBACH_PRECHECK_WORKERS": precheck,
           "MINHBACH_LOG_LEVEL": "WARNING", "MINHBACH_DATA_DIR": tempfile.mkdtemp()}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--workers", str(workers),
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    try:
        asyncio.run(loadgen.wait_for_port("127.0.0.1", port, timeout=120))
        jobs = [requests_for(chain, batch) for chain in chains(events)]
        cpu = tree_cpu_seconds(server.pid)
        stats = asyncio.run(loadgen.run("127.0.0.1", port, jobs, clients))
        stats.server_cpu = tree_cpu_seconds(server.pid) - cpu
        got = stored(url) - len(setup)
        if got != len(events):
            raise SystemExit(f"only {got} of {len(events)} envelopes were stored")
        return stats
    finally:
        server.terminate()
        server.wait(30)


class Thing(Aggregate):
    @event("Created")
    def __init__(self, envelope: str) -> None:
        self.envelope = envelope

    @event("Appended")
    def append(self, envelope: str) -> None:
        self.envelope = envelope


def raw_append_rate(env: dict[str, str], envelopes: list[bytes], batch: int) -> float:
    env = {k: v for k, v in env.items() if k != "APPLICATION_RECORDER_TOPIC"}
    app: Application = Application(env)
    things = [Thing(envelope=e.decode()) for e in envelopes[:batch]]
    app.save(*things)
    t = time.perf_counter()
    rest = envelopes[batch:]
    for i in range(0, len(rest), batch):
        for th, e in zip(things, rest[i : i + batch], strict=False):
            th.append(envelope=e.decode())
        app.save(*things)
    return len(rest) / (time.perf_counter() - t)


Check = Callable[[str, bytes, bytes], None]  # key id, signature, message; raises if invalid


def verify_rate(envelopes: list[bytes], check: Check) -> float:
    """Signatures verified per second on one core by ``check``."""
    parsed = [parse_envelope(e) for e in envelopes]
    t = time.perf_counter()
    for env in parsed:
        for s in env.signatures:
            check(s.keyid, s.sig, env.pae())
    return len(parsed) / (time.perf_counter() - t)


def ledger_check(keys: dict[str, PublicKey]) -> Check:
    """The ledger's own check (``PublicKey.verify``: libsodium first when PyNaCl is installed)."""
    return lambda kid, sig, msg: keys[kid].verify(sig, msg)


def openssl_check(keys: dict[str, PublicKey]) -> Check:
    """``cryptography`` (OpenSSL) alone, the reference."""
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    loaded: dict[str, Any] = {k: load_der_public_key(v.spki_der) for k, v in keys.items()}
    return lambda kid, sig, msg: loaded[kid].verify(sig, msg)


def ledger_rate(url: str, setup: list[bytes], events: list[bytes], batch: int) -> float:
    ledger = Ledger(storage_env(url), scope="96")
    for i in range(0, len(setup), batch):
        ledger.submit_many(setup[i : i + batch])
    t = time.perf_counter()
    refused = 0
    for i in range(0, len(events), batch):
        refused += sum(o.error is not None for o in ledger.submit_many(events[i : i + batch]))
    dt = time.perf_counter() - t
    assert refused == 0, f"{refused} refused"
    return len(events) / dt


def reset_postgres(url: str) -> None:
    """Drop the ledger's tables in ``url``'s database (created first if it is missing)."""
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            c.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    with psycopg.connect(url, autocommit=True) as c:
        for t in ("minhbach_events", "stored_events", "log_leaves", "log_nodes", "log_head",
                  "log_checkpoints", "proj_docs", "proj_tracking"):  # fmt: skip
            c.execute(f"DROP TABLE IF EXISTS {t} CASCADE")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--communes", type=int, default=12)
    ap.add_argument("--batch", type=int, default=256)
    # its own database: the run drops the ledger's tables (bench/rebuild.py's data lives in "bench")
    ap.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/bench_ingest")
    ap.add_argument("--http-communes", type=int, default=100)
    ap.add_argument("--http-years", default="2022,2023,2024")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--workers", default="1,2", help="uvicorn worker processes to try (\"\": none)")
    ap.add_argument("--skip-direct", action="store_true", help="only the HTTP measurement")
    ap.add_argument("--http-batch", type=int, default=6,
                    help="then 2 workers again, this many envelopes per POST /v1/events/batch (0: skip)")
    a = ap.parse_args()
    if not a.skip_direct:
        direct(a)
    years = [int(y) for y in a.http_years.split(",")]
    envs = make_envelopes(a.http_communes, years)
    setup = [e for e in envs if payload_of(e).year is None]
    events = envs[len(setup) :]
    for workers in (int(w) for w in a.workers.split(",") if w):
        precheck = "auto" if workers == 1 else "0"
        stats = http_rate(a.postgres, setup, events, a.clients, workers, precheck)
        label = f"postgres over HTTP, {workers} worker(s), precheck {precheck}, {a.clients} clients"
        print(stats.line(f"{label}, {len(events)} events"))
    if a.http_batch > 1:
        stats = http_rate(a.postgres, setup, events, a.clients, 2, "0", a.http_batch)
        label = f"postgres over HTTP, 2 worker(s), {a.http_batch} envelopes per batch request, {a.clients} clients"
        print(stats.line(f"{label}, {len(events)} events") + f" — {len(events) / stats.seconds:,.0f} events/s")
    reset_postgres(a.postgres)


def direct(a: argparse.Namespace) -> None:
    envs = make_envelopes(a.communes)
    setup = [e for e in envs if payload_of(e).year is None]  # the registry chain
    events = envs[len(setup) :]
    probe = Ledger(storage_env("sqlite:///:memory:"), scope="96")
    probe.submit_many(setup)
    reg = probe.registry()
    assert reg is not None
    keys = {k: r.key for k, r in reg.keys.items()}
    sig = verify_rate(events, ledger_check(keys))
    ossl = verify_rate(events, openssl_check(keys))
    print(f"{len(events)} evaluation events, batch {a.batch}")
    print(f"raw signature verification (1 core): {sig:,.0f} ev/s by the ledger's check "
          f"(libsodium when installed), {ossl:,.0f} ev/s by cryptography (OpenSSL) alone")
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{Path(d) / 'l.db'}"
        raw = raw_append_rate(storage_env(f"sqlite:///{Path(d) / 'raw.db'}"), events, a.batch)
        led = ledger_rate(url, setup, events, a.batch)
        print(
            f"sqlite:   ledger {led:,.0f} ev/s | raw append {raw:,.0f} ev/s | ratio {led / raw:.2f} | vs signature rate {led / sig:.2f}"
        )
    reset_postgres(a.postgres)
    raw = raw_append_rate(storage_env(a.postgres), events, a.batch)
    reset_postgres(a.postgres)
    led = ledger_rate(a.postgres, setup, events, a.batch)
    print(
        f"postgres: ledger {led:,.0f} ev/s | raw append {raw:,.0f} ev/s | ratio {led / raw:.2f} | vs signature rate {led / sig:.2f}"
    )
    reset_postgres(a.postgres)


if __name__ == "__main__":
    main()
