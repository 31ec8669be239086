"""POST /v1/events: submit one signed DSSE envelope to the ledger."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.problems import ApiProblem, too_large
from domain.ledger import Receipt

router = APIRouter(prefix="/v1", tags=["events"])


def _check_media_type(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise ApiProblem(
            415, "unsupported_media_type", "Unsupported media type",
            "send the DSSE envelope as application/json",
            "hãy gửi phong bì DSSE với Content-Type application/json",
            content_type=media,
        )  # fmt: skip


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit``:
    from Content-Length before reading anything, else while counting the stream."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiProblem(
                400, "bad_content_length", "Bad Content-Length",
                "Content-Length is not a number", "Content-Length không phải là số",
            )  # fmt: skip
        if int(declared) > limit:
            raise too_large(limit, int(declared))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


def receipt_doc(r: Receipt) -> dict[str, Any]:
    return {
        "index": r.index,
        "leaf_hash": r.leaf_hash,
        "envelope_hash": r.envelope_hash,
        "type": r.type,
        "unit": r.unit,
        "year": r.year,
        "findings": [f.as_dict() for f in r.findings],
    }


@router.post(
    "/events",
    status_code=201,
    summary="Ghi một sự kiện đã ký (DSSE) vào sổ cái",
    responses={
        400: {"description": "Malformed envelope"},
        403: {"description": "Signature or signer refused"},
        409: {"description": "Conflicts with the ledger"},
        413: {"description": "Body too large"},
        422: {"description": "Invalid event"},
    },
)
async def submit_event(request: Request) -> JSONResponse:
    # The hottest route: app.state directly rather than dependencies, to keep it lean.
    state = request.app.state
    _check_media_type(request)
    body = await read_body(request, state.settings.max_body_bytes)
    outcome = await state.batcher.submit(body)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.receipt is not None
    return JSONResponse(receipt_doc(outcome.receipt), status_code=201)
