"""Signature checks for batches of envelopes, in worker processes or inline.

Each envelope is parsed strictly (canonical DSSE, at most 65,535 bytes) and every
signature is verified over PAE with the key its key id names among *all* keys the
registry ever enrolled (whether the key was valid at that point in the log is the
judge's business, in the main process). Results come back in submission order; the
main process keeps a window of batches in flight, so the workers verify ahead while it
replays (``Pipeline``).
"""

from __future__ import annotations

import json
import os
from binascii import a2b_base64
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import Any, Generic, TypeVar

from verify.dsse import Envelope, Signature, parse_envelope, verify_signatures
from verify.errors import LocalizedError
from verify.keys import PublicKey
from verify.process.judge import MAX_ENVELOPE_BYTES
from verify.process.payload import Payload, parse_payload

Failure = tuple[str, str, str, dict[str, Any]]  # code, en, vi, evidence
KeySpec = tuple[str, bytes]  # alg, SubjectPublicKeyInfo DER
BATCH = 256
WINDOW = 6  # batches in flight per worker

_KEYS: dict[str, PublicKey] = {}
_decode = json.JSONDecoder().decode


def load_keys(specs: Iterable[KeySpec]) -> None:
    """Process initializer: the key ids the registry enrolled and their keys."""
    _KEYS.clear()
    for alg, der in specs:
        k = PublicKey(alg, der)
        _KEYS[k.key_id] = k


def check_one(data: bytes) -> Failure | None:
    """Strict envelope parse, every signature, then the strict payload parse."""
    try:
        env = parse_envelope(data, max_bytes=MAX_ENVELOPE_BYTES)
        verify_signatures(env, _KEYS)
        parse_payload(env.payload)
    except LocalizedError as e:
        return (e.code, e.en, e.vi, e.evidence)
    return None


def trusted_parse(data: bytes) -> tuple[Envelope, Payload]:
    """Envelope and payload of bytes that ``check_one`` accepted: a plain ``json.loads``
    suffices, since the worker checked these exact bytes strictly."""
    doc = _decode(data.decode("ascii"))
    sigs = tuple(Signature(s["keyid"], a2b_base64(s["sig"])) for s in doc["signatures"])
    env = Envelope(doc["payloadType"], a2b_base64(doc["payload"]), sigs)
    env.__dict__["raw"] = data  # the canonical bytes (functools.cached_property slot)
    p = _decode(env.payload.decode("utf-8"))
    t = p["time"]
    when = datetime(int(t[0:4]), int(t[5:7]), int(t[8:10]), int(t[11:13]), int(t[14:16]),
                    int(t[17:19]), tzinfo=UTC)  # fmt: skip
    payload = Payload(p["type"], p["v"], p["unit"], p["year"], p["prev"], tuple(p["signers"]),
                      when, p["data"])  # fmt: skip
    return env, payload


def check_batch(batch: Sequence[bytes]) -> list[Failure | None]:
    return [check_one(data) for data in batch]


class _Done(Future[list[Failure | None]]):
    def __init__(self, value: list[Failure | None]) -> None:
        super().__init__()
        self.set_result(value)


class Checker:
    """Verifies batches, on ``jobs`` processes (0: in this process)."""

    def __init__(self, keys: Sequence[KeySpec], jobs: int) -> None:
        self.jobs = jobs
        self.pool: Executor | None = None
        if jobs > 0:
            method = "fork" if "fork" in _methods() else "spawn"
            self.pool = ProcessPoolExecutor(
                jobs, mp_context=get_context(method), initializer=load_keys, initargs=(keys,)
            )
        else:
            load_keys(keys)

    def submit(self, batch: list[bytes]) -> Future[list[Failure | None]]:
        if self.pool is None:
            return _Done(check_batch(batch))
        return self.pool.submit(check_batch, batch)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _methods() -> list[str]:
    from multiprocessing import get_all_start_methods

    return get_all_start_methods()


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

    def run(self, items: Iterable[T]) -> Iterator[tuple[T, Failure | None]]:
        queue: deque[tuple[list[T], Future[list[Failure | None]] | None]] = deque()
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
        entry: tuple[list[T], Future[list[Failure | None]] | None],
    ) -> Iterator[tuple[T, Failure | None]]:
        items, future = entry
        if future is None:
            yield items[0], None
            return
        yield from zip(items, future.result(), strict=True)
