"""The HTTP layer around the routes: problem+json for framework errors and crashes, body
limits on every route, request ids, JSON access logs, metrics, pagination, readiness and
the OpenAPI document — over the real app on a temporary SQLite file."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from signed_province import COMMUNE, PROVINCE, YEAR, Province

from api.config import Settings
from api.main import create_app
from api.observe import JsonFormatter

PROBLEM = "application/problem+json"
JSON = {"content-type": "application/json"}


def assert_problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:minhbach:problem:{code}"
    assert body["message_vi"] and body["message_en"] and body["message_vi"] != body["message_en"]
    return body


# -- framework errors as problems ----------------------------------------------------
def test_unknown_api_route_is_a_404_problem_in_vietnamese_by_default(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/nothing-here"), 404, "not_found")
    assert body["detail"] == body["message_vi"] == "không tìm thấy tài nguyên"
    assert body["instance"] == "/v1/nothing-here"


def test_problem_detail_is_english_when_the_client_prefers_english(client: TestClient) -> None:
    r = client.get("/v1/nothing-here", headers={"accept-language": "en-GB,en;q=0.9"})
    body = assert_problem(r, 404, "not_found")
    assert body["detail"] == body["message_en"] and r.headers["content-language"] == "en"


def test_unknown_page_asked_by_a_browser_is_an_html_404(client: TestClient) -> None:
    r = client.get("/khong-co", headers={"accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Không có trang này." in r.text


@pytest.mark.parametrize("path", ["/u/abc/2023", "/p/1999", "/static/none.css"])
def test_a_mistyped_page_address_is_an_html_404_for_a_browser_and_a_problem_otherwise(
    client: TestClient, path: str
) -> None:
    page = client.get(path, headers={"accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = client.get(path)
    assert api.status_code in (404, 422) and api.headers["content-type"].startswith(PROBLEM)


def test_wrong_method_is_a_405_problem_with_allow(client: TestClient) -> None:
    r = client.delete("/v1/events")
    body = assert_problem(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "POST" and body["evidence"]["method"] == "DELETE"


@pytest.mark.parametrize(
    "path",
    ["/v1/units?limit=0", "/v1/units?limit=1001", "/v1/units?level=village",
     "/v1/provinces/1999", "/v1/evaluations/3200/2023", "/v1/units?cursor=%21%21"],
)  # fmt: skip
def test_invalid_parameters_are_a_422_problem_naming_the_parameter(
    client: TestClient, path: str
) -> None:
    body = assert_problem(client.get(path), 422, "invalid_request")
    assert body["evidence"]["errors"][0]["loc"][0] in ("query", "path")


def crashing_client(tmp_path: Path) -> TestClient:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'l.db'}", data_dir=tmp_path))

    def boom() -> None:
        raise RuntimeError("secret internals: /etc/minhbach/key.pem")

    app.add_api_route("/v1/boom", boom)
    return TestClient(app)


def test_a_crash_is_a_500_problem_that_leaks_nothing_and_logs_the_traceback(
    tmp_path: Path, capture: Callable[[str], list[str]]
) -> None:
    records = capture("minhbach.error")
    with crashing_client(tmp_path) as c:
        r = c.get("/v1/boom", headers={"x-request-id": "req-42"})
    body = assert_problem(r, 500, "internal_error")
    assert body["evidence"] == {"request_id": "req-42"} and r.headers["x-request-id"] == "req-42"
    assert "secret" not in r.text and "RuntimeError" not in r.text and "Traceback" not in r.text
    [line] = [json.loads(x) for x in records]
    assert line["request_id"] == "req-42" and "RuntimeError: secret internals" in line["exception"]


# -- body limits on every route --------------------------------------------------------
@pytest.mark.parametrize("method,path", [("POST", "/v1/events"), ("GET", "/v1/units"),
                                         ("PUT", "/v1/units"), ("POST", "/p/2023")])  # fmt: skip
def test_a_body_over_the_limit_is_refused_with_413_on_every_route(
    client: TestClient, method: str, path: str
) -> None:
    body = assert_problem(
        client.request(method, path, content=b"x" * (64 * 1024 + 1)), 413, "too_large"
    )
    assert body["evidence"] == {"max_bytes": 64 * 1024, "size": 64 * 1024 + 1}


def test_a_body_at_the_limit_reaches_the_route(client: TestClient) -> None:
    r = client.post("/v1/events", content=b" " * (64 * 1024), headers=JSON)
    assert_problem(r, 400, "malformed")


def asgi_call(app: Any, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> tuple[int, bytes]:
    """One request straight through the ASGI app (headers a server would not let through)."""
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/v1/events", "raw_path": b"/v1/events", "root_path": "",
             "query_string": b"", "headers": headers, "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 80), "state": {}}  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_a_content_length_that_is_not_a_number_is_refused_with_400(client: TestClient) -> None:
    status, body = asgi_call(
        client.app, [(b"content-length", b"12abc"), (b"content-type", b"application/json")]
    )
    assert status == 400 and json.loads(body)["code"] == "bad_content_length"


# -- request ids and logs ---------------------------------------------------------------
@pytest.fixture
def capture() -> Iterator[Callable[[str], list[str]]]:
    """``capture("minhbach.access")``: the JSON lines that logger writes from now on."""
    added: list[tuple[logging.Logger, logging.Handler]] = []

    def start(name: str) -> list[str]:
        lines: list[str] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                lines.append(JsonFormatter().format(record))

        logger = logging.getLogger(name)
        handler = Keep()
        logger.addHandler(handler)
        added.append((logger, handler))
        return lines

    yield start
    for logger, handler in added:
        logger.removeHandler(handler)


def test_each_request_is_one_json_log_line_with_route_status_duration_and_request_id(
    client: TestClient, capture: Callable[[str], list[str]]
) -> None:
    lines = capture("minhbach.access")
    r = client.get(f"/v1/evaluations/{COMMUNE}/{YEAR}", headers={"x-request-id": "abc.123"})
    assert r.headers["x-request-id"] == "abc.123"
    [line] = [json.loads(x) for x in lines]
    assert line["method"] == "GET" and line["status"] == 404
    assert line["route"] == "/v1/evaluations/{unit_code}/{year}"
    assert line["path"] == f"/v1/evaluations/{COMMUNE}/{YEAR}"
    assert line["request_id"] == "abc.123" and line["duration_ms"] > 0 and line["level"] == "INFO"


def test_the_event_routes_served_outside_fastapi_keep_ids_logs_metrics_and_limits(
    client: TestClient, province: Province, capture: Callable[[str], list[str]]
) -> None:
    """``api.fastroute`` answers the event routes: the layers around it still apply."""
    labels = {"method": "POST", "route": "/v1/events", "status": "201"}
    before = metric(client.get("/metrics").text, "minhbach_http_requests_total", **labels)
    lines = capture("minhbach.access")
    r = client.post("/v1/events", content=province.opened(), headers={**JSON, "x-request-id": "ev-1"})
    assert r.status_code == 201 and r.headers["x-request-id"] == "ev-1"
    [line] = [json.loads(x) for x in lines]
    assert (line["route"], line["status"], line["request_id"]) == ("/v1/events", 201, "ev-1")
    after = metric(client.get("/metrics").text, "minhbach_http_requests_total", **labels)
    assert after == before + 1
    size = client.get("/readyz").json()["log_size"]
    # a body sent without a length is counted as it arrives: over the limit, 413, nothing stored
    r = client.post("/v1/events", content=iter([b"x" * 40_000, b"x" * 40_000]), headers=JSON)
    assert_problem(r, 413, "too_large")
    r = client.post("/v1/events/batch", content=b"{}", headers={"content-type": "text/plain"})
    assert_problem(r, 415, "unsupported_media_type")
    assert json.loads(lines[-1])["route"] == "/v1/events/batch"
    assert client.get("/readyz").json()["log_size"] == size


def test_an_unsafe_request_id_is_replaced_by_a_fresh_one(client: TestClient) -> None:
    given = "x" * 65
    rid = client.get("/healthz", headers={"x-request-id": given}).headers["x-request-id"]
    assert rid != given and len(rid) == 32
    assert client.get("/healthz").headers["x-request-id"] != rid


# -- metrics -----------------------------------------------------------------------------
def metric(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # exposition order
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} ") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{{{want}}} not in metrics")


def test_metrics_count_events_by_outcome_and_code_batches_and_requests_by_route(
    client: TestClient, province: Province
) -> None:
    before = client.get("/metrics").text
    accepted = metric(before, "minhbach_events_total", outcome="accepted", code="")
    assert client.post("/v1/events", content=province.opened(), headers=JSON).status_code == 201
    assert client.post("/v1/events", content=b"{}", headers=JSON).status_code == 400
    client.get(f"/u/{COMMUNE}/{YEAR}")
    r = client.get("/metrics")
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = r.text
    assert metric(text, "minhbach_events_total", outcome="accepted", code="") == accepted + 1
    assert metric(text, "minhbach_events_total", outcome="refused", code="malformed") == 1
    assert metric(text, "minhbach_batch_size_count") >= 6  # 4 registry events, 2 now
    assert metric(text, "minhbach_http_requests_total",
                  method="GET", route="/u/{unit_code}/{year}", status="200") == 1  # fmt: skip
    assert metric(text, "minhbach_log_size") == 5
    assert f"/u/{COMMUNE}" not in text  # raw paths never become labels


# -- readiness -----------------------------------------------------------------------------
def test_readiness_is_503_until_the_ledger_is_initialised(
    tmp_path: Path, province: Province
) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'l.db'}", scope=PROVINCE,
                              data_dir=tmp_path, trust_root=(province.root.public,)))  # fmt: skip
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 200
        assert_problem(c.get("/readyz"), 503, "not_ready")
        first = province.registry_events()[0]
        assert c.post("/v1/events", content=first, headers=JSON).status_code == 201
        assert c.get("/readyz").json() == {"status": "ready", "log_size": 1}


# -- pagination ------------------------------------------------------------------------------
def test_units_are_paged_by_cursor_through_the_link_header_each_exactly_once(
    client: TestClient,
) -> None:
    everything = [u["code"] for u in client.get("/v1/units").json()]
    seen: list[str] = []
    url: str | None = "/v1/units?limit=1"
    while url:
        r = client.get(url)
        seen += [u["code"] for u in r.json()]
        link = r.headers.get("link")
        url = link[1 : link.index(">")] if link else None
        assert link is None or link.endswith('; rel="next"')
    assert seen == everything == sorted(everything) and len(seen) == 3


def test_province_results_carry_next_and_counts_cover_every_unit(opened: TestClient) -> None:
    r = opened.get(f"/v1/provinces/{YEAR}", params={"limit": 1})
    doc = r.json()
    assert doc["counts"]["total"] == 1 and len(doc["units"]) == 1 and doc["next"] is None
    assert "link" not in r.headers


def test_a_cursor_never_handed_out_starts_after_the_place_it_names(client: TestClient) -> None:
    def codes(cursor: str) -> list[str]:
        return [u["code"] for u in client.get("/v1/units", params={"cursor": cursor}).json()]

    assert codes("0") == ["32002", "96", "964"]  # units sort by code, as text
    assert codes("900") == ["96", "964"]
    assert codes("zzz") == []


# -- the OpenAPI document ---------------------------------------------------------------------
def test_openapi_has_bilingual_tags_and_summaries_and_declares_its_problems(
    client: TestClient,
) -> None:
    doc = client.get("/openapi.json").json()
    tags = {t["name"]: t["description"] for t in doc["tags"]}
    assert set(tags) == {"events", "evaluations", "provinces", "units", "log", "read models", "health"}
    assert all(" / " in d for d in tags.values())
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert " / " in op["summary"], (method, path)  # "Tiếng Việt / English"
            assert op["tags"], (method, path)
            for status, resp in op["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(resp["content"]) == [PROBLEM], (method, path, status)
    assert set(doc["paths"]["/v1/events"]["post"]["responses"]) >= {
        "201",
        "400",
        "403",
        "409",
        "413",
        "415",
        "422",
    }
    assert client.get("/docs").status_code == 200
