"""Read models served from the stored projections (``?after=`` to see one's own write).

- ``GET /v1/history/{unit}``: a unit's years, across the 2025 mergers;
- ``GET /v1/dashboards/{unit}/{year}``: a province's or district's year;
- ``GET /v1/findings?year=&unit=``: the findings register;
- ``GET /v1/reports/{form}/{unit}/{year}?format=json|csv``: forms 08, 09, 10;
- ``GET /v1/read/evaluations/{unit}/{year}``: the stored evaluation status;
- ``GET /v1/projections``: how far each projection has read the log.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from api.openapi import problems
from api.problems import not_found
from api.readmodels import ReadModels
from projections.reports import to_csv

router = APIRouter(prefix="/v1", tags=["read models"])


def get_models(request: Request) -> ReadModels:
    models: ReadModels = request.app.state.readmodels
    return models


ModelsDep = Annotated[ReadModels, Depends(get_models)]
After = Annotated[int | None, Query(ge=0, description="chỉ mục sổ đã ghi / log index to wait for")]
Wait = Annotated[float, Query(ge=0, le=10, description="giây chờ tối đa / seconds to wait")]
Year = Annotated[int, Path(ge=2000, le=2100)]
UnitCode = Annotated[str, Path(pattern=r"^(\d{2}|\d{3}|\d{5})$")]


def _doc(models: ReadModels, name: str, key: str) -> dict[str, Any]:
    text = models.store.get(name, key)
    if text is None:
        raise not_found(f"no {name} document {key}", f"không có dữ liệu {name} {key}", key=key)
    doc: dict[str, Any] = json.loads(text)
    return doc


@router.get(
    "/projections",
    summary="Tiến độ cập nhật bảng dữ liệu đọc / Read models' progress",
    responses=problems(422),
)
def positions(models: ModelsDep) -> dict[str, Any]:
    return {"log_size": models.store.log_size(), "positions": models.store.positions(),
            "mode": models.mode}  # fmt: skip


@router.get(
    "/read/evaluations/{unit}/{year}",
    summary="Tình trạng hồ sơ (bảng đọc) / Evaluation status (read model)",
    responses=problems(404, 422, 503),
)
async def read_evaluation(
    models: ModelsDep, unit: UnitCode, year: Year, after: After = None, wait: Wait = 5.0
) -> dict[str, Any]:
    await models.wait(after, wait)
    return _doc(models, "evaluations", f"{unit}/{year}")


@router.get(
    "/history/{unit}",
    summary="Lịch sử đánh giá của một đơn vị qua các năm / A unit's history across years",
    responses=problems(404, 422, 503),
)
async def history(
    models: ModelsDep, unit: UnitCode, after: After = None, wait: Wait = 5.0
) -> dict[str, Any]:
    await models.wait(after, wait)
    return _doc(models, "history", unit)


@router.get(
    "/dashboards/{unit}/{year}",
    summary="Bảng tổng hợp của tỉnh hoặc huyện / Province or district dashboard",
    responses=problems(404, 422, 503),
)
async def dashboards(
    models: ModelsDep, unit: UnitCode, year: Year, after: After = None, wait: Wait = 5.0
) -> dict[str, Any]:
    await models.wait(after, wait)
    return _doc(models, "dashboards", f"{unit}/{year}")


@router.get(
    "/findings",
    summary="Sổ theo dõi các phát hiện vi phạm / Findings register",
    responses=problems(404, 422, 503),
)
async def findings(
    models: ModelsDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    unit: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    after: After = None,
    wait: Wait = 5.0,
) -> dict[str, Any]:
    await models.wait(after, wait)
    rows = [json.loads(d) for _, d in models.store.scan("findings", f"{unit}/" if unit else "")]
    rows = [r for r in rows if year is None or r["year"] == year]
    return {"year": year, "unit": unit, "count": sum(len(r["findings"]) for r in rows),
            "entries": rows}  # fmt: skip


@router.get(
    "/reports/{form}/{unit}/{year}",
    summary="Mẫu 08, 09, 10 (JSON hoặc CSV) / Forms 08, 09, 10 (JSON or CSV)",
    responses=problems(404, 422, 503),
)
async def report(
    models: ModelsDep,
    form: Literal["form08", "form09", "form10"],
    unit: UnitCode,
    year: Year,
    format: Literal["json", "csv"] = "json",
    after: After = None,
    wait: Wait = 5.0,
) -> Response:
    await models.wait(after, wait)
    doc = _doc(models, "reports", f"{form[4:]}/{unit}/{year}")
    if format == "csv":
        return Response(
            "\ufeff" + to_csv(doc),  # BOM: spreadsheet programs then read UTF-8
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="mau-{form[4:]}-{unit}-{year}.csv"'
            },
        )
    return Response(json.dumps(doc, ensure_ascii=False), media_type="application/json")
