"""Residents' comments (``api.comments``): ``POST /v1/evaluations/{unit}/{year}/comments``
(JSON) and ``POST /u/{unit}/{year}/comment`` (the unit page's form, no JavaScript), both
answering with a receipt: the comment's log index, leaf and envelope hashes, and where its
``tlog-proof`` can be fetched once a checkpoint covers it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from api.comments import MAX_AUTHOR, MAX_TEXT, Accepted, record_comment
from api.openapi import problems
from api.pages import render
from api.problems import ApiProblem, json_body, status_of
from api.routes.evaluations import UnitCode, Year
from api.routes.pages import UnitPath, YearPath
from verify.errors import LocalizedError

router = APIRouter()
COMMENT_SCHEMA = {
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
        "author": {"type": "string", "maxLength": MAX_AUTHOR},
    },
}


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def receipt_of(a: Accepted) -> dict[str, Any]:
    r = a.receipt
    return {
        "comment_id": a.comment_id,
        "index": r.index,
        "leaf_hash": r.leaf_hash,
        "envelope_hash": r.envelope_hash,
        "unit": r.unit,
        "year": r.year,
        "entry": f"/v1/log/entries/{r.index}",
        "proof": f"/v1/log/receipt/{r.index}",
    }


@router.post(
    "/v1/evaluations/{unit_code}/{year}/comments",
    tags=["evaluations"],
    status_code=201,
    summary="Gửi ý kiến về dự thảo đang niêm yết / Comment on posted drafts (no account)",
    description='Body: `{"text": "…", "author": "…"}` (author optional). Accepted only '
    "while the unit's drafts are posted; at most 5 per address per 10 minutes. The answer is "
    "the comment's receipt in the transparency log.",
    responses={
        201: {"description": "Đã ghi / Recorded: the receipt"},
        **problems(400, 403, 404, 409, 413, 415, 422, 429),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": COMMENT_SCHEMA}},
        }
    },  # fmt: skip
)
async def post_comment(request: Request, unit_code: UnitCode, year: Year) -> JSONResponse:
    doc = await json_body(request, "comment", "ý kiến")
    if not isinstance(doc, dict) or set(doc) - {"text", "author"}:
        raise ApiProblem(
            422, "invalid_comment", "Invalid comment",
            'the body must be {"text": …, "author": …} (author optional)',
            'nội dung phải có dạng {"text": …, "author": …} (author không bắt buộc)',
        )  # fmt: skip
    accepted = await record_comment(
        request.app, unit_code, year, doc.get("text"), doc.get("author"), _address(request)
    )
    return JSONResponse(receipt_of(accepted), status_code=201)


@router.post("/u/{unit_code}/{year}/comment", include_in_schema=False)
async def post_comment_form(request: Request, unit_code: UnitPath, year: YearPath) -> Response:
    """The unit page's form: the receipt, or the reason in plain words, as a page."""
    form = await request.form()
    text, author = form.get("text"), form.get("author")
    try:
        accepted = await record_comment(
            request.app, unit_code, year, text, author or None, _address(request)
        )
    except LocalizedError as e:
        status, _ = status_of(e)
        response: HTMLResponse = render(
            request, "comment_refused.html", status_code=status,
            unit=unit_code, year=year, en=e.en, vi=e.vi, text=text if isinstance(text, str) else "",
        )  # fmt: skip
        if isinstance(e, ApiProblem) and "retry_after" in e.evidence:
            response.headers["Retry-After"] = str(e.evidence["retry_after"])
        return response
    return render(
        request, "comment_receipt.html", status_code=201,
        unit=unit_code, year=year, r=receipt_of(accepted),
    )  # fmt: skip
