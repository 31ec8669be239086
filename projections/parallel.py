"""A rebuild in several processes: each folds and projects its share of the provinces.

Every read model of a unit-year depends only on the registry and on the chains of
units in one group of provinces: a commune's evaluation, its round (district or
province), the dashboards and forms of its district and province, and its history
across the 2025 mergers (a legacy unit's successor, a legacy province's successor).
``Partition`` joins provinces linked that way into groups and deals the groups out to
the workers, largest first, so that each worker sees every event its documents depend
on.

The parent streams the log once. For each envelope it decodes only the tail of the
base64 payload, where canonical (sorted-key) JSON puts ``type``, ``unit``, ``v`` and
``year``, and sends the envelope's hash and payload to one worker (a registry event to
all of them). Workers decode and fold what they get, compute their provinces' documents
(``Projector(scope=…)``) and send them back as canonical text; the parent writes them
all in one transaction and hashes them into the digest. The result is byte-identical to
``projections.runner.rebuild`` (tested). If a registry event arriving later links
provinces already dealt to different workers, the parallel rebuild gives up and the
sequential one runs instead.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
import traceback
from binascii import a2b_base64
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from projections.engine import NAMES, Projector, canonical
from projections.fastpath import TrustedReplay, payload_b64, payload_of
from projections.runner import RebuildResult, rebuild
from projections.store import ProjectionStore
from verify import collector
from verify.process.registry import RegistryState
from verify.process.schema import spec_for

_TAIL = 256  # base64 characters: the payload's last 192 bytes hold type, unit, v, year


class Regrouped(Exception):
    """A later registry event linked provinces already dealt to different workers."""


def default_jobs() -> int:
    """The cores, at most 8 — but one process below 4 cores: on 2 cores the reader, two
    workers and the database contend, and the parallel rebuild did not beat the
    sequential one (BENCHMARKS.md)."""
    cores = os.cpu_count() or 1
    return min(cores, 8) if cores >= 4 else 1


def route_key(b64: bytes) -> tuple[str, str]:
    """``(type, unit)`` of a payload, from the tail of its base64 text when it can."""
    if len(b64) % 4 == 0 and len(b64) > _TAIL:
        tail = a2b_base64(b64[-_TAIL:])
        i = tail.rfind(b'"type":"')
        if i >= 0:
            j = tail.index(b'"', i + 8)
            if tail.startswith(b',"unit":"', j + 1):
                return tail[i + 8 : j].decode(), tail[j + 10 : tail.index(b'"', j + 10)].decode()
    doc = json.loads(a2b_base64(b64))
    return str(doc["type"]), str(doc["unit"])


class Partition:
    """Provinces -> worker, joining provinces that share a unit's lineage."""

    def __init__(self, reg: RegistryState, jobs: int, before: Partition | None = None) -> None:
        parent: dict[str, str] = {}

        def find(p: str) -> str:
            while parent.setdefault(p, p) != p:
                parent[p] = parent[parent[p]]
                p = parent[p]
            return p

        def join(a: str, b: str) -> None:
            parent[find(a)] = find(b)

        size: dict[str, int] = {}
        for versions in reg.unit_history.values():
            first = versions[0].province
            find(first)
            for u in versions:
                join(u.province, first)
                if u.successor and u.successor in reg.unit_history:
                    join(reg.unit_history[u.successor][-1].province, first)
                if u.level == "commune":
                    size[u.province] = size.get(u.province, 0) + 1
        groups: dict[str, list[str]] = {}
        for p in sorted(parent):
            groups.setdefault(find(p), []).append(p)
        self.worker: dict[str, int] = {}
        load = [0] * jobs
        old = before.worker if before is not None else {}
        pending = []
        for members in groups.values():
            had = {old[p] for p in members if p in old}
            if len(had) > 1:
                raise Regrouped(members)
            weight = sum(size.get(p, 0) for p in members)
            if had:
                w = had.pop()
                load[w] += weight
                self.worker.update((p, w) for p in members)
            else:
                pending.append((-weight, members))
        for neg, members in sorted(pending):
            w = load.index(min(load))
            load[w] -= neg
            self.worker.update((p, w) for p in members)
        self.reg = reg
        self.units: dict[str, int] = {}

    def worker_of(self, unit: str) -> int:
        w = self.units.get(unit)
        if w is None:
            versions = self.reg.unit_history.get(unit)
            w = self.worker.get(versions[-1].province, 0) if versions else 0
            self.units[unit] = w
        return w

    def scope(self, worker: int) -> set[str]:
        return {p for p, w in self.worker.items() if w == worker}


