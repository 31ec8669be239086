"""GET /v1/evaluations/{unit_code}/{year}/bundle: the unit-year's audit bundle (docs/bundle.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from api.bundle import Exporter, NothingToExport, unit_scope
from api.checkpointer import Checkpointer
from api.deps import LedgerDep
from api.openapi import problems
from api.problems import not_found
from api.routes.evaluations import UnitCode, Year
from verify.bundle.format import MEDIA_TYPE

router = APIRouter(prefix="/v1/evaluations", tags=["evaluations"])


def checkpoint_source(request: Request) -> Checkpointer:
    """The log's checkpointer (``api.checkpointer``): the newest signed checkpoint."""
    source: Checkpointer = request.app.state.checkpoints
    return source


@router.get(
    "/{unit_code}/{year}/bundle",
    summary="Gói kiểm toán của một xã trong một năm / A commune-year's audit bundle, verified offline",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA_TYPE: {}}}, **problems(404, 422)},
)
def get_bundle(
    request: Request, ledger: LedgerDep, unit_code: UnitCode, year: Year
) -> StreamingResponse:
    source = checkpoint_source(request)
    try:
        lines = Exporter(ledger).lines(
            unit_scope(unit_code, year), source.latest(ledger), log_key=source.vkey()
        )
    except NothingToExport as e:
        raise not_found(e.en, e.vi, **e.evidence) from None
    filename = f"minhbach-{unit_code}-{year}.bundle.jsonl"
    return StreamingResponse(
        lines,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
