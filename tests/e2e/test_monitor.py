"""``minhbach log check`` against a real HTTP test log that grows, forks and rolls back."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import LogServer, TreeLog

from api.cli import main
from verify.note import (
    cosign,
    cosignature_vkey,
    make_cosigner_key,
    make_signer_key,
    verifier_key_of,
)

W1 = make_cosigner_key("witness.example/w1", b"\x31" * 32)


def check(server: LogServer, state: Path, *extra: str) -> int:
    return main(["log", "check", "--url", server.url, "--state", str(state), *extra])


@pytest.fixture
def server() -> Iterator[LogServer]:
    with LogServer(TreeLog().append(5)) as s:
        yield s


def test_growth_is_consistent_and_recorded(server: LogServer, tmp_path: Path) -> None:
    state, key = tmp_path / "seen.json", server.log.vkey
    assert check(server, state, "--log-key", key, "--once") == 0  # first sighting
    assert json.loads(state.read_text())["logs"][server.log.origin]["size"] == 5
    assert check(server, state, "--log-key", key) == 0  # unchanged
    for grow in (1, 3, 11):
        server.log.append(grow)
        server.size = server.log.size
        assert check(server, state, "--log-key", key) == 0
    assert json.loads(state.read_text())["logs"][server.log.origin]["size"] == 20


def test_a_fork_at_the_same_size_is_detected(
    server: LogServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, key = tmp_path / "seen.json", server.log.vkey
    assert check(server, state, "--log-key", key) == 0
    before = state.read_bytes()
    server.log = server.log.fork(3, 5)
    assert check(server, state, "--log-key", key) == 3
    err = capsys.readouterr().err
    assert "FORK" in err and "RẼ NHÁNH" in err
    assert state.read_bytes() == before  # the alarm does not move the state


def test_a_fork_that_grew_fails_its_consistency_proof(server: LogServer, tmp_path: Path) -> None:
    state, key = tmp_path / "seen.json", server.log.vkey
    assert check(server, state, "--log-key", key) == 0
    server.log = server.log.fork(4, 9)
    server.size = 9
    assert check(server, state, "--log-key", key) == 3


def test_a_rollback_is_detected(
    server: LogServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, key = tmp_path / "seen.json", server.log.vkey
    server.log.append(3)
    server.size = 8
    assert check(server, state, "--log-key", key) == 0
    server.size = 6
    assert check(server, state, "--log-key", key) == 4
    assert "ROLLBACK" in capsys.readouterr().err


def test_a_wrong_log_key_and_an_unreachable_log(server: LogServer, tmp_path: Path) -> None:
    state = tmp_path / "seen.json"
    other = verifier_key_of(make_signer_key(server.log.origin, b"\x42" * 32))
    assert check(server, state, "--log-key", other) == 5
    assert not state.exists()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    args = ["log", "check", "--url", closed, "--state", str(state), "--log-key", server.log.vkey]
    assert main(args) == 7
    assert main(["log", "check", "--url", closed, "--state", str(state)]) == 1  # no key


def test_the_policy_quorum_is_required(server: LogServer, tmp_path: Path) -> None:
    policy = tmp_path / "policy"
    policy.write_text(f"log {server.log.vkey}\nwitness w1 {cosignature_vkey(W1)}\nquorum w1\n")
    state = tmp_path / "seen.json"
    assert check(server, state, "--policy", str(policy)) == 6  # not cosigned yet
    server.log.cosignatures[5] = [cosign(server.log.body(5), W1, 1_700_000_000)]
    assert check(server, state, "--policy", str(policy)) == 0


def test_the_command_runs_as_a_process(server: LogServer, tmp_path: Path) -> None:
    state = tmp_path / "seen.json"
    cmd = [sys.executable, "-m", "api.cli", "log", "check", "--url", server.url,
           "--state", str(state), "--log-key", server.log.vkey]  # fmt: skip
    assert subprocess.run(cmd, capture_output=True, timeout=60).returncode == 0
    server.size = 2
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 4 and "ROLLBACK" in r.stderr and "THU NHỎ" in r.stderr


def test_interval_mode_keeps_watching_until_an_alarm(server: LogServer, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    state = tmp_path / "seen.json"
    args = ["log", "check", "--url", server.url, "--state", str(state),
            "--log-key", server.log.vkey, "--interval", "0.05"]  # fmt: skip
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(main, args)
        time.sleep(0.5)
        server.log.append(4)
        server.size = 9
        time.sleep(0.5)
        assert not running.done()
        assert json.loads(state.read_text())["logs"][server.log.origin]["size"] == 9
        server.size = 7
        assert running.result(timeout=20) == 4
