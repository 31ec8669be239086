"""The registry and the log's contents over HTTP, for what the CLI can read locally:
``GET /v1/catalogs`` and ``/v1/catalogs/{id}`` (criteria catalogs, every value with its
provenance), ``GET /v1/officials`` and ``/v1/keys/{key_id}`` (who may sign what, and until
when), ``GET /v1/log/envelopes`` (every stored envelope in log order, like ``events export``) and
``GET /v1/provinces/{code}/{year}/bundle`` and ``GET /v1/log/bundle`` (audit bundles of a
province-year and of the whole log)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from api.bundle import LOG_SCOPE, Exporter, NothingToExport, province_scope
from api.deps import LedgerDep, ReadsDep
from api.openapi import problems
from api.pagination import DEFAULT_LIMIT, Cursor, Limit, link_next, paginate
from api.problems import not_found
from projections.catalog_view import catalog_block
from projections.format import certificate, iso
from verify.bundle.format import MEDIA_TYPE, Scope
from verify.law.correction import catalog_to_doc

router = APIRouter(prefix="/v1")
CatalogId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9.-]{0,63}$")]


def _registry(ledger: Any) -> Any:
    reg = ledger.registry()
    if reg is None:
        raise not_found("the ledger is not initialised", "sổ cái chưa được khởi tạo")
    return reg


@router.get(
    "/catalogs",
    tags=["units"],
    summary="Các bộ tiêu chí và phiên bản / Criteria catalogs and their versions",
    responses=problems(404),
)
def list_catalogs(ledger: ReadsDep) -> list[dict[str, Any]]:
    reg = _registry(ledger)
    out = []
    for cid, cat in sorted(reg.catalogs.items()):
        block = catalog_block(reg, cat, cat.year_from)
        out.append({
            "catalog_id": cid, "title_vi": cat.title_vi, "title_en": cat.title_en,
            "regime": cat.regime, "year_from": cat.year_from, "year_to": cat.year_to,
            "version": cat.version, "versions": sorted(reg.catalog_versions.get(cid, {cat.version: cat})),
            "provisional": block["provisional"], "legal_basis": list(cat.legal_basis),
        })  # fmt: skip
    return out


@router.get(
    "/catalogs/{catalog_id}",
    tags=["units"],
    summary="Một bộ tiêu chí, mọi giá trị kèm nguồn / One catalog, every value with its source",
    description="`?version=` chooses a version (default: the latest published or corrected).",
    responses=problems(404, 422),
)
def get_catalog(
    ledger: ReadsDep, catalog_id: CatalogId, version: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    reg = _registry(ledger)
    versions = reg.catalog_versions.get(catalog_id) or (
        {reg.catalogs[catalog_id].version: reg.catalogs[catalog_id]}
        if catalog_id in reg.catalogs else {}
    )  # fmt: skip
    cat = versions.get(version) if version is not None else reg.catalogs.get(catalog_id)
    if cat is None:
        raise not_found(
            f"no catalog {catalog_id}" + (f" version {version}" if version else ""),
            f"không có bộ tiêu chí {catalog_id}" + (f" phiên bản {version}" if version else ""),
            catalog_id=catalog_id, version=version,
        )  # fmt: skip
    doc: dict[str, Any] = catalog_to_doc(cat)
    return doc


def official_doc(rec: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "key_id": rec.key_id, "alg": rec.key.alg, "official_id": rec.official_id,
        "name": rec.name, "position": rec.position, "role": rec.role.value, "scope": rec.scope,
        "valid_from": iso(rec.valid_from), "valid_until": iso(rec.valid_until),
        "revoked_from": iso(rec.revoked_from), "revocation_reason": rec.revocation_reason,
        "subject": rec.subject or None,
        "certificate": certificate(rec.chain) if rec.chain is not None else None,
    }  # fmt: skip
    return doc


@router.get(
    "/officials",
    tags=["units"],
    summary="Cán bộ và khoá đã đăng ký / Enrolled officials and their keys",
    description="One row per key, sorted by key id; filter by `role` or `scope` (a unit code). "
    'The next page is in the `Link: <…>; rel="next"` header.',
    responses=problems(404, 422),
)
def list_officials(
    request: Request,
    response: Response,
    ledger: ReadsDep,
    role: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
    scope: Annotated[str | None, Query(pattern=r"^(VN|\d{2}|\d{3}|\d{5})$")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> list[dict[str, Any]]:
    reg = _registry(ledger)
    rows = [
        official_doc(rec) for _, rec in sorted(reg.keys.items())
        if (role is None or rec.role.value == role) and (scope is None or rec.scope == scope)
    ]  # fmt: skip
    page = paginate(rows, lambda r: str(r["key_id"]), limit, cursor)
    link_next(request, response, page)
    return page.items


@router.get(
    "/keys/{key_id}",
    tags=["units"],
    summary="Một khoá: của ai, vai trò, hiệu lực / One key: whose, which role, valid when",
    responses=problems(404, 422),
)
def get_key(
    ledger: ReadsDep, key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{8,128}$")]
) -> dict[str, Any]:
    reg = _registry(ledger)
    rec = reg.keys.get(key_id)
    if rec is None:
        raise not_found(
            f"no enrolled key {key_id}", f"không có khoá {key_id} đã đăng ký", key_id=key_id
        )
    return official_doc(rec)


@router.get(
    "/log/envelopes",
    tags=["log"],
    summary="Mọi phong bì theo thứ tự trong sổ / Every envelope, in log order",
    description="`after` is the last index seen (-1 or absent: from the start); each item is "
    "the index, the envelope's SHA-256 and the envelope's exact text. The next page is in the "
    '`Link: <…>; rel="next"` header.',
    responses=problems(422),
)
async def list_events(
    request: Request,
    response: Response,
    ledger: LedgerDep,
    after: Annotated[int, Query(ge=-1, le=2**62)] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    import hashlib

    recorder: Any = ledger.recorder
    size = int((await run_in_threadpool(recorder.log_head))[0])
    start, stop = after + 1, min(size, after + 1 + limit)
    envs = await run_in_threadpool(recorder.log_leaves, start, stop) if start < stop else []
    items = [
        {
            "index": start + i,
            "envelope_hash": hashlib.sha256(e).hexdigest(),
            "envelope": e.decode("ascii"),
        }
        for i, e in enumerate(envs)
    ]
    if stop < size:
        nxt = request.url.include_query_params(after=stop - 1)
        response.headers["Link"] = f'<{nxt}>; rel="next"'
    return items


def _bundle(request: Request, ledger: Any, scope: Scope, name: str) -> StreamingResponse:
    source = request.app.state.checkpoints
    try:
        lines = Exporter(ledger).lines(scope, source.latest(ledger), log_key=source.vkey())
    except NothingToExport as e:
        raise not_found(e.en, e.vi, **e.evidence) from None
    return StreamingResponse(
        lines,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/log/bundle",
    tags=["log"],
    summary="Gói kiểm toán của toàn bộ sổ / The whole log as one audit bundle",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA_TYPE: {}}}, **problems(404, 422)},
)
def get_log_bundle(request: Request, ledger: LedgerDep) -> StreamingResponse:
    return _bundle(request, ledger, LOG_SCOPE, "minhbach-log.bundle.jsonl")


@router.get(
    "/provinces/{province_code}/{year}/bundle",
    tags=["provinces"],
    summary="Gói kiểm toán của cả tỉnh trong một năm / A province-year's audit bundle",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA_TYPE: {}}}, **problems(404, 422)},
)
def get_province_bundle(
    request: Request,
    ledger: LedgerDep,
    province_code: Annotated[str, Path(pattern=r"^\d{2}$")],
    year: Annotated[int, Path(ge=2000, le=2100)],
) -> StreamingResponse:
    scope = province_scope(province_code, year)
    return _bundle(request, ledger, scope, f"minhbach-{province_code}-{year}.bundle.jsonl")
