"""The hottest routes served without FastAPI's routing (a pure ASGI layer).

``FastRoutes`` sits inside ``Observe`` and ``BodyLimit`` (so request ids, access logs,
metrics and the body limit apply as to every route) and answers the requests whose
method and exact path it knows — today ``POST /v1/events`` and ``POST /v1/events/batch``
(``api.routes.events.FAST``) — by calling their handler directly: no route matching over
the whole app, no dependency solving, no exception middlewares. A ``LocalizedError`` the
handler raises becomes the same problem document FastAPI's handlers would send
(``api.problems.problem_response``). The routes stay declared in FastAPI for the OpenAPI
document. Measured on a trivial handler: 0.17 ms of server CPU per request through the
full stack, 0.04 ms without it (BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import problem_response
from verify.errors import LocalizedError

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class _Template:
    """What ``api.observe`` reads of a matched route: its template, here the exact path."""

    path: str


class FastRoutes:
    def __init__(self, app: ASGIApp, handlers: Mapping[tuple[str, str], Handler]) -> None:
        self.app = app
        self.handlers = dict(handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = (scope.get("method", ""), scope.get("path", ""))
        handler = self.handlers.get(key) if scope["type"] == "http" else None
        if handler is None or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        scope["route"] = _Template(key[1])  # so logs and metrics name the route as usual
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except LocalizedError as e:
            response = problem_response(e, request)
        await response(scope, receive, send)
