"""Keyset pagination for list endpoints: ``?limit=N&cursor=C``.

A list is sorted by a text key (a unit's code, or district then code). The cursor is the
key of the last item of the previous page (clients should still treat it as opaque); the
next page holds the items whose key sorts after it. Every string of the cursor's pattern
is a place in that order, so no cursor is "invalid": one that was never handed out simply
starts after the place it names. Unlike an offset, a cursor does not skip or repeat items
when the list grows between two requests (units are only ever added by the registry). The next page's address goes in the response's
``Link`` header with ``rel="next"`` (RFC 8288 §3) and, for object bodies, in ``next``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request, Response

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

Limit = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description="Số mục mỗi trang / items per page (1–1000)"),
]
Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        pattern=r"^[0-9A-Za-z/._-]+$",
        description="Con trỏ trang sau (từ `Link` hoặc `next`) / next-page cursor",
    ),
]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def paginate(
    items: Sequence[T], key: Callable[[T], str], limit: int, cursor: str | None
) -> Page[T]:
    """The page of ``items`` (sorted by ``key``) after ``cursor``."""
    keys = [key(i) for i in items]
    start = bisect_right(keys, cursor) if cursor else 0
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    return Page(chunk, key(chunk[-1]) if more and chunk else None)


def link_next(request: Request, response: Response, page: Page[T]) -> str | None:
    """Set ``Link: <…>; rel="next"`` and return the next page's URL (or None)."""
    if page.next_cursor is None:
        return None
    url = str(request.url.include_query_params(cursor=page.next_cursor))
    response.headers["Link"] = f'<{url}>; rel="next"'
    return url
