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
- The HTTP layer's own problems are classes in the same table: 404 for an unknown route
  (``RouteNotFound``), 405 (``MethodNotAllowed``, with ``Allow``), 422 for parameters that
  fail validation (``InvalidRequest``), 413 (``TooLarge``, from ``api.limits``), 400 for
  a bad ``Content-Length``, and 500 (``InternalError``): a generic message and
  the request id, never the exception or a traceback (RFC 9457 §5, security
  considerations). ``ApiProblem`` carries its own status for one-off answers (415, 503).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from verify import errors as v
from verify import refusals as d
from verify.errors import LocalizedError

MEDIA_TYPE = "application/problem+json"


class HttpProblem(LocalizedError):
    """A problem found by the HTTP layer itself (routing, validation, limits, crashes)."""

    code = "bad_request"


class RouteNotFound(HttpProblem):
    code = "not_found"

    def __init__(self, path: str) -> None:
        super().__init__("no such resource", "không tìm thấy tài nguyên", path=path)


class MethodNotAllowed(HttpProblem):
    code = "method_not_allowed"

    def __init__(self, method: str, allow: str = "") -> None:
        super().__init__(
            f"method {method} is not allowed here",
            f"không hỗ trợ phương thức {method} tại địa chỉ này",
            method=method, **({"allow": allow} if allow else {}),
        )  # fmt: skip


class InvalidRequest(HttpProblem):
    code = "invalid_request"


class BadContentLength(HttpProblem):
    code = "bad_content_length"


class TooLarge(HttpProblem):
    code = "too_large"


class InternalError(HttpProblem):
    code = "internal_error"

    def __init__(self, request_id: str) -> None:
        super().__init__(
            "the server failed to answer; the error was logged under this request id",
            "máy chủ gặp lỗi khi trả lời; lỗi đã được ghi lại theo mã yêu cầu này",
            request_id=request_id,
        )


# error class -> (HTTP status, English title); the first class in an error's MRO wins
STATUS: dict[type[Exception], tuple[int, str]] = {
    RouteNotFound: (404, "Not found"),
    MethodNotAllowed: (405, "Method not allowed"),
    InvalidRequest: (422, "Invalid request"),
    BadContentLength: (400, "Bad Content-Length"),
    TooLarge: (413, "Content too large"),
    InternalError: (500, "Internal server error"),
    HttpProblem: (400, "Bad request"),
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


def too_large(limit: int, size: int | None = None) -> TooLarge:
    return TooLarge(
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
    if "retry_after" in exc.evidence:  # 429: when to come back (RFC 9110 §10.2.3)
        headers["Retry-After"] = str(exc.evidence["retry_after"])
    return JSONResponse(body, status_code=body["status"], media_type=MEDIA_TYPE, headers=headers)


async def _localized(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LocalizedError)
    return problem_response(exc, request)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errs = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    if wants_html(request):  # a mistyped page address (/u/abc/2023): no such page
        return not_found_page(request)
    problem = InvalidRequest(
        "the request's parameters or body are invalid",
        "tham số hoặc nội dung yêu cầu không hợp lệ",
        errors=errs,
    )
    return problem_response(problem, request)


def http_problem(status: int, request: Request, headers: dict[str, str] | None) -> LocalizedError:
    """The problem for an ``HTTPException`` raised by the framework (routing, methods)."""
    if status == 404:
        return RouteNotFound(request.url.path)
    if status == 405:
        return MethodNotAllowed(request.method, (headers or {}).get("Allow", ""))
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "HTTP error"
    return ApiProblem(status, f"http_{status}", phrase, phrase, phrase)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    problem = http_problem(exc.status_code, request, exc.headers)
    if exc.status_code == 404 and wants_html(request):
        return not_found_page(request)
    response = problem_response(problem, request)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the JSON API): it gets an HTML answer."""
    return not request.url.path.startswith("/v1/") and "text/html" in request.headers.get(
        "accept", ""
    )


def not_found_page(request: Request) -> Response:
    from api.pages import render  # the pages import this module

    return render(request, "not_found.html", status_code=404, what="page")


def install(app: FastAPI) -> None:
    app.add_exception_handler(LocalizedError, _localized)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)


async def json_body(request: Request, what_en: str, what_vi: str) -> Any:
    """The request's body parsed as JSON, or a 415 (not ``application/json``) or 400
    (malformed) problem naming ``what`` was to be sent."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ApiProblem(
            415, "unsupported_media_type", "Unsupported media type",
            f"send the {what_en} as application/json",
            f"hãy gửi {what_vi} dưới dạng application/json", content_type=media,
        )  # fmt: skip
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(
            400, "malformed_json", "Malformed JSON",
            "the body is not valid JSON", "nội dung gửi lên không phải JSON hợp lệ",
        ) from None  # fmt: skip
