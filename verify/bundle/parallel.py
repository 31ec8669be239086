"""Signature checks for batches of envelopes, in worker processes or inline.

Each envelope is parsed strictly (canonical DSSE, at most 65,535 bytes) and every
signature is verified over PAE with the key its key id names among *all* keys the
registry ever enrolled (whether the key was valid at that point in the log is the
judge's business, in the main process). The worker also does the rest of the judge's
work that depends on the envelope alone — its hash, its Merkle leaf hash, its payload's
schema — and sends back what it found with the payload's bytes, which the main process
reads again without checks (``accepted_payload``: cheaper than unpickling the parsed value).
Results come back in submission order; the main process keeps a window of batches in
flight, so the workers verify ahead while it replays (``Pipeline``).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, Generic, TypeVar, cast

from verify import collector
from verify.dsse import PAYLOAD_TYPE, Envelope, Signature, parse_envelope, verify_signatures
from verify.errors import LocalizedError
from verify.keys import PublicKey
from verify.merkle import leaf_hash
from verify.process.chain import envelope_hash
from verify.process.judge import MAX_ENVELOPE_BYTES, Prechecked
from verify.process.payload import accepted_payload, parse_payload
from verify.process.schema import check_data, spec_for

Failure = tuple[str, str, str, dict[str, Any]]  # code, en, vi, evidence
# An envelope that passed: its signatures (key id, signature), the payload bytes, the
# envelope hash (hex), whether the payload's data fits its schema. The main process reads
# the payload again without checks (``accepted_payload``): cheaper than unpickling it.
Found = tuple[tuple[tuple[str, bytes], ...], bytes, str, bool]
Result = tuple[Failure | None, Found | None, bytes]  # ... and the Merkle leaf hash
KeySpec = tuple[str, bytes]  # alg, SubjectPublicKeyInfo DER
BATCH = 256
WINDOW = 6  # batches in flight per worker
WORKER_NICE = 5  # the workers' priority below the main process's

_KEYS: dict[str, PublicKey] = {}


def load_keys(specs: Iterable[KeySpec]) -> None:
    """The key ids the registry enrolled and their keys (in this process)."""
    _KEYS.clear()
    for alg, der in specs:
        k = PublicKey(alg, der)
        _KEYS[k.key_id] = k


def _failure(e: LocalizedError) -> Failure:
    return e.code, e.en, e.vi, e.evidence


def check_batch(batch: Sequence[bytes]) -> list[Result]:
    """For each envelope: the strict envelope parse, every signature, then the strict
    payload parse and its schema; the first failure is its result.

    Done stage by stage over the whole batch rather than envelope by envelope: the same
    results, with 7–8 % less CPU measured (the interpreter stays in one stage's code and
    data between signature checks)."""
    leaves = [leaf_hash(data) for data in batch]
    out: list[Result | None] = [None] * len(batch)
    envs: list[Envelope | None] = []
    for i, data in enumerate(batch):
        try:
            envs.append(parse_envelope(data, max_bytes=MAX_ENVELOPE_BYTES))
        except LocalizedError as e:
            out[i] = (_failure(e), None, leaves[i])
            envs.append(None)
    for i, env in enumerate(envs):
        if env is not None:
            try:
                verify_signatures(env, _KEYS)
            except LocalizedError as e:
                out[i] = (_failure(e), None, leaves[i])
                envs[i] = None
    for i, env in enumerate(envs):
        if env is None:
            continue
        try:
            p = parse_payload(env.payload)
        except LocalizedError as e:
            out[i] = (_failure(e), None, leaves[i])
            continue
        try:
            check_data(spec_for(p.type), p.data)
            fits = True
        except Exception:  # noqa: BLE001 - the judge checks again, and refuses in its own order
            fits = False
        sigs = tuple((s.keyid, s.sig) for s in env.signatures)
        out[i] = (None, (sigs, env.payload, envelope_hash(batch[i]), fits), leaves[i])
    return cast(list[Result], out)  # every slot is filled above


def prechecked(data: bytes, found: Found) -> Prechecked:
    """What ``check_batch`` found for ``data``, as the judge takes it: nothing is repeated."""
    sigs, payload, digest, fits = found
    env = Envelope(PAYLOAD_TYPE, payload, tuple(Signature(k, s) for k, s in sigs))
    env.__dict__["raw"] = data  # the canonical bytes (functools.cached_property slot)
    return Prechecked(env, accepted_payload(payload), True, digest=digest, data_checked=fits)


def start_worker(specs: Iterable[KeySpec]) -> None:
    """Process initializer: the keys, and a lower priority than the main process's.

    The main process judges in log order, alone; the workers are many and can run ahead.
    With as many workers as cores, equal priorities would give the main process only a
    share of a core, and the run would wait for it."""
    if hasattr(os, "nice"):
        os.nice(WORKER_NICE)
    load_keys(specs)
    collector.for_worker()


class _Done(Future[list[Result]]):
    def __init__(self, value: list[Result]) -> None:
        super().__init__()
        self.set_result(value)


class Checker:
    """Verifies batches, on ``jobs`` processes (0: in this process)."""

    def __init__(self, keys: Sequence[KeySpec], jobs: int) -> None:
        self.jobs = jobs
        self.pool: Executor | None = None
        if jobs > 0:
            # Fresh worker processes: a forked one would inherit the main process's heap
            # (the registry) and, as either side's refcounts and collector write to it,
            # copy most of it page by page, though it needs only the keys.
            self.pool = ProcessPoolExecutor(
                jobs, mp_context=get_context("spawn"), initializer=start_worker, initargs=(keys,)
            )
        else:
            load_keys(keys)

    def submit(self, batch: list[bytes]) -> Future[list[Result]]:
        if self.pool is None:
            return _Done(check_batch(batch))
        return self.pool.submit(check_batch, batch)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


T = TypeVar("T")


class Pipeline(Generic[T]):
    """Items in order, each envelope item paired with its signature result.

    ``raw_of(item)`` is the envelope bytes of an item, or None for other items (group
    markers), which pass through in order without waiting for a batch to fill.
    """

    def __init__(self, checker: Checker, raw_of: Callable[[T], bytes | None]) -> None:
        self.checker = checker
        self.raw_of = raw_of
        self.window = WINDOW * max(1, checker.jobs)

    def run(self, items: Iterable[T]) -> Iterator[tuple[T, Result | None]]:
        queue: deque[tuple[list[T], Future[list[Result]] | None]] = deque()
        batch: list[T] = []
        raws: list[bytes] = []
        for item in items:
            raw = self.raw_of(item)
            if raw is None:
                if batch:
                    queue.append((batch, self.checker.submit(raws)))
                    batch, raws = [], []
                queue.append(([item], None))
            else:
                batch.append(item)
                raws.append(raw)
                if len(batch) >= BATCH:
                    queue.append((batch, self.checker.submit(raws)))
                    batch, raws = [], []
            while len(queue) > self.window:
                yield from self._drain(queue.popleft())
        if batch:
            queue.append((batch, self.checker.submit(raws)))
        while queue:
            yield from self._drain(queue.popleft())

    @staticmethod
    def _drain(
        entry: tuple[list[T], Future[list[Result]] | None],
    ) -> Iterator[tuple[T, Result | None]]:
        items, future = entry
        if future is None:
            yield items[0], None
            return
        yield from zip(items, future.result(), strict=True)
