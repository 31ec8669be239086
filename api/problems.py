"""RFC 9457 problem details: the one table from error classes to HTTP answers.

Every refusal is a ``LocalizedError`` (``verify.errors`` or ``verify.refusals``) with a stable
English ``code``, a message in Vietnamese and English, and its evidence. The answer is
``application/problem+json`` with the RFC 9457 members ``type``, ``title``, ``status``,
``detail`` and ``instance`` (§3.1) plus the extension members ``code``, ``message_vi``,
``message_en`` and ``evidence`` (§3.2). ``detail`` is Vietnamese unless the client's
Accept-Language puts English first.

Status choices (the first class in an error's MRO found in ``STATUS`` wins):

- 400: bytes that do not parse (``MalformedInput``: JSON, base64, envelope shape) and
  other failed verifications that are not about signatures.
- 422: well-formed but invalid content: a payload that breaks its event schema
  (``BadEvent``), impossible points (``InvalidInput``), a bad catalog or key document.
- 403: signature problems — an unknown signing key, a signature that does not verify, a
  key revoked or outside its validity — and a signer whose role or unit may not record
  the event (``NotAllowed``). Not 401: these are signatures on the submitted document,
  not HTTP credentials, and there is no challenge a client could answer
  (RFC 9110 §15.5.2 requires ``WWW-Authenticate`` with 401).
- 409: the event conflicts with the ledger's state: it does not name the chain's head
  (``BrokenChain``), comes out of order (``OutOfOrder``) or is already recorded
  (``Duplicate``).
- 413 / 415 / 404 / 503 are raised by the API itself (``ApiProblem``).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from verify import errors as v
from verify import refusals as d
from verify.errors import LocalizedError

MEDIA_TYPE = "application/problem+json"

# error class -> (HTTP status, English title)
STATUS: dict[type[Exception], tuple[int, str]] = {
    v.MalformedInput: (400, "Malformed input"),
    v.BadSignature: (403, "Signature does not verify"),
    v.UnknownKey: (403, "Unknown signing key"),
    v.UnsupportedKey: (422, "Unsupported key"),
    v.ProofError: (400, "Proof does not verify"),
    v.NoteError: (400, "Bad signed note"),
    v.VerificationError: (400, "Verification failed"),
    d.UnknownKey: (403, "Unknown signing key"),
    d.KeyNotValid: (403, "Key not valid at the signing time"),
    d.CertificateNotValid: (403, "Certificate does not allow this signature"),
    d.EnrolmentRefused: (422, "Certificate refused at enrolment"),
    d.RevocationListRefused: (422, "Revocation list refused"),
    d.TrustAnchorRefused: (422, "Trust anchor refused"),
    d.NotAllowed: (403, "Signer not allowed"),
    d.BrokenChain: (409, "Broken chain"),
    d.OutOfOrder: (409, "Step out of order"),
    d.Duplicate: (409, "Already recorded"),
    d.BadEvent: (422, "Invalid event"),
    d.InvalidInput: (422, "Invalid input"),
    d.CatalogError: (422, "Invalid catalog"),
    d.Refused: (422, "Refused"),
    d.DomainError: (422, "Refused"),
    LocalizedError: (400, "Bad request"),
}


class ApiProblem(LocalizedError):
    """A problem raised by the API layer itself, carrying its own status."""

    def __init__(self, status: int, code: str, title: str, en: str, vi: str, **evidence: Any):
        super().__init__(en, vi, **evidence)
        self.status = status
        self.code = code
        self.title = title


def too_large(limit: int, size: int | None = None) -> ApiProblem:
    return ApiProblem(
        413, "too_large", "Content too large",
        f"the body exceeds {limit} bytes", f"nội dung gửi lên vượt quá {limit} byte",
        max_bytes=limit, **({"size": size} if size is not None else {}),
    )  # fmt: skip


def not_found(en: str, vi: str, **evidence: Any) -> ApiProblem:
    return ApiProblem(404, "not_found", "Not found", en, vi, **evidence)


def status_of(exc: LocalizedError) -> tuple[int, str]:
    if isinstance(exc, ApiProblem):
        return exc.status, exc.title
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400, "Bad request"


def prefers_english(request: Request) -> bool:
    if request.query_params.get("lang") == "en":
        return True
    first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return first.startswith("en")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def problem_body(exc: LocalizedError, request: Request) -> dict[str, Any]:
    status, title = status_of(exc)
    en = prefers_english(request)
    return {
        "type": f"urn:minhbach:problem:{exc.code}",
        "title": title,
        "status": status,
        "detail": exc.en if en else exc.vi,
        "instance": request.url.path,
        "code": exc.code,
        "message_vi": exc.vi,
        "message_en": exc.en,
        "evidence": _jsonable(exc.evidence),
    }


def problem_response(exc: LocalizedError, request: Request) -> JSONResponse:
    body = problem_body(exc, request)
    headers = {"Content-Language": "en" if prefers_english(request) else "vi"}
    return JSONResponse(body, status_code=body["status"], media_type=MEDIA_TYPE, headers=headers)


async def _localized(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LocalizedError)
    return problem_response(exc, request)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errs = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    problem = ApiProblem(
        422, "invalid_request", "Invalid request",
        "the request's parameters or body are invalid",
        "tham số hoặc nội dung yêu cầu không hợp lệ",
        errors=errs,
    )  # fmt: skip
    return problem_response(problem, request)


_HTTP = {
    404: ("not_found", "Not found", "no such resource", "không tìm thấy tài nguyên"),
    405: (
        "method_not_allowed",
        "Method not allowed",
        "method not allowed",
        "phương thức không được hỗ trợ",
    ),
}


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, title, en, vi = _HTTP.get(
        exc.status_code, ("http_error", "HTTP error", str(exc.detail), str(exc.detail))
    )
    problem = ApiProblem(exc.status_code, code, title, en, vi)
    response = problem_response(problem, request)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(LocalizedError, _localized)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
