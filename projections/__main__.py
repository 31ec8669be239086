"""``python -m projections run|rebuild [--database URL] [--projection NAME] [--jobs N]``.

The projection runner in its own process (PostgreSQL deployments), or a rebuild.
``--database`` defaults to ``MINHBACH_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from projections.engine import NAMES
from projections.parallel import default_jobs, rebuild_parallel
from projections.runner import Runner
from projections.store import ProjectionStore
from verify import collector


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m projections")
    p.add_argument("command", choices=["run", "rebuild"])
    p.add_argument("--database", default=os.environ.get("MINHBACH_DATABASE_URL"))
    p.add_argument("--projection", action="append", choices=NAMES)
    p.add_argument("--poll", type=float, default=0.2)
    p.add_argument("--jobs", type=int, default=default_jobs(), help="rebuild: worker processes")
    args = p.parse_args(argv)
    if not args.database:
        print("--database or MINHBACH_DATABASE_URL is required", file=sys.stderr)
        return 2
    store = ProjectionStore(args.database)
    names = args.projection or list(NAMES)
    if args.command == "rebuild":
        result = rebuild_parallel(store, names, jobs=args.jobs)
        print(json.dumps({"events": result.events, "digests": result.digests}, indent=2))
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with collector.service():
        Runner(store, names).run(poll=args.poll, stop=stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
