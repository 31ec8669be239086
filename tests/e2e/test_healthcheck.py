"""``python -m api.healthcheck``: the containers' health checks, against real services."""

from __future__ import annotations

import socket
import subprocess
import sys

from api.devserver import LiveServer
from api.healthcheck import check_db, check_http, check_tcp, main


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once it is closed


def test_http_check_passes_on_readyz_and_fails_on_an_error_or_no_server(live: LiveServer) -> None:
    assert check_http(live.url + "/readyz") is None
    assert check_http(live.url + "/v1/evaluations/99999/2023") is not None  # 404
    assert check_http(f"http://127.0.0.1:{closed_port()}/healthz") is not None


def test_tcp_check_tells_a_listening_port_from_a_closed_one(live: LiveServer) -> None:
    assert check_tcp("127.0.0.1", live.port) is None
    assert check_tcp("127.0.0.1", closed_port()) is not None


def test_db_check_reads_sqlite_and_reports_an_unreachable_postgres(demo_url: str) -> None:
    assert check_db(demo_url) is None
    assert check_db(f"postgresql://postgres@127.0.0.1:{closed_port()}/x", timeout=2) is not None


def test_command_exits_0_when_healthy_1_when_not_2_on_bad_usage(live: LiveServer) -> None:
    assert main(["http", live.url + "/healthz"]) == 0
    assert main(["tcp", "127.0.0.1", str(closed_port())]) == 1
    assert main(["nonsense"]) == 2
    r = subprocess.run([sys.executable, "-m", "api.healthcheck", "http", live.url + "/readyz"])
    assert r.returncode == 0
