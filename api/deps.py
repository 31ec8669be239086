"""Dependencies shared by the routers (``Annotated`` aliases over ``app.state``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.batcher import Batcher
from api.config import Settings
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


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
BatcherDep = Annotated[Batcher, Depends(get_batcher)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
