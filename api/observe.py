"""Request ids, structured access logs, request metrics and the last word on crashes.

``Observe`` is the outermost middleware of the app. For every HTTP request it:

1. takes the client's ``X-Request-ID`` if it is short and plain (``[A-Za-z0-9._-]{1,64}``),
   else makes one, and sends it back in ``X-Request-ID``;
2. times the request until the last byte of the answer is handed to the server;
3. writes one JSON line to the ``minhbach.access`` logger: ``method``, ``route`` (the
   route template), ``path``, ``status``, ``duration_ms``, ``request_id``;
4. counts it in ``api.metrics``;
5. turns an exception that escaped the app into a 500 problem with a generic message and
   the request id, logging the traceback (``minhbach.error``) instead of sending it.

``configure_logging`` sends the ``minhbach`` loggers to standard error as JSON lines at
``MINHBACH_LOG_LEVEL`` (default ``INFO``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import Metrics
from api.problems import InternalError, problem_response

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("minhbach.access")
error_log = logging.getLogger("minhbach.error")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extras."""

    FIELDS = ("method", "route", "path", "status", "duration_ms", "request_id", "client")

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.FIELDS:
            if hasattr(record, name):
                doc[name] = getattr(record, name)
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the ``minhbach`` loggers; idempotent."""
    logger = logging.getLogger("minhbach")
    logger.setLevel(level.upper())
    if not any(getattr(h, "_minhbach", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._minhbach = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False


def route_template(scope: Scope) -> str:
    """The matched route's template; mounts (``/static``) by their prefix."""
    path = getattr(scope.get("route"), "path", None)
    if path:
        return str(path)
    if scope.get("root_path", "").endswith("/static") or scope["path"].startswith("/static/"):
        return "/static"
    return "<unmatched>"


class Observe:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode(
            "latin-1"
        )
        rid = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            error_log.exception("unhandled error", extra={"request_id": rid})
            status = 500
            if not started:
                await problem_response(InternalError(rid), Request(scope))(
                    scope, receive, send_with_id
                )
        finally:
            seconds = time.perf_counter() - start
            route = route_template(scope)
            self.metrics.observe_request(scope["method"], route, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d", scope["method"], scope["path"], status,
                    extra={
                        "method": scope["method"], "route": route, "path": scope["path"],
                        "status": status, "duration_ms": round(seconds * 1000, 3),
                        "request_id": rid,
                    },
                )  # fmt: skip
