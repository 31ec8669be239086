"""The ledger as the read models see it: aggregates kept per log version.

``Ledger.registry()``, ``evaluation()`` and ``round()`` deep-copy the aggregate out of the
library's cache on every call (``DEEPCOPY_FROM_AGGREGATE_CACHE``: the write path mutates
what it gets). A province page asks for the registry dozens of times and the copy of a
registry with hundreds of officials dominates its cost (BENCHMARKS.md, HTTP). The read
models never change what they are given, so for them one copy per log version is enough:
``CachedReads`` hands out the same copy until the log grows. Everything else is passed
through to the ledger; the write path (the batcher) never sees this object.
"""

from __future__ import annotations

from typing import Any

from api.pagecache import BoundCache
from domain.ledger import Ledger


class CachedReads:
    def __init__(self, ledger: Ledger, cache: BoundCache) -> None:
        self._ledger = ledger
        self._cache = cache

    def registry(self) -> Any:
        return self._cache.get(("registry",), self._ledger.registry).value

    def evaluation(self, unit: str, year: int) -> Any:
        return self._cache.get(("evaluation", unit, year),
                               lambda: self._ledger.evaluation(unit, year)).value  # fmt: skip

    def round(self, unit: str, year: int) -> Any:
        return self._cache.get(("round", unit, year), lambda: self._ledger.round(unit, year)).value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)
