"""The witness over real HTTP on loopback (C2SP tlog-witness): it cosigns a consistent
sequence, refuses rollbacks, forks, bad proofs and bad signatures with the spec's status
codes, keeps its state across a restart and serialises concurrent requests."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from loopback import TreeLog, serve_app

from api.witness import Witness, create_app
from api.witness_client import cosign, cosign_from, request_body, submit
from api.witness_state import WitnessState
from verify.note import (
    add_signatures,
    cosignature_vkey,
    make_cosigner_key,
    make_signer_key,
    open_note,
    parse_verifier_key,
    sign_note,
)

WKEY = make_cosigner_key("witness.example/w1", b"\x21" * 32)
WVKEY = cosignature_vkey(WKEY)


def make_witness(state: Path, log: TreeLog) -> Witness:
    return Witness(WKEY, [parse_verifier_key(log.vkey)], WitnessState(state))


@pytest.fixture
def log() -> TreeLog:
    return TreeLog().append(3)


@pytest.fixture
def url(tmp_path: Path, log: TreeLog) -> Iterator[str]:
    with serve_app(create_app(make_witness(tmp_path / "state.json", log), max_body=64 * 1024)) as u:
        yield u


def post(url: str, old: int, proof: list[bytes], note: str) -> httpx.Response:
    return httpx.post(url + "/add-checkpoint", content=request_body(old, proof, note), timeout=10)


def cosigned_by_witness(note: str, lines: str) -> int:
    """The verified cosignature's timestamp."""
    opened = open_note(add_signatures(note, [lines]), [parse_verifier_key(WVKEY)])
    assert len(opened.verified) == 1
    ts = opened.verified[0].timestamp
    assert ts is not None
    return ts


def test_a_consistent_sequence_is_cosigned(url: str, log: TreeLog) -> None:
    r = post(url, 0, [], log.note())
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    assert abs(cosigned_by_witness(log.note(), r.text) - time.time()) < 60
    for grow in (1, 4, 9):
        old = log.size
        log.append(grow)
        r = post(url, old, log.prove(old, log.size), log.note())
        assert r.status_code == 200, r.text
        cosigned_by_witness(log.note(), r.text)
    again = post(url, log.size, [], log.note())  # the same checkpoint again
    assert again.status_code == 200
    # the client: the line, verified against the witness key
    log.append(2)
    line = cosign(url, log.size - 2, log.prove(log.size - 2, log.size), log.note())
    assert line is not None and cosigned_by_witness(log.note(), line)


def test_the_wrong_old_size_gets_409_with_the_witness_size(url: str, log: TreeLog) -> None:
    assert post(url, 0, [], log.note()).status_code == 200
    log.append(4)
    r = post(url, 0, [], log.note())
    assert r.status_code == 409
    assert r.headers["content-type"] == "text/x.tlog.size" and r.text == "3\n"
    s = submit(url, 0, [], log.note())
    assert (s.status, s.witness_size, s.lines) == (409, 3, None)
    assert cosign(url, 0, [], log.note()) is None
    # cosign_from retries once from the size the witness names
    s = cosign_from(url, 0, log.size, log.note(), log.prove, vkey=WVKEY)
    assert s.status == 200 and s.lines and cosigned_by_witness(log.note(), s.lines)


def test_a_rollback_is_refused(url: str, log: TreeLog) -> None:
    log.append(5)
    assert post(url, 0, [], log.note()).status_code == 200  # witness at 8
    r = post(url, 3, [], log.note(3))  # a smaller tree, claiming the old size 3
    assert r.status_code == 409 and r.text == "8\n"
    r = post(url, 8, [], log.note(3))  # old above the checkpoint's size: malformed
    assert r.status_code == 400
    assert post(url, 8, [], log.note()).status_code == 200  # the witness is still at 8


def test_forks_and_bad_proofs_are_refused(url: str, log: TreeLog) -> None:
    log.append(4)
    assert post(url, 0, [], log.note()).status_code == 200  # witness at 7
    same_size = log.fork(5, 7)
    r = post(url, 7, [], same_size.note())
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "fork"
    bigger = log.fork(5, 12)  # its own proof from 7 cannot lead to our root at 7
    r = post(url, 7, bigger.prove(7, 12), bigger.note())
    assert r.status_code == 422 and r.json()["code"] == "bad_consistency_proof"
    log.append(5)
    proof = log.prove(7, 12)
    r = post(url, 7, proof[:-1], log.note())  # a proof too short
    assert r.status_code == 422
    r = post(url, 7, [proof[0][::-1], *proof[1:]], log.note())  # a proof altered
    assert r.status_code == 422
    assert post(url, 7, proof, log.note()).status_code == 200


