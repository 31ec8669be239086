"""Keeping the read models current: rebuild from the first event, or follow the log.

``rebuild`` feeds every stored envelope through the trusted fast path, computes every
document once at the end and replaces the stored ones in one transaction.

``Runner`` follows the log: ``start`` brings its in-memory chains to the stored position
(rebuilding first if the projections never ran or disagree), then each ``step`` reads
the leaves appended since, recomputes only what they touched and writes the changed
documents with the new position in one transaction. On PostgreSQL it runs in its own
process (``python -m projections run``) and holds an advisory lock, so two runners never
write at once; on SQLite the web app calls ``catch_up`` after each committed batch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from projections.engine import NAMES, Projector
from projections.store import ProjectionStore
from verify import collector

_LOCK_KEY = 0x6D62_7072  # "mbpr": the projection runner's advisory lock


@dataclass
class RebuildResult:
    events: int
    seconds: float
    fold_seconds: float
    digests: dict[str, str]
    jobs: int = 1  # worker processes that computed the documents (projections.parallel)


@collector.long_run()
def rebuild(
    store: ProjectionStore,
    names: Sequence[str] = NAMES,
    progress: Callable[[int, int], None] | None = None,
    page: int = 5000,
) -> tuple[Projector, RebuildResult]:
    """Rebuild ``names`` from the first event; ``progress(done, total)`` after each page."""
    t0 = time.perf_counter()
    size = store.log_size()
    projector = Projector()
    done = 0
    for digest, env in store.leaves(0, size, page):
        projector.chains.feed(env, digest)
        done += 1
        if progress is not None and done % page == 0:
            progress(done, size)
    if progress is not None:
        progress(done, size)
    t_fold = time.perf_counter() - t0
    changes = projector.compute(None)
    projector.chains.take_touched()
    digests = store.replace(changes, names, done)
    return projector, RebuildResult(done, time.perf_counter() - t0, t_fold, digests)


class Runner:
    def __init__(self, store: ProjectionStore, names: Iterable[str] = NAMES) -> None:
        self.store = store
        self.names = list(names)
        self.projector = Projector()
        self.position = 0
        self.mutex = threading.Lock()

    def start(self) -> None:
        """Bring the chains to the stored position; rebuild if the tracking disagrees."""
        with self.mutex:
            have = self.store.positions()
            stored = {have.get(n) for n in self.names}
            if len(stored) != 1 or None in stored:
                self.projector, result = rebuild(self.store, self.names)
                self.position = result.events
                return
            self.position = int(stored.pop() or 0)
            self.projector = Projector()
            self.projector.feed(self.store.leaves(0, self.position))
            self.projector.compute(None)  # warm the document cache the derived models use
            self.projector.chains.take_touched()

    def step(self, limit: int = 10_000) -> int:
        """Apply up to ``limit`` new leaves; returns how many."""
        with self.mutex:
            size = self.store.log_size()
            stop = min(size, self.position + limit)
            if stop <= self.position:
                return 0
            n = self.projector.feed(self.store.leaves(self.position, stop))
            changes = self.projector.compute(self.projector.chains.take_touched())
            self.store.apply(changes, self.names, self.position + n)
            self.position += n
            return n

    def catch_up(self) -> int:
        total = 0
        while n := self.step():
            total += n
        return total

    def run(self, poll: float = 0.2, stop: threading.Event | None = None) -> None:
        """Follow the log until ``stop`` is set (PostgreSQL: under an advisory lock)."""
        stop = stop or threading.Event()
        if self.store.postgres:
            lock = self.store.connection()
            with lock.cursor() as c:
                c.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
            lock.commit()
        try:
            self.start()
            while not stop.is_set():
                if not self.catch_up():
                    stop.wait(poll)
        finally:
            if self.store.postgres:
                with self.store.connection().cursor() as c:
                    c.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
                self.store.connection().commit()
