"""GET /v1/units: the registered administrative units, a page at a time."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response

from api.deps import CacheDep, ReadsDep
from api.openapi import problems
from api.pagination import DEFAULT_LIMIT, Cursor, Limit, link_next, paginate
from projections.overview import units

router = APIRouter(prefix="/v1", tags=["units"])


@router.get(
    "/units",
    summary="Danh sách đơn vị hành chính đã đăng ký / Registered administrative units",
    description="Sắp xếp theo mã; trang sau ở header `Link` / sorted by code; the next "
    'page is in the `Link: <…>; rel="next"` header.',
    responses=problems(422),
)
def list_units(
    request: Request,
    response: Response,
    ledger: ReadsDep,
    cache: CacheDep,
    level: Literal["commune", "district", "province"] | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> list[dict[str, Any]]:
    every = cache.get(("units", level), lambda: units(ledger, level)).value
    page = paginate(every, lambda u: str(u["code"]), limit, cursor)
    link_next(request, response, page)
    return page.items
