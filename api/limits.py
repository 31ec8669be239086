"""Request body size limit for every route (an ASGI middleware).

A body is refused with 413 ``too_large`` (RFC 9110 §15.5.14) as soon as it is known to
exceed the limit: from ``Content-Length`` before the application runs, else while the
application reads a body sent without a length (chunked), by counting what ``receive``
hands over. A ``Content-Length`` that is not a decimal number is refused with 400
(RFC 9110 §8.6). Nothing reaches the ledger in either case.

The limit is ``Settings.max_body_bytes`` (``MINHBACH_MAX_BODY_BYTES``); a route that
needs a smaller one names its path prefix in ``per_prefix``.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import BadContentLength, problem_response, too_large


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int, per_prefix: Mapping[str, int] | None = None):
        self.app = app
        self.limit = limit
        # longest prefix first, so "/v1/comments" wins over "/v1"
        self.per_prefix = sorted((per_prefix or {}).items(), key=lambda kv: -len(kv[0]))

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.per_prefix:
            if path.startswith(prefix):
                return limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            problem = None
            if not declared.isdigit():
                problem = BadContentLength(
                    "Content-Length is not a number", "Content-Length không phải là số",
                    content_length=declared[:40],
                )  # fmt: skip
            elif int(declared) > limit:
                problem = too_large(limit, int(declared))
            if problem is not None:
                await problem_response(problem, Request(scope))(scope, receive, send)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # raised inside the route's body read: the exception handlers answer 413
                    raise too_large(limit)
            return message

        await self.app(scope, counted, send)
