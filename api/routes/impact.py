"""``minhbach impact`` over HTTP: what a criteria correction changes, before it is signed
(``POST /v1/impact`` with the correction document) or after
(``GET /v1/corrections/{catalog_id}/{version}/impact``). Both replay the whole log under the corrected catalog (``projections.impact``),
on a worker thread: an analysis for officials and inspectors, not a hot path."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool

from api.openapi import problems
from api.problems import json_body, not_found
from projections.fastpath import TrustedReplay
from projections.impact import impact, proposed, signed_correction
from projections.store import ProjectionStore

router = APIRouter(prefix="/v1", tags=["read models"])


def _chains(request: Request) -> TrustedReplay:
    store = ProjectionStore(request.app.state.settings.database_url)
    try:
        chains = TrustedReplay()
        chains.feed_all(store.leaves(0))
    finally:
        store.close()
    if chains.registry() is None:
        raise not_found("the ledger is not initialised", "sổ cái chưa được khởi tạo")
    return chains


@router.get(
    "/corrections/{catalog_id}/{version}/impact",
    summary="Tác động của một đính chính đã ký / What a signed correction changed",
    responses=problems(404, 409, 422),
)
async def signed_impact(
    request: Request,
    catalog_id: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9.-]{0,63}$")],
    version: Annotated[int, Path(ge=1, le=10_000)],
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        chains = _chains(request)
        reg: Any = chains.registry()
        c = signed_correction(reg, catalog_id, version)
        before = reg.catalog_versions[c["catalog_id"]][c["from_version"]]
        after = reg.catalog_versions[c["catalog_id"]][c["version"]]
        return impact(chains, before, after, c["years"]) | {
            "correction": f"signed correction {c['hash']}"
        }

    return await run_in_threadpool(run)


@router.post(
    "/impact",
    summary="Tác động của một đính chính trước khi ký / What a correction would change, before it is signed",
    description="Body: the correction document `minhbach impact --correction FILE` reads "
    '(`{"catalog_id", "changes", "years", …}`).',
    responses=problems(400, 404, 409, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "required": ["catalog_id", "changes", "years"]}
                }
            },
        }
    },  # fmt: skip
)
async def proposed_impact(request: Request) -> dict[str, Any]:
    doc = await json_body(request, "correction", "đính chính")

    def run() -> dict[str, Any]:
        chains = _chains(request)
        before, after, years = proposed(chains.registry(), doc)  # type: ignore[arg-type]
        return impact(chains, before, after, years) | {
            "correction": "unsigned correction (request body)"
        }

    return await run_in_threadpool(run)
