"""The inspector's journey, end to end over HTTP on a real uvicorn (loopback only).

Build the demo province (8 communes, 2023), serve it, download a commune's audit bundle
from ``GET /v1/evaluations/{unit}/{year}/bundle``, verify it offline with
``python -m verify`` (exit 0), flip one bit of one signature, verify again (exit 1).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.config import storage_env
from api.demo import build_demo
from api.logkey import LogKey
from domain.ledger import Ledger

UNIT, YEAR = "32002", 2023  # a commune the demo leaves without findings in 2023


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("journey")
    url = f"sqlite:///{root / 'ledger.db'}"
    ledger = Ledger(storage_env(url), scope="96")
    result = build_demo(ledger, years=[YEAR], limit=8)
    assert result.refused == []
    ledger.close()
    port = _free_port()
    env = {**os.environ, "MINHBACH_DATABASE_URL": url, "MINHBACH_DATA_DIR": str(root / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("uvicorn did not start")
        yield base, root
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _verify(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "verify", str(path), *args],
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_inspector_downloads_verifies_then_detects_tampering(server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = server
    r = httpx.get(f"{base}/v1/evaluations/{UNIT}/{YEAR}/bundle", timeout=60)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.minhbach.audit-bundle+jsonl")
    assert f"minhbach-{UNIT}-{YEAR}.bundle.jsonl" in r.headers["content-disposition"]
    bundle = tmp_path / "bundle.jsonl"
    bundle.write_bytes(r.content)
    # The inspector pins the log's key (obtained out of band; here: the server's key file).
    vkey = LogKey(root / "data" / "log-signer.key", "minhbach.example/96").vkey()

    ok = _verify(bundle, "--log-key", vkey)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "XÁC THỰC VÀ HỢP PHÁP" in ok.stdout and "Traceback" not in ok.stderr

    lines = r.content.splitlines(keepends=True)
    i = max(n for n, line in enumerate(lines) if line.startswith(b'{"envelope":'))
    doc = json.loads(lines[i])
    env = json.loads(doc["envelope"])
    sig = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
    sig[10] ^= 0x01
    env["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    doc["envelope"] = json.dumps(env, separators=(",", ":"), sort_keys=True)
    lines[i] = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode() + b"\n"
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(b"".join(lines))

    bad = _verify(tampered, "--log-key", vkey, "--json", "--lang", "en")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    report = json.loads(bad.stdout)
    assert report["result"] == "integrity_failure"
    failed = {s["id"]: s for s in report["steps"] if s["status"] == "failed"}
    assert failed["signatures"]["failures"][0]["code"] == "bad_signature"
    assert failed["signatures"]["failures"][0]["evidence"]["position"] == doc["index"]
    assert failed["inclusion"]["failures"][0]["code"] == "not_included"


def test_bundle_of_a_unit_without_an_evaluation_is_a_404_problem(server: tuple[str, Path]) -> None:
    base, _ = server
    r = httpx.get(f"{base}/v1/evaluations/99999/{YEAR}/bundle", timeout=30)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_found"
