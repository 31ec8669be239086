"""A whole evaluation year through the ``minhbach`` command line, on SQLite and PostgreSQL.

Every step of one commune's year and of its district's round is written as an event file,
signed with ``minhbach sign`` (private keys as PEM files, ``prev`` looked up from the
chain head in the database) and submitted with ``minhbach submit``, which saves each
receipt; ``minhbach events export`` then gives back exactly the log. The setup commands
(``keys new``, ``init``, ``enrol``) are exercised on their own first.
"""

from __future__ import annotations

import hashlib
import json
import socket
import stat
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.cli import main, write_private
from api.config import Settings
from api.main import create_app
from domain.ledger import Ledger, Receipt
from domain.signing import Signer
from verify.process.payload import format_time

Y = 2023


def run(*argv: str) -> None:
    assert main(list(argv)) == 0, argv


class CliWorld:
    """Wraps the ``world`` fixture so that its steps go through the command line."""

    def __init__(self, world: Any, url: str, tmp: Path) -> None:
        self.world, self.url, self.tmp, self.n = world, url, tmp, 0
        self.keys: dict[str, Path] = {}
        world.emit = self.emit  # every step helper of World now signs and submits via the CLI

    def key_file(self, signer: Signer) -> str:
        if signer.key_id not in self.keys:
            path = self.tmp / "keys" / f"{signer.key_id[:16]}.pem"
            write_private(path, signer.pem())
            self.keys[signer.key_id] = path
        return str(self.keys[signer.key_id])

    def emit(
        self, signers: list[Signer], type_: str, unit: str, year: int | None,
        when: datetime, data: dict[str, Any],
    ) -> Receipt:  # fmt: skip
        self.n += 1
        event = self.tmp / f"{self.n:03d}-{type_}.json"
        doc = {"type": type_, "unit": unit, "year": year, "time": format_time(when), "data": data}
        event.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        signed = event.with_suffix(".dsse.json")
        keys = [a for s in signers for a in ("--key", self.key_file(s))]
        run("--database", self.url, "sign", *keys, str(event), "-o", str(signed))
        run("--database", self.url, "submit", str(signed))
        receipt = json.loads(Path(str(signed) + ".receipt.json").read_text(encoding="utf-8"))
        self.world.b.writer.heads[self.world.chain_key(type_, unit, year)] = receipt["envelope_hash"]
        assert receipt["type"] == type_
        return Receipt(receipt["index"], receipt["leaf_hash"], receipt["envelope_hash"], type_, unit, year)


def test_keys_init_enrol_sign_submit_and_export_through_the_cli(tmp_path: Path, ledger_url: str) -> None:
    db = ["--database", ledger_url]
    root, chair = tmp_path / "root.pem", tmp_path / "chair.pem"
    run("keys", "new", "-o", str(root))
    run("keys", "new", "--alg", "ecdsa-p256-sha256", "-o", str(chair))
    assert stat.S_IMODE(root.stat().st_mode) == 0o600
    assert main(["keys", "new", "-o", str(root)]) == 2  # never overwrites a key
    run(*db, "init", "--key", str(root))
    run(*db, "enrol", "--key", str(root), "--official-key", str(chair), "--id", "31999-ct",
        "--name", "Nguyễn Văn A", "--position", "Chủ tịch UBND xã", "--role", "commune_chairman",
        "--scope-code", "31999", "--valid-from", "2023-01-01T00:00:00Z")  # fmt: skip
    event = tmp_path / "open.json"
    event.write_text(json.dumps({"type": "EvaluationOpened", "unit": "31999", "year": Y,
                                 "time": "2023-12-01T01:00:00Z", "data": {"catalog_id": "qd25-2021"}}))  # fmt: skip
    signed = tmp_path / "open.dsse.json"
    run(*db, "sign", "--key", str(chair), str(event), "-o", str(signed))
    run(*db, "submit", str(signed))
    receipt = json.loads((tmp_path / "open.dsse.json.receipt.json").read_text())
    assert receipt["type"] == "EvaluationOpened" and receipt["findings"] == []
    # The same envelope again is refused (exit 1), and nothing more is stored.
    assert main([*db, "submit", str(signed)]) == 1
    out = tmp_path / "events.jsonl"
    run(*db, "events", "export", "-o", str(out))
    lines = out.read_bytes().splitlines()
    assert lines[-1] == signed.read_bytes() and len(lines) == receipt["index"] + 1


