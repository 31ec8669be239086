"""GET /v1/chains/{kind}/{unit_code}: the head of one chain, for clients signing the next
envelope (its ``prev``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.deps import LedgerDep
from api.openapi import problems
from api.problems import not_found

router = APIRouter(prefix="/v1/chains", tags=["events"])

Kind = Literal["registry", "evaluation", "round"]


@router.get(
    "/{kind}/{unit_code}",
    summary="Đầu chuỗi (prev của phong bì tiếp theo) / Chain head (the next envelope's prev)",
    responses=problems(404, 422),
)
def get_chain_head(
    ledger: LedgerDep,
    kind: Kind,
    unit_code: Annotated[str, Path(pattern=r"^(VN|\d{2}|\d{3}|\d{5})$")],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> dict[str, Any]:
    if (year is None) != (kind == "registry"):
        raise not_found(
            "a registry has no year; evaluations and rounds need one",
            "sổ đăng ký không có năm; hồ sơ đánh giá và đợt đánh giá phải có năm",
            kind=kind,
        )
    chain: Any = ledger.chain(kind, unit_code, year)
    if chain is None:
        raise not_found(
            f"no {kind} chain for {unit_code} {year or ''}".strip(),
            f"chưa có chuỗi {kind} của {unit_code} {year or ''}".strip(),
            kind=kind,
            unit=unit_code,
            year=year,
        )
    return {
        "kind": kind,
        "unit": unit_code,
        "year": year,
        "head": chain.head,
        "length": chain.length,
    }
