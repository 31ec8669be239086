"""Parsing and signature checks in worker processes, ahead of the ledger's writer.

Verifying signatures and parsing envelopes are pure and CPU-bound, so they run in a
process pool (other cores) while the writer thread judges and saves the previous batch.
The writer then judges each envelope with what was found (``verify.process.judge
.Prechecked``), checking enrolment, validity and roles itself; envelopes whose keys the
pool did not know (enrolled in the same batch) are verified by the writer as usual.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor

from verify.errors import LocalizedError
from verify.keys import PublicKey, load_public_key
from verify.process.judge import Prechecked, precheck

KeyDocs = Mapping[str, tuple[str, str]]  # key id -> (alg, base64 SPKI)
_loaded: dict[str, PublicKey] = {}  # per worker process


def _keys(docs: KeyDocs) -> dict[str, PublicKey]:
    for kid, (alg, spki) in docs.items():
        if kid not in _loaded:
            _loaded[kid] = load_public_key(alg, spki)
    return _loaded


def precheck_batch(items: Sequence[bytes], docs: KeyDocs) -> list[Prechecked | LocalizedError]:
    """Run in a worker: each item prechecked, or the error the judge would raise."""
    keys = _keys(docs)
    out: list[Prechecked | LocalizedError] = []
    for data in items:
        try:
            out.append(precheck(data, keys))
        except LocalizedError as e:
            out.append(e)
    return out


def default_workers() -> int:
    """One worker per core beyond the one the writer and the HTTP loop use."""
    return max(0, (os.cpu_count() or 1) - 1)


class Prechecker:
    """A process pool for ``precheck_batch``; ``workers == 0`` checks nothing ahead."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(workers) if workers > 0 else None

    async def run(
        self, items: Sequence[bytes], docs: KeyDocs
    ) -> list[Prechecked | LocalizedError] | None:
        if self._pool is None:
            return None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, precheck_batch, list(items), docs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
