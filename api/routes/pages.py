"""Public pages: ``/`` (the province at a glance), ``/p/{year}``, ``/u/{unit_code}/{year}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from api.deps import LedgerDep
from api.pages import render
from domain.ledger import Ledger
from projections.overview import counts, province_overview, years_with_data
from projections.status import evaluation_status

router = APIRouter(include_in_schema=False)

YearPath = Annotated[int, Path(ge=2000, le=2100)]


def _province(ledger: Ledger) -> dict[str, str | None]:
    reg = ledger.registry()
    if reg is None:
        return {"code": None, "name": None}
    unit = reg.units.get(reg.unit)
    return {"code": reg.unit, "name": unit.name if unit else reg.name}


def chart(c: dict[str, int]) -> list[dict[str, object]]:
    """Bars of the inline SVG chart: key, count and width in percent of the largest."""
    keys = ("meeting", "not_meeting", "pending", "no_evaluation")
    top = max([c[k] for k in keys] + [1])
    return [{"key": k, "count": c[k], "width": round(100 * c[k] / top, 1)} for k in keys]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ledger: LedgerDep) -> HTMLResponse:
    years = years_with_data(ledger)
    rows = province_overview(ledger, years[0]) if years else []
    c = counts(rows)
    return render(
        request, "home.html",
        province=_province(ledger), years=years, year=years[0] if years else None,
        counts=c, bars=chart(c),
    )  # fmt: skip


@router.get("/p/{year}", response_class=HTMLResponse)
def province_page(request: Request, ledger: LedgerDep, year: YearPath) -> HTMLResponse:
    rows = province_overview(ledger, year)
    c = counts(rows)
    return render(
        request, "province.html",
        province=_province(ledger), year=year, rows=rows, counts=c, bars=chart(c),
    )  # fmt: skip


@router.get("/u/{unit_code}/{year}", response_class=HTMLResponse)
def unit_page(
    request: Request,
    ledger: LedgerDep,
    unit_code: Annotated[str, Path(pattern=r"^\d{5}$")],
    year: YearPath,
) -> HTMLResponse:
    status = evaluation_status(ledger, unit_code, year)
    if status is None:
        return render(
            request, "not_found.html", status_code=404,
            province=_province(ledger), unit=unit_code, year=year,
        )  # fmt: skip
    return render(request, "unit.html", province=_province(ledger), s=status, year=year)