@pytest.mark.slow
def test_a_whole_year_of_one_commune_and_its_round_through_the_cli(
    world: Any, ledger_url: str, tmp_path: Path, ledger: Ledger
) -> None:
    cli = CliWorld(world, ledger_url, tmp_path)
    code = world.codes[0]
    world.commune_stage(code, Y)
    world.round_stage(Y, [code])
    assert cli.n > 50
    assert world.findings(code, Y) == []
    rnd = ledger.round(world.district.code, Y)
    assert rnd is not None and rnd.decision is not None and rnd.decision["meeting"] == [code]
    out = tmp_path / "events.jsonl"
    run("--database", ledger_url, "events", "export", "-o", str(out))
    exported = out.read_bytes().splitlines()
    signed = sorted(tmp_path.glob("*.dsse.json"))
    assert exported[-len(signed):] == [p.read_bytes() for p in signed]


@pytest.fixture
def server(ledger_url: str, world: Any, tmp_path: Path) -> Iterator[str]:
    """A real uvicorn on a free loopback port, over the world's database."""
    settings = Settings(database_url=ledger_url, scope="96", origin="minhbach.example/96",
                        data_dir=tmp_path / "server-data")  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_sign_looks_up_the_chain_head_on_a_server_and_submit_posts_there(
    world: Any, server: str, tmp_path: Path
) -> None:
    cli = CliWorld(world, "", tmp_path)
    code = world.codes[1]
    steps = [
        ([world.chair(code)], "EvaluationOpened", {"catalog_id": world.catalog(Y).catalog_id}),
        ([world.chair(code)], "IndicatorAssigned",
         {"indicator": world.catalog(Y).indicators[0].id, "official_id": world.assignee(code, Y, 0).id}),
    ]  # fmt: skip
    for n, (signers, type_, data) in enumerate(steps):
        event = tmp_path / f"remote-{n}.json"
        event.write_text(json.dumps({"type": type_, "unit": code, "year": Y,
                                     "time": f"2023-12-01T0{n + 1}:00:00Z", "data": data}))  # fmt: skip
        signed = tmp_path / f"remote-{n}.dsse.json"
        keys = [a for s in signers for a in ("--key", cli.key_file(s))]
        run("sign", "--url", server, *keys, str(event), "-o", str(signed))
        run("submit", "--url", server, str(signed))
    head = httpx.get(f"{server}/v1/chains/evaluation/{code}", params={"year": Y}).json()
    assert head["head"] == hashlib.sha256(signed.read_bytes()).hexdigest() and head["length"] == 2
    missing = httpx.get(f"{server}/v1/chains/round/{code}", params={"year": Y})
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert httpx.get(f"{server}/v1/chains/registry/96").json()["length"] > 40
    assert httpx.get(f"{server}/v1/chains/evaluation/{code}").status_code == 404  # year needed


def test_an_exported_log_goes_into_a_fresh_ledger_as_json_lines(
    world: Any, ledger_url: str, tmp_path: Path
) -> None:
    """``events export`` then ``events import`` into an empty database gives back the same
    log, byte for byte; importing it again refuses every line, each with its reason."""
    world.commune_stage(world.codes[2], Y)
    export = tmp_path / "log.jsonl"
    run("--database", ledger_url, "events", "export", "-o", str(export))
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    run("--database", fresh, "events", "import", str(export))
    results = [json.loads(x) for x in (tmp_path / "log.jsonl.results.jsonl").read_text().splitlines()]
    n = len(export.read_bytes().splitlines())
    assert [x["line"] for x in results] == list(range(1, n + 1))
    assert all(x["status"] == 201 for x in results) and results[-1]["receipt"]["index"] == n - 1
    again = tmp_path / "again.jsonl"
    run("--database", fresh, "events", "export", "-o", str(again))
    assert again.read_bytes() == export.read_bytes()
    assert main(["--database", fresh, "events", "import", str(export)]) == 1
    results = [json.loads(x) for x in (tmp_path / "log.jsonl.results.jsonl").read_text().splitlines()]
    assert {x["status"] for x in results} == {409} and results[0]["problem"]["message_vi"]


def test_events_import_sends_json_lines_to_a_server_in_batches(
    world: Any, server: str, ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.cli_projections

    monkeypatch.setattr(api.cli_projections, "IMPORT_CHUNK", 7)  # several requests, line numbers carried on
    export = tmp_path / "log.jsonl"
    run("--database", ledger_url, "events", "export", "-o", str(export))
    n = len(export.read_bytes().splitlines())
    assert n > 14
    assert main(["events", "import", "--url", server, str(export)]) == 1  # all already stored
    results = [json.loads(x) for x in (tmp_path / "log.jsonl.results.jsonl").read_text().splitlines()]
    assert [x["line"] for x in results] == list(range(1, n + 1))
    assert {x["problem"]["code"] for x in results} == {"duplicate"}
