"""Rebuild benchmark on PostgreSQL: events per second rebuilt, beside the raw rate of
reading the same events from the store in the same run.

    .venv/bin/python bench/rebuild.py --database postgresql://postgres@127.0.0.1/bench \
        --years 5            # the national five-year dataset (bench/national.py)

Prints: raw read (stream every envelope from ``log_leaves``, nothing else), fold (read
and apply through the trusted fast path into the state classes), and the full rebuild
(fold + compute every read model + write them and their tracking + digest) in this
process and in ``--jobs`` worker processes (``projections.parallel``, what ``minhbach
rebuild`` runs). Target: rebuild ≥ 50 % of the raw read rate; the national five-year
dataset rebuilt in < 5 minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.national import envelopes, load_postgres  # noqa: E402
from projections.fastpath import TrustedReplay  # noqa: E402
from projections.parallel import default_jobs, rebuild_parallel  # noqa: E402
from projections.runner import rebuild  # noqa: E402
from projections.store import ProjectionStore  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", required=True)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--provinces", nargs="*", help="province codes (default: all 34)")
    ap.add_argument("--skip-load", action="store_true", help="reuse the log already loaded")
    ap.add_argument("--jobs", type=int, default=max(2, default_jobs()), help="parallel rebuild's workers")
    args = ap.parse_args()
    if not args.skip_load:
        t = time.perf_counter()
        n = load_postgres(args.database, envelopes(range(2025, 2025 + args.years), args.provinces))
        print(f"generated and loaded {n:,} signed envelopes in {time.perf_counter() - t:.1f} s")
    store = ProjectionStore(args.database)
    size = store.log_size()

    t = time.perf_counter()
    nbytes = sum(len(env) for _, env in store.leaves(0, size))
    raw = time.perf_counter() - t
    t = time.perf_counter()
    chains = TrustedReplay()
    chains.feed_all(store.leaves(0, size))
    fold = time.perf_counter() - t
    _, result = rebuild(store)
    par = rebuild_parallel(store, jobs=args.jobs)
    assert par.digests == result.digests, "parallel and sequential rebuilds disagree"
    print(f"events: {size:,} ({nbytes / 1e6:,.0f} MB of envelopes)")
    print(f"raw read:      {raw:7.1f} s  {size / raw:10,.0f} events/s  (baseline)")
    print(f"fold:          {fold:7.1f} s  {size / fold:10,.0f} events/s  {raw / fold:6.1%} of raw")
    print(f"full rebuild:  {result.seconds:7.1f} s  {size / result.seconds:10,.0f} events/s"
          f"  {raw / result.seconds:6.1%} of raw  (fold {result.fold_seconds:.1f} s)")  # fmt: skip
    print(f"parallel ({par.jobs}):  {par.seconds:7.1f} s  {size / par.seconds:10,.0f} events/s"
          f"  {raw / par.seconds:6.1%} of raw  (read and dealt out in {par.fold_seconds:.1f} s)")  # fmt: skip
    print(f"evaluations: {len(chains.evaluations):,}; digest {result.digests['all']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
