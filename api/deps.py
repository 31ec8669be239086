"""Dependencies shared by the routers (``Annotated`` aliases over ``app.state``).

They are ``async`` so FastAPI calls them inline instead of hopping to a worker thread.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.batcher import Batcher
from api.config import Settings
from api.pagecache import BoundCache, PageCache, Version
from api.readcache import CachedReads
from api.views import Stored
from domain.ledger import Ledger
from projections.engine import NAMES


async def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


async def get_batcher(request: Request) -> Batcher:
    batcher: Batcher = request.app.state.batcher
    return batcher


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _caches(request: Request) -> tuple[PageCache, PageCache]:
    """The app's caches of pages and of aggregates (made on first use)."""
    caches: tuple[PageCache, PageCache] | None = getattr(request.app.state, "caches", None)
    if caches is None:
        ledger = request.app.state.ledger
        size = lambda: int(ledger.recorder.log_head()[0])  # noqa: E731
        caches = (PageCache(size), PageCache(size, maxsize=8192))
        request.app.state.caches = caches
    return caches


def _version(request: Request) -> Version:
    """The ledger's version for this request, read once (``api.pagecache``)."""
    version: Version | None = getattr(request.state, "ledger_version", None)
    if version is None:
        version = _caches(request)[0].version()
        request.state.ledger_version = version
    return version


def cache_for(request: Request) -> BoundCache:
    """Rendered pages and read answers, at this request's version of the ledger."""
    return BoundCache(_caches(request)[0], _version(request))


def reads_for(request: Request) -> Ledger:
    """The ledger for read models: aggregates shared per version (``api.readcache``)."""
    cache = BoundCache(_caches(request)[1], _version(request))
    return CachedReads(request.app.state.ledger, cache)  # type: ignore[return-value]


def stored_for(request: Request, province: str | None) -> Stored | None:
    """The stored read models for a page, if they have caught up with this request's
    version of the log (else None: the page is computed from the aggregates)."""
    models = getattr(request.app.state, "readmodels", None)
    if models is None or province is None:
        return None
    if models.store.position(NAMES) < _version(request)[0]:
        return None
    return Stored(models.store, province)


async def get_cache(request: Request) -> BoundCache:
    return cache_for(request)


async def get_reads(request: Request) -> Ledger:
    return reads_for(request)


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
ReadsDep = Annotated[Ledger, Depends(get_reads)]
CacheDep = Annotated[BoundCache, Depends(get_cache)]
BatcherDep = Annotated[Batcher, Depends(get_batcher)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
