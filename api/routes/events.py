"""POST /v1/events: submit one signed DSSE envelope to the ledger; POST /v1/events/batch:
several, one per line (JSON lines, as ``minhbach events export`` writes them).

The body's size is limited for every route by ``api.limits.BodyLimit`` (413 before the
ledger sees anything); these routes check the media type and hand the exact bytes to the
group-commit batcher: the ledger signs and stores exactly what was sent. A batch's
envelopes are queued together in their order, so each is judged after the ones before it
(a client can send a chain in one request); each gets its own receipt or problem, as if
it had been sent alone. A batch whose framing is wrong (empty, a blank line, too many
lines) is refused whole, with nothing stored.

Both are the hottest routes: ``api.fastroute`` serves them (``FAST``) without FastAPI's
routing and dependency machinery; the decorated routes below declare them for the OpenAPI
document and answer the same way if reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.openapi import problems
from api.problems import ApiProblem, problem_body
from domain.ledger import Outcome, Receipt

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


def _check_media_type(request: Request, ok: Callable[[str], bool], en: str, vi: str) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not ok(media):
        raise ApiProblem(415, "unsupported_media_type", "Unsupported media type", en, vi,
                         content_type=media)  # fmt: skip


MAX_BATCH = 1_000  # envelopes per batch request (and the body limit applies)
BATCH_MEDIA = ("application/x-ndjson", "application/jsonl", "application/json-lines")

BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["recorded", "refused", "results"],
    "properties": {
        "recorded": {"type": "integer", "minimum": 0},
        "refused": {"type": "integer", "minimum": 0},
        "results": {
            "type": "array",
            "description": "one per line, in order: {status: 201, receipt} or {status, problem}",
            "items": {
                "type": "object",
                "required": ["line", "status"],
                "properties": {
                    "line": {"type": "integer", "minimum": 1},
                    "status": {"type": "integer"},
                    "receipt": RECEIPT_SCHEMA,
                    "problem": {"type": "object"},
                },
            },
        },
    },
}


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
async def submit_event(request: Request) -> Response:
    # The hottest route: app.state directly rather than dependencies, to keep it lean.
    _check_media_type(
        request, lambda m: m == "application/json" or m.endswith("+json"),
        "send the DSSE envelope as application/json",
        "hãy gửi phong bì DSSE với Content-Type application/json",
    )  # fmt: skip
    outcome = await request.app.state.batcher.submit(await request.body())
    if outcome.error is not None:
        raise outcome.error
    assert outcome.receipt is not None
    return _json(receipt_doc(outcome.receipt), 201)


def _json(doc: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(doc), status_code=status, media_type="application/json")


def _batch_lines(request: Request, body: bytes) -> list[bytes]:
    _check_media_type(
        request, lambda m: m in BATCH_MEDIA,
        "send one DSSE envelope per line as application/x-ndjson",
        "hãy gửi mỗi dòng một phong bì DSSE với Content-Type application/x-ndjson",
    )  # fmt: skip
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last line
    if not lines:
        raise ApiProblem(
            400, "empty_batch", "Bad request", "the batch holds no envelope",
            "lô gửi không có phong bì nào",
        )  # fmt: skip
    if len(lines) > MAX_BATCH:
        raise ApiProblem(
            413, "batch_too_large", "Content too large",
            f"a batch holds at most {MAX_BATCH} envelopes",
            f"mỗi lô gửi tối đa {MAX_BATCH} phong bì",
            lines=len(lines), max_lines=MAX_BATCH,
        )  # fmt: skip
    for n, line in enumerate(lines, 1):
        if not line.strip():
            raise ApiProblem(
                400, "blank_line", "Bad request", f"line {n} of the batch is blank",
                f"dòng {n} của lô gửi bị trống", line=n,
            )  # fmt: skip
    return lines


def _result(request: Request, n: int, outcome: Outcome) -> dict[str, Any]:
    if outcome.error is not None:
        problem = problem_body(outcome.error, request)
        return {"line": n, "status": problem["status"], "problem": problem}
    assert outcome.receipt is not None
    return {"line": n, "status": 201, "receipt": receipt_doc(outcome.receipt)}


@router.post(
    "/events/batch",
    summary="Ghi nhiều sự kiện đã ký, mỗi dòng một phong bì / Record several signed events, "
    "one envelope per line",
    description="Thân yêu cầu là các phong bì DSSE v1, mỗi dòng một phong bì (JSON lines, như "
    "`minhbach events export`), tối đa 1.000 / the body is DSSE v1 envelopes, one per line "
    "(JSON lines, as `minhbach events export` writes them), at most 1,000. They are judged "
    "in their order, each as if sent alone: the answer lists, line by line, its receipt "
    "(status 201) or its problem. A wrongly framed batch (empty, a blank line, too many "
    "lines) is refused whole, and nothing is stored.",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "Đã xét từng dòng / Every line judged: receipts and problems",
            "content": {"application/json": {"schema": BATCH_SCHEMA}},
        },
        **problems(400, 413, 415),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
)
async def submit_batch(request: Request) -> Response:
    lines = _batch_lines(request, await request.body())
    outcomes = await request.app.state.batcher.submit_all(lines)
    results = [_result(request, n, o) for n, o in enumerate(outcomes, 1)]
    recorded = sum(r["status"] == 201 for r in results)
    doc = {"recorded": recorded, "refused": len(results) - recorded, "results": results}
    return _json(doc)


FAST = {("POST", "/v1/events"): submit_event, ("POST", "/v1/events/batch"): submit_batch}
