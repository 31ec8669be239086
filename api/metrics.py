"""Prometheus metrics (``GET /metrics``, text exposition format 0.0.4).

One ``CollectorRegistry`` per app (no import-time singletons, so several apps can live in
one test process). What is measured:

- ``minhbach_http_requests_total{method,route,status}`` and
  ``minhbach_http_request_duration_seconds{method,route}``: ``route`` is the route's
  template (``/u/{unit_code}/{year}``), never the raw path, so the label set stays small;
  a path that matches no route is counted as ``<unmatched>``;
- ``minhbach_events_total{outcome,code}``: envelopes judged by the ledger, ``accepted``
  or ``refused`` with the refusal's stable code;
- ``minhbach_batch_size`` and ``minhbach_batch_seconds``: group-commit batches
  (``api.batcher``) and the time each spent in ``Ledger.submit_many``;
- ``minhbach_log_size``: leaves in the transparency log, read from the store at scrape time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4 as TEXT_FORMAT
from prometheus_client.exposition import generate_latest

from api.batcher import SubmitMany
from domain.ledger import Outcome

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class Metrics:
    def __init__(self) -> None:
        disable_created_metrics()  # no *_created series: they double the output for nothing
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "minhbach_http_requests", "HTTP requests answered",
            ["method", "route", "status"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "minhbach_http_request_duration_seconds", "Time to answer an HTTP request",
            ["method", "route"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.events = Counter(
            "minhbach_events", "Envelopes judged by the ledger", ["outcome", "code"], registry=r
        )
        self.batch_size = Histogram(
            "minhbach_batch_size", "Envelopes per group-commit batch",
            buckets=BATCH_BUCKETS, registry=r,
        )  # fmt: skip
        self.batch_seconds = Histogram(
            "minhbach_batch_seconds", "Time of one Ledger.submit_many call",
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.log_size = Gauge("minhbach_log_size", "Leaves in the transparency log", registry=r)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        for o in outcomes:
            if o.error is None:
                self.events.labels("accepted", "").inc()
            else:
                self.events.labels("refused", o.error.code).inc()

    def counting(self, submit_many: SubmitMany) -> SubmitMany:
        """``submit_many`` that also records the batch's size, time and outcomes."""

        def submit(items: Sequence[bytes], *pre: Any) -> list[Outcome]:
            start = time.perf_counter()
            outcomes = submit_many(items, *pre)
            self.batch_seconds.observe(time.perf_counter() - start)
            self.batch_size.observe(len(items))
            self.observe_outcomes(outcomes)
            return outcomes

        return submit

    def watch_log_size(self, read: Callable[[], int]) -> None:
        def safe() -> float:
            try:
                return float(read())
            except Exception:  # noqa: BLE001 - a scrape must not fail with the store
                return math.nan

        self.log_size.set_function(safe)


def exposition(metrics: Metrics) -> tuple[bytes, str]:
    """The registry in Prometheus' text format, and its media type."""
    return generate_latest(metrics.registry), TEXT_FORMAT
