"""GET /healthz (the process answers), GET /readyz (the store answers and the ledger is
initialised) and GET /metrics (Prometheus): for health checks and monitoring."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.deps import LedgerDep
from api.metrics import Metrics, exposition
from api.openapi import problems
from api.problems import ApiProblem

router = APIRouter(tags=["health"])


def not_ready(en: str, vi: str, **evidence: Any) -> ApiProblem:
    return ApiProblem(503, "not_ready", "Not ready", en, vi, **evidence)


@router.get("/healthz", summary="Tiến trình còn chạy / Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Sẵn sàng phục vụ: đọc được kho dữ liệu, sổ cái đã khởi tạo / "
    "Readiness: the store answers and the ledger is initialised",
    responses=problems(503),
)
def readyz(ledger: LedgerDep) -> dict[str, Any]:
    try:
        size, _ = ledger.recorder.log_head()  # type: ignore[attr-defined]
        initialised = ledger.registry() is not None
    except Exception as e:  # noqa: BLE001 - any failure of the store means "not ready"
        raise not_ready(
            "the ledger's store does not answer", "kho dữ liệu của sổ cái không phản hồi",
            error=type(e).__name__,
        ) from None  # fmt: skip
    if not initialised:
        raise not_ready(
            "the ledger is not initialised (no LedgerInitialised event yet)",
            "sổ cái chưa được khởi tạo (chưa có sự kiện LedgerInitialised)",
            log_size=size,
        )  # fmt: skip
    return {"status": "ready", "log_size": size}


@router.get(
    "/metrics",
    summary="Số đo Prometheus / Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(request: Request) -> Response:
    meter: Metrics = request.app.state.metrics
    body, media_type = exposition(meter)
    return Response(body, media_type=media_type)