def _work(inbox: Connection, outbox: Connection) -> None:
    """A worker: fold what the parent sends, then send back its documents as text."""
    try:
        chains = TrustedReplay()
        while True:
            msg = inbox.recv()
            if isinstance(msg, tuple):  # ("end", scope, names)
                break
            for digest, b64 in msg:
                chains.feed_payload(payload_of(a2b_base64(b64)), digest)
        _, scope, names = msg
        changes = Projector(chains, scope=scope).compute(None)
        for n in names:
            items = [(k, canonical(d)) for k, d in changes.get(n, {}).items() if d is not None]
            outbox.send((n, items))
        outbox.send(None)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        outbox.send(("error", traceback.format_exc()))


@collector.long_run()  # entered before the fork: the workers inherit it
def rebuild_parallel(
    store: ProjectionStore,
    names: Sequence[str] = NAMES,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    page: int = 5000,
) -> RebuildResult:
    """``projections.runner.rebuild`` in ``jobs`` worker processes (same documents)."""
    jobs = jobs or default_jobs()
    if jobs < 2 or "fork" not in mp.get_all_start_methods():
        return rebuild(store, names, progress, page)[1]
    t0 = time.perf_counter()
    ctx = mp.get_context("fork")
    pipes = [(ctx.Pipe(duplex=False), ctx.Pipe(duplex=False)) for _ in range(jobs)]
    procs = [
        ctx.Process(target=_work, args=(to_w[0], from_w[1]), daemon=True) for to_w, from_w in pipes
    ]
    for p in procs:
        p.start()
    sends = [to_w[1] for to_w, _ in pipes]
    recvs = [from_w[0] for _, from_w in pipes]
    try:
        done, part = _dispatch(store, sends, progress, page)
        t_fold = time.perf_counter() - t0
        for w, conn in enumerate(sends):
            conn.send(("end", part.scope(w) if part else set(), list(names)))
        texts: dict[str, list[tuple[str, str]]] = {n: [] for n in names}
        for conn in recvs:
            while (msg := conn.recv()) is not None:
                if msg[0] == "error":
                    raise RuntimeError(f"projection worker failed:\n{msg[1]}")
                texts[msg[0]].extend(msg[1])
    except Regrouped:
        _stop(procs)
        return rebuild(store, names, progress, page)[1]
    except BaseException:
        _stop(procs)
        raise
    for p in procs:
        p.join()
    for items in texts.values():
        items.sort()
    digests = store.replace_texts(texts, done)
    return RebuildResult(done, time.perf_counter() - t0, t_fold, digests, jobs)


def _dispatch(
    store: ProjectionStore,
    sends: list[Connection],
    progress: Callable[[int, int], None] | None,
    page: int,
) -> tuple[int, Partition | None]:
    size = store.log_size()
    jobs = len(sends)
    reg = TrustedReplay()  # the registry chain only
    part: Partition | None = None
    stale = True
    batches: list[list[tuple[str, bytes]]] = [[] for _ in range(jobs)]
    done = 0
    for digest, env in store.leaves(0, size, page):
        b64 = payload_b64(env)
        typ, unit = route_key(b64)
        if spec_for(typ).chain == "registry":
            reg.feed_payload(payload_of(a2b_base64(b64)), digest)
            stale = stale or typ == "UnitsRegistered"
            for b in batches:
                b.append((digest, b64))
        else:
            if stale:
                assert reg.reg is not None
                part, stale = Partition(reg.reg, jobs, part), False
            assert part is not None
            batches[part.worker_of(unit)].append((digest, b64))
        done += 1
        if done % page == 0:
            _flush(batches, sends)
            if progress is not None:
                progress(done, size)
    _flush(batches, sends)
    if stale and reg.reg is not None:
        part = Partition(reg.reg, jobs, part)
    if progress is not None:
        progress(done, size)
    return done, part


def _flush(batches: list[list[tuple[str, bytes]]], sends: list[Connection]) -> None:
    for w, b in enumerate(batches):
        if b:
            sends[w].send(b)
            batches[w] = []


def _stop(procs: list[Any]) -> None:
    for p in procs:
        if p.is_alive():
            p.terminate()
        p.join()
