"""Dependencies shared by the routers (``Annotated`` aliases over ``app.state``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.batcher import Batcher
from api.config import Settings
from api.pagecache import PageCache
from domain.ledger import Ledger


def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


def get_batcher(request: Request) -> Batcher:
    batcher: Batcher = request.app.state.batcher
    return batcher


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_cache(request: Request) -> PageCache:
    """The app's cache of pages and reads (``api.pagecache``), made on first use."""
    cache: PageCache | None = getattr(request.app.state, "page_cache", None)
    if cache is None:
        ledger = request.app.state.ledger
        cache = PageCache(lambda: int(ledger.recorder.log_head()[0]))
        request.app.state.page_cache = cache
    return cache


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
CacheDep = Annotated[PageCache, Depends(get_cache)]
BatcherDep = Annotated[Batcher, Depends(get_batcher)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
