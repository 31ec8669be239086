"""Transparency-log benchmark: proof generation from the stored tree as the log grows,
beside the time of reading one node row measured in the same run.

    python bench/log.py [--sizes 1000,10000,100000,1000000] [--database URL] [--samples 300]

Builds a log of raw leaves (no events: only the Merkle tables, written by the recorder's
own ``LogTree`` in transactions of 50,000 leaves) in a fresh SQLite file, or in the given
PostgreSQL database (its log tables are DROPPED first: use a scratch database). At each
size it times, over ``--samples`` random positions: an inclusion proof
(``api.store.proofs.inclusion_proof``), a consistency proof from a random older size, and
the baseline: one ``log_nodes`` read of a single row. It prints the node rows each proof
read (one query), the mean times and their ratio to the one-row read. A checkpoint's
work (recompute the head root, prove consistency with the last one) is timed too.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# bench/ holds verify.py, named like the ``verify`` package: keep the folder off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent / "tests"))

from logkit import append_raw  # noqa: E402

from api.config import Settings, make_ledger  # noqa: E402
from api.store.proofs import consistency_proof, inclusion_proof, root_at  # noqa: E402
from verify.merkle import consistency_plan, inclusion_plan, plan_nodes  # noqa: E402

BATCH = 50_000


def _reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for t in ("log_leaves", "log_nodes", "log_head", "log_checkpoints"):
            conn.execute(f"DROP TABLE IF EXISTS {t}")


def _mean(f: Any, args: list[tuple[int, ...]]) -> float:
    t0 = time.perf_counter()
    for a in args:
        f(*a)
    return (time.perf_counter() - t0) / len(args)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="1000,10000,100000,1000000")
    p.add_argument("--database")
    p.add_argument("--samples", type=int, default=300)
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    url = args.database
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='minhbach-bench-log-')}/log.db"
    else:
        _reset_postgres(url)
    ledger = make_ledger(Settings(database_url=url))
    rec: Any = ledger.recorder
    rng = random.Random(7)
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"{backend}: {url}")
    print("| leaves | inclusion: rows, mean | consistency: rows, mean | one-row read | "
          "ratios | checkpoint work | build |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    size = 0
    for target in sizes:
        t0 = time.perf_counter()
        while size < target:
            n = min(BATCH, target - size)
            append_raw(rec, [b"bench leaf %d" % i for i in range(size, size + n)])
            size += n
        build = time.perf_counter() - t0
        inc = [(rng.randrange(size), size) for _ in range(args.samples)]
        con = [(rng.randrange(1, size), size) for _ in range(args.samples)]
        one = [(rng.randrange(size),) for _ in range(args.samples)]
        inc_rows = max(len(plan_nodes(inclusion_plan(i, s))) for i, s in inc)
        con_rows = max(len(plan_nodes(consistency_plan(o, s))) for o, s in con)
        # Warm the caches the same way for all three.
        _mean(lambda i: rec.log_nodes([(0, i)]), one[:20])
        t_one = _mean(lambda i: rec.log_nodes([(0, i)]), one)
        t_inc = _mean(lambda i, s: inclusion_proof(rec, i, s), inc)
        t_con = _mean(lambda o, s: consistency_proof(rec, o, s), con)
        old = max(1, size - 1000)
        t0 = time.perf_counter()
        root_at(rec, size)
        consistency_proof(rec, old, size)
        t_cp = time.perf_counter() - t0
        print(f"| {size:,} | ≤ {inc_rows}, {t_inc * 1e3:.2f} ms | ≤ {con_rows}, {t_con * 1e3:.2f} ms "
              f"| {t_one * 1e3:.3f} ms | {t_inc / t_one:.1f}×, {t_con / t_one:.1f}× "
              f"| {t_cp * 1e3:.2f} ms | {build:.1f} s |")  # fmt: skip
    ledger.close()


if __name__ == "__main__":
    main()
