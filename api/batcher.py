"""Group commit: concurrent submissions share one ledger transaction.

Requests put their envelope on an asyncio queue and await their own ``Outcome``. One
worker task takes the first waiting envelope, gathers more until ``max_batch`` are
waiting or ``max_wait`` has passed, and hands the batch to ``Ledger.submit_many`` on a
worker thread (``asyncio.to_thread``), one batch at a time. Under load the queue fills
while a batch commits, so batches grow and the fsync cost is shared; alone, a request
waits at most ``max_wait``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from domain.ledger import Outcome

SubmitMany = Callable[[Sequence[bytes]], list[Outcome]]


@dataclass
class _Item:
    data: bytes
    future: asyncio.Future[Outcome]


class Batcher:
    def __init__(self, submit_many: SubmitMany, max_batch: int = 256, max_wait: float = 0.005):
        self.submit_many = submit_many
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ledger-batcher")

    async def stop(self) -> None:
        """Finish what is queued, then stop the worker."""
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None

    async def submit(self, data: bytes) -> Outcome:
        if self._task is None:
            raise RuntimeError("the batcher is not running")
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Item(data, future))
        return await future

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

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            batch, stopping = await self._gather(first)
            live = [i for i in batch if not i.future.done()]
            if not live:
                continue
            await self._commit(live)

    async def _commit(self, items: list[_Item]) -> None:
        """Submit a batch; if it fails unexpectedly, retry one by one so only the
        envelope that causes the failure gets the error (nothing of a failed batch
        was stored: ``submit_many`` writes in one transaction)."""
        try:
            outcomes = await asyncio.to_thread(self.submit_many, [i.data for i in items])
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
