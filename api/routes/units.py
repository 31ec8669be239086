"""GET /v1/units: the registered administrative units."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from api.deps import LedgerDep
from projections.overview import units

router = APIRouter(prefix="/v1", tags=["units"])


@router.get("/units", summary="Danh sách đơn vị hành chính đã đăng ký")
def list_units(
    ledger: LedgerDep, level: Literal["commune", "district", "province"] | None = None
) -> list[dict[str, Any]]:
    return units(ledger, level)
