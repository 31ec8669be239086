"""Group commit: concurrent submissions share one ledger transaction.

Requests put their envelope on an asyncio queue and await their own ``Outcome``. A
gathering task takes the first waiting envelope, gathers more until ``max_batch`` are
waiting or ``max_wait`` has passed, and has the batch prechecked (parsed and its
signatures verified) in worker processes (``api.precheck``); a committing task hands each
prechecked batch to ``Ledger.submit_many`` on a worker thread, one batch at a time. The
two stages overlap: while one batch commits, the next is gathered and prechecked. Under
load the queue fills while a batch commits, so batches grow and the fsync cost is
shared; alone, a request waits at most ``max_wait``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.precheck import KeyDocs, Prechecker
from domain.ledger import Outcome

SubmitMany = Callable[..., list[Outcome]]


@dataclass
class _Item:
    data: bytes
    future: asyncio.Future[Outcome]


class Batcher:
    def __init__(
        self,
        submit_many: SubmitMany,
        max_batch: int = 256,
        max_wait: float = 0.005,
        prechecker: Prechecker | None = None,
        key_docs: Callable[[], KeyDocs] | None = None,
    ):
        self.submit_many = submit_many
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.prechecker = prechecker
        self.key_docs = key_docs or dict
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self._ready: asyncio.Queue[tuple[list[_Item], Any] | None] = asyncio.Queue(maxsize=1)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._gather_loop(), name="ledger-batcher-gather"),
                asyncio.create_task(self._commit_loop(), name="ledger-batcher-commit"),
            ]

    async def stop(self) -> None:
        """Finish what is queued, then stop both stages."""
        if self._tasks:
            await self._queue.put(None)
            await asyncio.gather(*self._tasks)
            self._tasks = []

    async def submit(self, data: bytes) -> Outcome:
        if not self._tasks:
            raise RuntimeError("the batcher is not running")
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Item(data, future))
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

    async def _gather(self, first: _Item) -> tuple[list[_Item], bool]:
        """The batch that starts with ``first``; True if a stop was requested."""
        batch = [first]
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                item = (
                    self._queue.get_nowait()
                    if remaining <= 0 or not self._queue.empty()
                    else await asyncio.wait_for(self._queue.get(), remaining)
                )
            except (asyncio.QueueEmpty, TimeoutError):
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    async def _gather_loop(self) -> None:
        stopping = False
        try:
            while not stopping:
                first = await self._queue.get()
                if first is None:
                    break
                batch, stopping = await self._gather(first)
                live = [i for i in batch if not i.future.done()]
                if live:
                    await self._ready.put((live, await self._precheck(live)))
        finally:
            await self._ready.put(None)

    async def _precheck(self, items: list[_Item]) -> Any:
        if self.prechecker is None:
            return None
        try:
            return await self.prechecker.run([i.data for i in items], self.key_docs())
        except Exception:  # noqa: BLE001 - a broken pool only costs speed: judge in full
            return None

    async def _commit_loop(self) -> None:
        while (ready := await self._ready.get()) is not None:
            items, pre = ready
            await self._commit(items, pre)

    async def _commit(self, items: list[_Item], pre: Any = None) -> None:
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
