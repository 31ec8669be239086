"""The HTTP layer around the routers: limits, observation, static files, API docs.

``install(app, settings)`` is called once by ``create_app``. Middleware order, outermost
first: ``Observe`` (request id, access log, metrics, 500) → ``BodyLimit`` (413) →
``FastRoutes`` (the event routes, ``api.fastroute``) → FastAPI's exception handlers
(``api.problems``) → the routers.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import problems
from api.config import Settings
from api.fastroute import FastRoutes
from api.limits import BodyLimit
from api.metrics import Metrics
from api.observe import Observe, configure_logging
from api.openapi import DESCRIPTION, TAGS
from api.routes import events

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, settings: Settings) -> Metrics:
    """Add the middlewares, the error handlers, ``/static`` and the API docs' words."""
    configure_logging(settings.log_level)
    metrics = Metrics()
    app.state.metrics = metrics
    problems.install(app)
    app.add_middleware(FastRoutes, handlers=events.FAST)  # type: ignore[arg-type]
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)  # type: ignore[arg-type]
    app.add_middleware(Observe, metrics=metrics)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.openapi_tags = TAGS
    app.description = DESCRIPTION
    return metrics
