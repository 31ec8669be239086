"""GET /v1/provinces/{year}: every commune-level unit of the province in one year."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from api.deps import CacheDep, ReadsDep
from api.openapi import problems
from api.pagination import DEFAULT_LIMIT, Cursor, Limit, link_next, paginate
from api.views import province_of
from projections.overview import counts, province_overview

router = APIRouter(prefix="/v1/provinces", tags=["provinces"])


def row_key(row: dict[str, Any]) -> str:
    """Rows come sorted by district, then code; "/" sorts before every digit."""
    return f"{row['district']['code'] or ''}/{row['code']}"


@router.get(
    "/{year}",
    summary="Kết quả toàn tỉnh trong một năm / The province's results in one year",
    description="`counts` covers every unit; `units` is one page of them (`limit`, `cursor`; "
    "the next page is in `next` and in the `Link` header).",
    responses=problems(422),
)
def get_province(
    request: Request,
    response: Response,
    ledger: ReadsDep,
    cache: CacheDep,
    year: Annotated[int, Path(ge=2000, le=2100, description="Năm đánh giá / year")],
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    rows = cache.get(("province_overview", year), lambda: province_overview(ledger, year)).value
    province = cache.get("province", lambda: province_of(ledger)).value
    page = paginate(rows, row_key, limit, cursor)
    return {
        "province": province,
        "year": year,
        "counts": counts(rows),
        "units": page.items,
        "next": link_next(request, response, page),
    }
