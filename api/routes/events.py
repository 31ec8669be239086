"""POST /v1/events: submit one signed DSSE envelope to the ledger.

The body's size is limited for every route by ``api.limits.BodyLimit`` (413 before the
ledger sees anything); this route checks the media type and hands the exact bytes to the
group-commit batcher: the ledger signs and stores exactly what was sent.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.openapi import problems
from api.problems import ApiProblem
from domain.ledger import Receipt

router = APIRouter(prefix="/v1", tags=["events"])

# DSSE v1 envelope (in-toto "Dead Simple Signing Envelope", envelope.md)
BASE64 = r"^[A-Za-z0-9+/]*={0,2}$"
ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["payloadType", "payload", "signatures"],
    "properties": {
        "payloadType": {"type": "string", "enum": ["application/vnd.minhbach.event+json"]},
        "payload": {
            "type": "string", "minLength": 4, "pattern": BASE64,
            "description": "base64 of the RFC 8785 canonical JSON payload",
        },
        "signatures": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["keyid", "sig"],
                "properties": {
                    "keyid": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "sig": {"type": "string", "minLength": 4, "pattern": BASE64},
                },
            },
        },
    },
}  # fmt: skip

RECEIPT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["index", "leaf_hash", "envelope_hash", "type", "unit", "year", "findings"],
    "properties": {
        "index": {"type": "integer", "minimum": 0},
        "leaf_hash": {"type": "string"},
        "envelope_hash": {"type": "string"},
        "type": {"type": "string"},
        "unit": {"type": "string"},
        "year": {"type": ["integer", "null"]},
        "findings": {"type": "array", "items": {"type": "object"}},
    },
}


def _check_media_type(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise ApiProblem(
            415, "unsupported_media_type", "Unsupported media type",
            "send the DSSE envelope as application/json",
            "hãy gửi phong bì DSSE với Content-Type application/json",
            content_type=media,
        )  # fmt: skip


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
    summary="Ghi một sự kiện đã ký (DSSE) vào sổ cái / Record one signed event (DSSE)",
    description="Thân yêu cầu là phong bì DSSE v1, đúng từng byte sẽ được lưu / the body is "
    "a DSSE v1 envelope, stored byte for byte. The answer is a receipt: the leaf's index "
    "in the transparency log, its hash, and what the rules found (recorded, not refused).",
    response_class=JSONResponse,
    responses={
        201: {
            "description": "Đã ghi / Recorded: the receipt",
            "content": {"application/json": {"schema": RECEIPT_SCHEMA}},
        },
        **problems(400, 403, 409, 413, 415, 422),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ENVELOPE_SCHEMA}},
        }
    },
)
async def submit_event(request: Request) -> JSONResponse:
    # The hottest route: app.state directly rather than dependencies, to keep it lean.
    _check_media_type(request)
    outcome = await request.app.state.batcher.submit(await request.body())
    if outcome.error is not None:
        raise outcome.error
    assert outcome.receipt is not None
    return JSONResponse(receipt_doc(outcome.receipt), status_code=201)
