"""Group commit: concurrent submissions share one ledger transaction.

Requests put their envelope on an asyncio queue and await their own ``Outcome``. Two
tasks share the work:

- the *precheck* task takes whatever is queued (at once, up to ``max_batch``), has it
  prechecked — parsed and its signatures verified — in worker processes
  (``api.precheck``, when there are any), and hands it on;
- the *commit* task, whenever the ledger is free, takes everything handed on so far (up to
  ``max_batch``) and submits it as one batch to ``Ledger.submit_many`` on a worker thread.

So a batch is what arrived while the previous one was committing: alone, a request is
committed at once (no fixed wait); under load batches grow by themselves and share the
transaction's cost; prechecks overlap commits. Order is kept: each envelope is judged after
the ones queued before it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from api.precheck import KeyDocs, Prechecker
from domain.ledger import Outcome

SubmitMany = Callable[..., list[Outcome]]


@dataclass
class _Item:
    data: bytes
    future: asyncio.Future[Outcome]


@dataclass
class _Chunk:
    items: list[_Item]
    pre: Sequence[Any] | None  # one precheck result per item, or None: the ledger judges in full


class Batcher:
    def __init__(
        self,
        submit_many: SubmitMany,
        max_batch: int = 256,
        prechecker: Prechecker | None = None,
        key_docs: Callable[[], KeyDocs] | None = None,
    ):
        self.submit_many = submit_many
        self.max_batch = max_batch
        self.prechecker = prechecker
        self.key_docs = key_docs or dict
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self._ready: deque[_Chunk | None] = deque()  # None: stop after what is before it
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._precheck_loop(), name="ledger-batcher-precheck"),
                asyncio.create_task(self._commit_loop(), name="ledger-batcher-commit"),
            ]

    async def stop(self) -> None:
        """Finish what is queued, then stop both tasks."""
        if self._tasks:
            await self._queue.put(None)
            await asyncio.gather(*self._tasks)
            self._tasks = []

    async def submit(self, data: bytes) -> Outcome:
        if not self._tasks:
            raise RuntimeError("the batcher is not running")
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Item(data, future))
        return await future

    async def submit_all(self, datas: list[bytes]) -> list[Outcome]:
        """Several envelopes, queued together in this order: each is judged after the ones
        before it (so one client's chain can go in one request), in shared batches."""
        if not self._tasks:
            raise RuntimeError("the batcher is not running")
        loop = asyncio.get_running_loop()
        items = [_Item(d, loop.create_future()) for d in datas]
        for item in items:
            self._queue.put_nowait(item)  # unbounded: never blocks, so nothing interleaves
        return list(await asyncio.gather(*(i.future for i in items)))

    def _hand_on(self, chunk: _Chunk | None) -> None:
        self._ready.append(chunk)
        self._wake.set()

    async def _precheck_loop(self) -> None:
        try:
            while True:
                first = await self._queue.get()
                if first is None:
                    break
                items, stopping = [first], False
                while len(items) < self.max_batch and not self._queue.empty():
                    item = self._queue.get_nowait()
                    if item is None:
                        stopping = True
                        break
                    items.append(item)
                live = [i for i in items if not i.future.done()]
                if live:
                    self._hand_on(_Chunk(live, await self._precheck(live)))
                if stopping:
                    break
        finally:
            self._hand_on(None)

    async def _precheck(self, items: list[_Item]) -> Sequence[Any] | None:
        if self.prechecker is None:
            return None
        try:
            return await self.prechecker.run([i.data for i in items], self.key_docs())
        except Exception:  # noqa: BLE001 - a broken pool only costs speed: judge in full
            return None

    def _take(self) -> tuple[list[_Item], list[Any], bool]:
        """What was handed on so far, up to ``max_batch`` (whole chunks); True: stop after."""
        items: list[_Item] = []
        pre: list[Any] = []
        while self._ready:
            chunk = self._ready[0]
            if chunk is None:
                self._ready.popleft()
                return items, pre, True
            if items and len(items) + len(chunk.items) > self.max_batch:
                break
            self._ready.popleft()
            items.extend(chunk.items)
            pre.extend(chunk.pre if chunk.pre is not None else [None] * len(chunk.items))
        return items, pre, False

    async def _commit_loop(self) -> None:
        stopping = False
        while not stopping:
            while not self._ready:
                self._wake.clear()
                await self._wake.wait()
            items, pre, stopping = self._take()
            if items:
                await self._commit(items, pre if any(p is not None for p in pre) else None)

    async def _commit(self, items: list[_Item], pre: Sequence[Any] | None = None) -> None:
        """Submit a batch; if it fails unexpectedly, retry one by one so only the
        envelope that causes the failure gets the error (nothing of a failed batch
        was stored: ``submit_many`` writes in one transaction)."""
        try:
            args = [i.data for i in items]
            outcomes = await asyncio.to_thread(
                self.submit_many, args, *([pre] if pre is not None else [])
            )
        except Exception as e:
            if len(items) > 1:
                for item in items:
                    await self._commit([item])
                return
            if not items[0].future.done():
                items[0].future.set_exception(e)
            return
        for i, outcome in zip(items, outcomes, strict=True):
            if not i.future.done():
                i.future.set_result(outcome)
