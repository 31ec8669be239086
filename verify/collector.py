"""Python's cyclic garbage collector, set for long runs that keep large structures alive.

The collector traverses every tracked object of a generation each time it runs. A run
that keeps a registry, thousands of evaluation states or a writer's cache alive has it
traverse them again and again although reference counting already frees everything that
is not in a cycle: 4.8 s of a 27.5 s rebuild's CPU, 1.2 s of the verifier's main process's
17 s (BENCHMARKS.md, "Garbage collection"). So, for such runs, what exists when the run
starts moves to the permanent generation (``gc.freeze``) and young collections run every
200,000 allocations instead of 700. Cycles are still collected, only less often.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

LONG_RUN = (200_000, 50, 100)  # a rebuild, a verification: bounded batch work
SERVICE = (50_000, 20, 10)  # a server between requests: a full collection now and then

_active: list[tuple[int, int, int]] = []  # the thresholds of the tuned blocks in progress
_saved: tuple[int, int, int] | None = None  # the settings before the first of them


@contextmanager
def _tuned(thresholds: tuple[int, int, int], collect: bool = False) -> Iterator[None]:
    """Blocks may nest or overlap (a runner's start rebuilds, in another thread); the
    innermost one still open decides, and the last to close restores the settings."""
    global _saved
    if not _active:
        _saved = gc.get_threshold()
        if collect:
            gc.collect()  # what is garbage now is not set aside with the rest
        gc.freeze()
    _active.append(thresholds)
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        _active.remove(thresholds)  # equal thresholds: any one of them
        if _active:
            gc.set_threshold(*_active[-1])
        else:
            assert _saved is not None
            gc.set_threshold(*_saved)
            gc.unfreeze()


@contextmanager
def long_run() -> Iterator[None]:
    """Fewer, cheaper collections while the block (or the decorated function) runs; the
    settings are restored after."""
    with _tuned(LONG_RUN):
        yield


@contextmanager
def service() -> Iterator[None]:
    """For a server between start-up and shutdown: what start-up built (registry, caches,
    templates) is set aside, and young collections run less often."""
    with _tuned(SERVICE, collect=True):
        yield


def for_worker() -> None:
    """In a worker process that does only long-run work until it exits."""
    gc.freeze()
    gc.set_threshold(*LONG_RUN)
