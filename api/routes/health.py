"""GET /healthz (the process answers) and GET /readyz (the ledger's store answers)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import LedgerDep
from api.problems import ApiProblem

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the log can be read")
def readyz(ledger: LedgerDep) -> dict[str, Any]:
    try:
        size, _ = ledger.recorder.log_head()  # type: ignore[attr-defined]
    except Exception as e:
        raise ApiProblem(
            503, "not_ready", "Not ready",
            "the ledger's store does not answer", "kho dữ liệu của sổ cái không phản hồi",
            error=type(e).__name__,
        ) from None  # fmt: skip
    return {"status": "ready", "log_size": size}
