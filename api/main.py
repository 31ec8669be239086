"""The web application (composition root): ``uvicorn api.main:create_app --factory``.

``create_app`` builds nothing at import time; the lifespan opens the ledger (``make_ledger``)
and starts the group-commit batcher, and closes both on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import middleware
from api.batcher import Batcher
from api.checkpointer import Checkpointer, Cosigner, default_cosigner, ready_key
from api.comments import Intake, RateLimit
from api.config import STORE_DOWN, Settings, make_ledger, store_unreachable
from api.logkey import LogKey
from api.precheck import Prechecker
from api.readmodels import ReadModels
from api.routes import (
    bundle,
    chains,
    comments,
    evaluations,
    events,
    health,
    impact,
    log,
    pages,
    provinces,
    readmodels,
    registry,
    units,
)
from api.routes.anchors import router as anchors_router
from verify import collector


def create_app(settings: Settings | None = None, cosign: Cosigner | None = None) -> FastAPI:
    """``cosign``: how witnesses are asked to cosign checkpoints (default: no one)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            ledger = make_ledger(settings)
        except STORE_DOWN as e:
            raise RuntimeError(store_unreachable(settings.database_url, e)) from None
        models = ReadModels(settings.database_url)
        models.start()
        prechecker = Prechecker(settings.workers())
        batcher = Batcher(
            metrics.counting(models.submit_many(ledger)),
            prechecker=prechecker,
            key_docs=lambda: ledger.key_docs,
        )
        metrics.watch_log_size(lambda: ledger.recorder.log_head()[0])  # type: ignore[attr-defined]
        await batcher.start()
        key = LogKey(settings.log_key_path, settings.origin or f"minhbach.example/{settings.scope}")
        ready_key(key, ledger.recorder)  # made (and logged) for a log never signed
        checkpoints = Checkpointer(
            ledger, key, settings.witnesses, cosign or default_cosigner(ledger.recorder)
        )
        signing = asyncio.create_task(checkpoints.run(settings.checkpoint_interval))
        app.state.checkpoints = checkpoints
        app.state.readmodels = models
        app.state.settings = settings
        app.state.ledger = ledger
        app.state.batcher = batcher
        app.state.intake = Intake(settings.intake_key_path())
        app.state.comment_limit = RateLimit()
        try:
            with collector.service():
                yield
        finally:
            signing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await signing
            await batcher.stop()
            prechecker.close()
            models.close()
            close = getattr(ledger, "close", None)
            if close is not None:
                close()

    app = FastAPI(
        title="Minh Bạch",
        summary="Sổ cái ký số về công nhận xã đạt chuẩn tiếp cận pháp luật",
        version="0.1.0",
        lifespan=lifespan,
    )
    metrics = middleware.install(app, settings)
    routers = (
        events,
        chains,
        evaluations,
        comments,
        bundle,
        units,
        provinces,
        health,
        pages,
        readmodels,
        log,
        registry,
        impact,
    )
    for module in routers:
        app.include_router(module.router)
    app.include_router(anchors_router)  # trust anchors (ADR 0007)
    return app
