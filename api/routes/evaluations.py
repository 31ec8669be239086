"""GET /v1/evaluations/{unit_code}/{year}: one unit's evaluation status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.deps import CacheDep, ReadsDep
from api.openapi import problems
from api.problems import not_found
from projections.status import evaluation_status

router = APIRouter(prefix="/v1/evaluations", tags=["evaluations"])

UnitCode = Annotated[
    str,
    Path(
        pattern=r"^\d{5}$",
        description="Mã đơn vị hành chính cấp xã (5 chữ số) / commune code (5 digits)",
    ),
]
Year = Annotated[int, Path(ge=2000, le=2100, description="Năm đánh giá / year")]


@router.get(
    "/{unit_code}/{year}",
    summary="Tình trạng hồ sơ đánh giá của một xã trong một năm / One commune's evaluation in one year",
    responses=problems(404, 422),
)
def get_evaluation(
    ledger: ReadsDep, cache: CacheDep, unit_code: UnitCode, year: Year
) -> dict[str, Any]:
    key = ("evaluation_status", unit_code, year)
    status = cache.get(key, lambda: evaluation_status(ledger, unit_code, year)).value
    if status is None:
        raise not_found(
            f"no evaluation of {unit_code} for {year}",
            f"chưa có hồ sơ đánh giá của đơn vị {unit_code} năm {year}",
            unit=unit_code,
            year=year,
        )
    return status
