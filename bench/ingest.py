"""Ingest benchmark: signed events accepted per second (signature check + rules + append),
beside the raw eventsourcing append rate and the raw signature-verification rate, measured
in the same run, on SQLite and on PostgreSQL (fsync on, the server's default).

    python bench/ingest.py [--communes 12] [--postgres postgresql://postgres@127.0.0.1:5432/test]

Prints one line per backend with the ratios. Results go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from api.config import storage_env
from api.demo import DemoBuilder, variants_for
from domain.catalog import builtin_catalogs
from domain.ledger import Ledger, payload_of
from verify.dsse import parse_envelope
from verify.keys import PublicKey


def make_envelopes(communes: int) -> list[bytes]:
    """Sign a full 2023 for ``communes`` communes, collecting envelopes without submitting."""
    sink = Ledger(storage_env("sqlite:///:memory:"), scope="96")
    b = DemoBuilder(sink, batch=10**9)
    districts, units = b.setup(limit=communes)
    cat = next(c for c in builtin_catalogs() if c.applies_to(2023))
    variants = variants_for(units, 2023, b.rng)
    for u in units:
        b.commune_year(u, 2023, cat, variants[u.code])
    return b.pending


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


def verify_rate(envelopes: list[bytes], keys: dict[str, PublicKey]) -> float:
    parsed = [parse_envelope(e) for e in envelopes]
    t = time.perf_counter()
    for env in parsed:
        for s in env.signatures:
            keys[s.keyid].verify(s.sig, env.pae())
    return len(parsed) / (time.perf_counter() - t)


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
    with psycopg.connect(url, autocommit=True) as c:
        for t in ("minhbach_events", "stored_events", "log_leaves", "log_nodes", "log_head"):
            c.execute(f"DROP TABLE IF EXISTS {t} CASCADE")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--communes", type=int, default=12)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    a = ap.parse_args()
    envs = make_envelopes(a.communes)
    setup = [e for e in envs if payload_of(e).year is None]  # the registry chain
    events = envs[len(setup) :]
    probe = Ledger(storage_env("sqlite:///:memory:"), scope="96")
    probe.submit_many(setup)
    reg = probe.registry()
    assert reg is not None
    keys = {k: r.key for k, r in reg.keys.items()}
    sig = verify_rate(events, keys)
    print(f"{len(events)} evaluation events, batch {a.batch}")
    print(f"raw signature verification (1 core): {sig:,.0f} ev/s")
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
