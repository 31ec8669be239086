"""Public pages: ``/`` (the province at a glance), ``/p/{year}`` (every unit, filters),
``/u/{unit_code}/{year}`` (one unit's year), ``/verify`` (how to check it yourself) and
``/log`` (the transparency log; the log router owns ``/log/checkpoint`` and ``/log/tile/…``).

What each page shows is built in ``api.views``; rendered pages are kept in
``api.pagecache`` until the ledger changes.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api import views
from api.config import Settings
from api.deps import cache_for, reads_for, stored_for
from api.pages import html_response, language, render_html
from api.urls import LiveUrls
from domain.ledger import Ledger

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Rendered:
    """A rendered page, encoded once: as is and gzip-compressed (a 36 kB unit page is
    about 5 kB compressed, which matters on a phone's connection)."""

    body: bytes
    gzip: bytes
    status: int

    @classmethod
    def of(cls, html: str, status: int) -> Rendered:
        body = html.encode()
        return cls(body, gzip.compress(body, compresslevel=6, mtime=0), status)


YearPath = Annotated[int, Path(ge=2000, le=2100)]
UnitPath = Annotated[str, Path(pattern=r"^\d{5}$")]
Text = Annotated[str | None, Query(max_length=80)]


async def page(
    request: Request, template: str,
    build: Callable[[Ledger, views.Stored | None], dict[str, Any] | None],
    missing: Callable[[Ledger], dict[str, Any]] | None = None, extra_key: object = None,
) -> Response:  # fmt: skip
    """Render ``template`` with ``build()`` (or ``not_found.html`` with ``missing()`` when
    it gives None), through the page cache, answering 304 to a matching If-None-Match.

    A page already kept is answered on the event loop, as encoded bytes; building one
    (read models, then the template) runs on a worker thread, so a slow render never
    holds up the others. ``build`` and ``missing`` get the read-only ledger
    (``api.readcache``), made only when a page must be built; ``build`` also gets the
    stored read models when they are current (``api.deps.stored_for``)."""
    lang = language(request)
    urls = LiveUrls(lang, request.url.path, dict(request.query_params))
    query = tuple(sorted(request.query_params.multi_items()))
    key = (str(request.base_url), request.url.path, lang, query, extra_key)

    def make() -> Rendered:
        reads = reads_for(request)
        context = build(reads, stored_for(request, views.province_of(reads)["code"]))
        if context is None:
            ctx = missing(reads) if missing else {}
            return Rendered.of(render_html("not_found.html", lang, urls, **ctx), 404)
        return Rendered.of(render_html(template, lang, urls, **context), 200)

    cache = cache_for(request)
    entry = cache.peek(key)
    if entry is None:
        entry = await run_in_threadpool(cache.get, key, make)
    page: Rendered = entry.value
    gzipped = "gzip" in request.headers.get("accept-encoding", "")
    # a strong validator names one representation: the gzip one has its own (RFC 9110 §8.8.3)
    etag = entry.etag[:-1] + '-gz"' if gzipped else entry.etag
    vary = "Cookie, Accept-Encoding"
    if page.status == 200 and request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Vary": vary})
    response = html_response(request, page.gzip if gzipped else page.body, lang, page.status)
    response.headers["Vary"] = vary
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    if page.status == 200:
        response.headers["ETag"] = etag
    return response


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    return await page(request, "home.html", views.home_view)


@router.get("/p/{year}", response_class=HTMLResponse)
async def province_page(
    request: Request, year: YearPath, district: Text = None, group: Text = None, q: Text = None,
) -> Response:  # fmt: skip
    filters = views.Filters.parse(district, group, q)
    return await page(
        request, "province.html", lambda r, s: views.province_view(r, year, filters, s)
    )


@router.get("/u/{unit_code}/{year}", response_class=HTMLResponse)
async def unit_page(request: Request, unit_code: UnitPath, year: YearPath) -> Response:
    intake = getattr(request.app.state, "intake", None)

    def build(r: Ledger, s: views.Stored | None) -> dict[str, Any] | None:
        context = views.unit_view(r, unit_code, year, s)
        if context is not None:  # residents may comment while the drafts are posted
            posted = any(p["end"] is None for p in context["s"]["postings"])
            context["comment_form"] = posted and intake is not None and intake.enrolled(r)
        return context

    return await page(
        request, "unit.html", build,
        missing=lambda r: {"province": views.province_of(r), "unit": unit_code, "year": year},
    )  # fmt: skip


@router.get("/verify", response_class=HTMLResponse)
async def verify_page(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    base = str(request.base_url).rstrip("/")
    checkpoints = getattr(request.app.state, "checkpoints", None)
    vkey = checkpoints.vkey() if checkpoints is not None else None
    return await page(
        request, "verify.html", lambda r, _: views.verify_view(r, settings.origin, base, vkey)
    )


@router.get("/log", response_class=HTMLResponse)
async def log_page(
    request: Request, entry: Annotated[int | None, Query(ge=0, le=2**62)] = None
) -> Response:
    settings: Settings = request.app.state.settings
    checkpoints = getattr(request.app.state, "checkpoints", None)

    latest = await run_in_threadpool(checkpoints.store.latest) if checkpoints else None

    def build(r: Ledger, _: views.Stored | None) -> dict[str, Any]:
        return views.log_view(r, settings.origin, latest, entry)

    # a checkpoint may be signed (or cosigned) without the log growing: it is part of the key
    key = (latest.size, latest.note) if latest is not None else None
    return await page(request, "log.html", build, extra_key=key)


@router.get("/log/e/{envelope_hash}", include_in_schema=False)
async def log_entry_by_hash(
    request: Request, envelope_hash: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
) -> Response:
    """A timeline row's receipt link: the log page looked up at that envelope's index."""
    recorder: Any = request.app.state.ledger.recorder
    index = await run_in_threadpool(recorder.leaf_index_of, envelope_hash)
    if index is None:
        from api.problems import not_found_page

        return not_found_page(request)
    lang = "&lang=en" if language(request) == "en" else ""
    return Response(status_code=303, headers={"Location": f"/log?entry={index}{lang}#entry"})
