"""GET /v1/provinces/{year}: every commune-level unit of the province in one year."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.deps import LedgerDep
from projections.overview import counts, province_overview

router = APIRouter(prefix="/v1/provinces", tags=["provinces"])


@router.get("/{year}", summary="Kết quả toàn tỉnh trong một năm")
def get_province(ledger: LedgerDep, year: Annotated[int, Path(ge=2000, le=2100)]) -> dict[str, Any]:
    reg = ledger.registry()
    rows = province_overview(ledger, year)
    province = reg.units.get(reg.unit) if reg is not None else None
    return {
        "province": {
            "code": reg.unit if reg is not None else None,
            "name": province.name if province is not None else None,
        },
        "year": year,
        "counts": counts(rows),
        "units": rows,
    }