def test_signatures_origins_and_malformed_bodies(url: str, log: TreeLog) -> None:
    stranger = sign_note(log.body(), make_signer_key(log.origin, b"\x99" * 32))
    assert post(url, 0, [], stranger).status_code == 403  # the origin's name, another key
    good = log.note()
    sig_line = good.split("\n")[-2]
    tampered = good.replace(
        sig_line, sig_line[:-8] + ("A" * 7 + "=" if sig_line[-8] != "A" else "B" * 7 + "=")
    )
    assert post(url, 0, [], tampered).status_code == 403  # the log's key, a bad signature
    other = TreeLog("other.example/log").append(2)
    r = post(url, 0, [], other.note())
    assert r.status_code == 404 and r.json()["code"] == "unknown_log"
    assert httpx.post(url + "/no-such-path", content=b"x").status_code == 404
    for body in (b"", b"old 0\n", b"old 01\n\n" + good.encode(), b"new 0\n\n" + good.encode(),
                 b"old 0\nnot base64\n\n" + good.encode(), b"old 0\n\n" + b"\xff" + good.encode(),
                 b"old 0\n\nno checkpoint here\n"):  # fmt: skip
        r = httpx.post(url + "/add-checkpoint", content=body)
        assert r.status_code == 400, body
        assert r.headers["content-type"] == "application/problem+json"
    r = post(url, 0, [b"\x00" * 32], good)  # a proof from size 0 must be empty
    assert r.status_code == 400
    r = httpx.post(url + "/add-checkpoint", content=b"old 0\n" + b"A" * 70_000)
    assert r.status_code == 413
    assert httpx.get(url + "/add-checkpoint").status_code == 405
    assert post(url, 0, [], good).status_code == 200  # nothing above changed the state


def test_the_state_survives_a_restart(tmp_path: Path, log: TreeLog) -> None:
    state = tmp_path / "state.json"
    with serve_app(create_app(make_witness(state, log))) as url:
        log.append(6)
        assert post(url, 0, [], log.note()).status_code == 200
    doc = json.loads(state.read_text())
    assert doc["logs"][log.origin]["size"] == 9
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
    with serve_app(create_app(make_witness(state, log))) as url:  # a new process's view
        r = post(url, 0, [], log.note())
        assert r.status_code == 409 and r.text == "9\n"
        log.append(2)
        assert post(url, 9, log.prove(9, 11), log.note()).status_code == 200
        assert post(url, 9, [], log.note(9)).status_code == 409  # no going back


def test_concurrent_requests_are_serialised(url: str, log: TreeLog) -> None:
    assert post(url, 0, [], log.note()).status_code == 200  # at 3
    log.append(20)
    notes = {n: log.note(n) for n in range(4, 24)}
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda n: (n, post(url, 3, log.prove(3, n), notes[n])), notes))
    accepted = [n for n, r in results if r.status_code == 200]
    assert len(accepted) == 1, [(n, r.status_code) for n, r in results]
    assert {r.status_code for _, r in results} == {200, 409}
    assert all(r.text == f"{accepted[0]}\n" for _, r in results if r.status_code == 409)
    assert post(url, 3, [], log.note(3)).status_code == 409  # the winner's size is kept


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_witness_command_line(tmp_path: Path, log: TreeLog) -> None:
    cli = [sys.executable, "-m", "api.cli"]
    key = tmp_path / "w.key"
    r = subprocess.run([*cli, "witness", "init", "--key", str(key), "--name", "w.example/1"],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr
    vkey = r.stdout.strip()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and vkey.startswith("w.example/1+")
    assert parse_verifier_key(vkey).kind == "cosignature/v1"
    again = subprocess.run([*cli, "witness", "init", "--key", str(key), "--name", "x"],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert again.returncode == 2  # never overwrites a key
    port = _free_port()
    serve = [*cli, "witness", "serve", "--port", str(port), "--key", str(key),
             "--state", str(tmp_path), "--log", log.vkey]  # fmt: skip
    proc = subprocess.Popen(serve, env={**os.environ, "MINHBACH_LOG_LEVEL": "WARNING"})
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        line = cosign(url, 0, [], log.note(), vkey=vkey)
        assert line is not None and line.startswith("\u2014 w.example/1 ")
        assert (tmp_path / "state.json").exists()
    finally:
        proc.terminate()
        proc.wait(10)
