"""The stored read models in the web app: in-process on SQLite, a runner's on PostgreSQL.

``MINHBACH_PROJECTIONS``: ``inprocess`` (the default for SQLite: the batcher's worker
thread brings the projections up to date after each committed batch) or ``external``
(the default for PostgreSQL: ``python -m projections run`` in its own process keeps
them current and the app only reads). A request that has just written passes
``?after=<log index of its receipt>`` and waits until the projections have read past
it, at most ``wait`` seconds, else it gets a 503 problem+json it can retry.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from typing import Any

from api.problems import ApiProblem
from domain.ledger import Ledger, Outcome
from projections.engine import NAMES
from projections.runner import Runner
from projections.store import ProjectionStore

log = logging.getLogger("minhbach.projections")
MAX_WAIT = 10.0


class ReadModels:
    def __init__(self, url: str, mode: str | None = None) -> None:
        self.store = ProjectionStore(url)
        default = "external" if self.store.postgres else "inprocess"
        self.mode = mode or os.environ.get("MINHBACH_PROJECTIONS", default)
        self.runner = Runner(self.store) if self.mode == "inprocess" else None

    def start(self) -> None:
        if self.runner is not None:
            self.runner.start()

    def submit_many(self, ledger: Ledger):  # type: ignore[no-untyped-def]
        """``ledger.submit_many``, then (in-process) the projections catch up."""

        def submit(items: Sequence[bytes], pre: Any = None) -> list[Outcome]:
            outcomes = ledger.submit_many(items, pre)
            if self.runner is not None:
                try:
                    self.runner.catch_up()
                except Exception:  # the write stands; the next batch or a restart retries
                    log.exception("projection catch-up failed")
            return outcomes

        return submit

    async def wait(self, after: int | None, wait: float) -> None:
        """Return once the log index ``after`` is reflected, or raise 503."""
        if after is None:
            return
        size = await asyncio.to_thread(self.store.log_size)
        if after >= size:  # not a write anyone was told about: nothing to wait for
            raise ApiProblem(
                404, "unknown_log_index", "No such log index",
                f"log index {after} does not exist (the log has {size} entries)",
                f"chỉ mục {after} không có trong sổ (sổ có {size} mục)",
                after=after, log_size=size,
            )  # fmt: skip
        ok = await asyncio.to_thread(self.store.wait_for, after, NAMES, min(wait, MAX_WAIT))
        if not ok:
            position = await asyncio.to_thread(self.store.position, NAMES)
            raise ApiProblem(
                503, "projection_behind", "Read model not caught up",
                f"the read models have not yet reached log index {after} (at {position})",
                f"bảng dữ liệu đọc chưa cập nhật tới chỉ mục {after} của sổ (mới tới {position})",
                after=after, position=position,
            )  # fmt: skip

    def close(self) -> None:
        self.store.close()
