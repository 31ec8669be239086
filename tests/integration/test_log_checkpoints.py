"""The checkpointer and ``log audit`` against attacks on the stored log (SQLite and
PostgreSQL): a forked history, a rolled-back head, a tampered stored hash, an event
deleted or an envelope edited with raw SQL. Each is refused by the checkpointer (which
keeps serving the old checkpoint) and named by the audit."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.checkpointer import Checkpointer, CheckpointRefused
from api.cli import main
from api.cli_log import check_receipt
from api.demo import at
from api.logaudit import Auditor
from api.logkey import LogKey, LogKeyError
from api.store.proofs import root_at, tlog_receipt
from verify.merkle import TreeBuilder, leaf_hash, root_plan
from verify.note import (
    cosign,
    cosignature_vkey,
    generate_cosigner_key,
    open_note,
    parse_verifier_key,
)

ORIGIN = "minhbach.example/96"


@pytest.fixture
def signer(world: Any, tmp_path: Path) -> Checkpointer:
    key = LogKey(tmp_path / "log-signer.key", ORIGIN)
    key.create()
    return Checkpointer(world.ledger, key)


def grow(world: Any, n: int = 1) -> None:
    for code in world.codes[:n]:
        world.open(code, 2023)


def audit(signer: Checkpointer) -> list[str]:
    report = Auditor(signer.recorder, signer.key.verifier(), ORIGIN).run()
    return [str(p) for p in report.problems]


def test_checkpoints_are_signed_stored_and_audited(world: Any, signer: Checkpointer) -> None:
    first = signer.checkpoint()
    assert first is not None and first.size == world.ledger.recorder.log_head()[0]
    assert open_note(first.note, [signer.key.verifier()]).verified
    assert signer.checkpoint() == first  # nothing new: nothing signed
    grow(world, 2)
    second = signer.checkpoint()
    assert second is not None and second.size == first.size + 2
    assert audit(signer) == []
    receipt = tlog_receipt(signer.recorder, first.size, second.note)
    env = signer.recorder.log_leaves(first.size, first.size + 1)[0]
    check_receipt(receipt, env, first.size, signer.vkey())


def test_witness_cosignatures_are_stored_with_the_note(world: Any, tmp_path: Path) -> None:
    wkey = generate_cosigner_key("witness.example")
    calls: list[tuple[str, int, int]] = []

    def witness(url: str, old: int, proof: list[bytes], note: str) -> str | None:
        calls.append((url, old, len(proof)))
        if url == "http://down.example":
            raise OSError("connection refused")
        return cosign(note[: note.index("\n\n") + 1], wkey, 1_700_000_000)

    key = LogKey(tmp_path / "k", ORIGIN)
    key.create()
    cps = Checkpointer(world.ledger, key, ["http://down.example", "http://w.example"], witness)
    cps.checkpoint()
    grow(world)
    cp = cps.checkpoint()
    assert cp is not None
    opened = open_note(cp.note, [key.verifier(), parse_verifier_key(cosignature_vkey(wkey))])
    assert len(opened.verified) == 2
    assert calls[0][1] == 0 and calls[-1][1] == cp.size - 1 and calls[-1][2] > 0


def test_a_forked_history_is_never_signed(world: Any, signer: Checkpointer) -> None:
    first = signer.checkpoint()
    assert first is not None
    rec = signer.recorder
    # Rewrite the whole stored tree consistently around one edited envelope.
    envs = rec.log_leaves(0, first.size)
    envs[3] = envs[3].replace(b'"', b' "', 1)
    rec.log_exec("DELETE FROM log_nodes")
    b = TreeBuilder()
    for i, env in enumerate(envs):
        for (level, idx), h in b.append(leaf_hash(env)):
            rec.log_exec("INSERT INTO log_nodes VALUES (?, ?, ?)", (level, idx, h))
        rec.log_exec("UPDATE log_leaves SET envelope = ?, leaf_hash = ?, envelope_hash = ? WHERE idx = ?",
                     (env, leaf_hash(env), hashlib.sha256(env).hexdigest(), i))  # fmt: skip
    rec.log_exec("UPDATE log_head SET root = ? WHERE id = 1", (b.root(),))
    rec.tree.builder = TreeBuilder()  # the writer reloads its frontier from the rewritten rows
    with pytest.raises(CheckpointRefused, match="not consistent"):
        signer.checkpoint()
    assert signer.store.latest() == first  # the old checkpoint is still served
    assert any("checkpoint" in p and "root" in p for p in audit(signer))


def test_a_rolled_back_head_is_refused(world: Any, signer: Checkpointer, caplog: pytest.LogCaptureFixture) -> None:
    first = signer.checkpoint()
    assert first is not None
    rec, smaller = signer.recorder, first.size - 3
    rec.log_exec("UPDATE log_head SET size = ?, root = ? WHERE id = 1", (smaller, root_at(rec, smaller)))
    with pytest.raises(CheckpointRefused, match="rolled back") as e:
        signer.checkpoint()
    assert "quay lui" in e.value.vi and e.value.evidence == {"log_size": smaller, "checkpoint_size": first.size}
    assert any(r.levelname == "ERROR" and "quay lui" in r.getMessage() for r in caplog.records)
    assert signer.store.latest() == first and signer.refusal is e.value
    assert any(f"checkpoint {first.size}" in p and "rolled back" in p for p in audit(signer))


def test_a_tampered_stored_hash_is_refused_and_named(world: Any, signer: Checkpointer) -> None:
    """A hash on the new tree's proof path stops the checkpointer; one off every path it
    reads (an interior node) is found by the audit, which recomputes every node."""
    first = signer.checkpoint()
    assert first is not None
    level, idx = root_plan(first.size)[-1]  # the old tree's right edge: in the consistency proof
    signer.recorder.log_exec("UPDATE log_nodes SET hash = ? WHERE level = ? AND idx = ?", (b"\x42" * 32, level, idx))
    signer.recorder.log_exec("UPDATE log_nodes SET hash = ? WHERE level = 1 AND idx = 2", (b"\x43" * 32,))
    signer.recorder.tree.builder = TreeBuilder()
    grow(world)
    with pytest.raises(CheckpointRefused):
        signer.checkpoint()
    assert signer.store.latest() == first
    problems = audit(signer)
    assert any(p.startswith(f"node ({level}, {idx})") for p in problems), problems
    assert any(p.startswith("node (1, 2)") for p in problems), problems


def test_an_event_deleted_with_raw_sql_is_refused_and_named(world: Any, signer: Checkpointer) -> None:
    first = signer.checkpoint()
    assert first is not None
    rec = signer.recorder
    table = rec.events_table_name
    oid, version = rec.log_sql(f"SELECT originator_id, originator_version FROM {table} "
                               "ORDER BY originator_version DESC LIMIT 1")[0]  # fmt: skip
    rec.log_exec(f"DELETE FROM {table} WHERE originator_id = ? AND originator_version = ?", (oid, version))
    rec.log_exec("DELETE FROM log_leaves WHERE idx = 5")
    grow(world)
    with pytest.raises(CheckpointRefused, match="deleted"):
        signer.checkpoint()
    problems = audit(signer)
    assert any(p.startswith("leaf 5:") for p in problems), problems


def test_an_edited_envelope_is_named_by_the_audit(world: Any, signer: Checkpointer) -> None:
    signer.checkpoint()
    env = signer.recorder.log_leaves(7, 8)[0]
    signer.recorder.log_exec("UPDATE log_leaves SET envelope = ? WHERE idx = 7", (env.replace(b"{", b"{ ", 1),))
    assert any(p.startswith("leaf 7:") for p in audit(signer))


def test_a_checkpoint_signed_by_another_key_is_refused(world: Any, signer: Checkpointer, tmp_path: Path) -> None:
    cp = signer.checkpoint()
    assert cp is not None
    other = LogKey(tmp_path / "other", ORIGIN)
    other.create()
    grow(world)
    with pytest.raises(CheckpointRefused, match="not signed by the log key"):
        Checkpointer(world.ledger, other).checkpoint()  # a key swapped behind the log's back
    assert signer.store.latest() == cp


def test_log_cli_init_key_checkpoint_audit(world: Any, ledger_url: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("MINHBACH_DATA_DIR", str(tmp_path / "data"))
    db = ["--database", ledger_url]
    assert main([*db, "log", "init"]) == 0
    vkey = capsys.readouterr().out.strip()
    assert parse_verifier_key(vkey).name == ORIGIN
    assert (tmp_path / "data" / "log-signer.key").stat().st_mode & 0o777 == 0o600
    assert main([*db, "log", "init"]) == 1  # never overwritten
    assert "already exists" in capsys.readouterr().err
    assert main([*db, "log", "key"]) == 0 and capsys.readouterr().out.strip() == vkey
    assert main([*db, "log", "checkpoint"]) == 0
    assert open_note(capsys.readouterr().out, [parse_verifier_key(vkey)]).verified
    assert main([*db, "log", "audit"]) == 0
    capsys.readouterr()
    world.ledger.recorder.log_exec("UPDATE log_nodes SET hash = ? WHERE level = 0 AND idx = 4", (b"\0" * 32,))
    assert main([*db, "log", "audit"]) == 1
    assert "node (0, 4)" in capsys.readouterr().err


def test_a_command_run_without_the_servers_key_makes_no_new_one(
    world: Any, ledger_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A signed log never gets a second key by accident (say, a command run from another
    directory): the command stops, names the missing key and writes nothing."""
    monkeypatch.setenv("MINHBACH_DATA_DIR", str(tmp_path / "server"))
    db = ["--database", ledger_url]
    assert main([*db, "log", "checkpoint"]) == 0  # a new log: its first key is made here
    capsys.readouterr()
    monkeypatch.setenv("MINHBACH_DATA_DIR", str(tmp_path / "elsewhere"))
    out = tmp_path / "b.jsonl"
    assert main([*db, "bundle", "export", "--unit", world.codes[0], "--year", "2023", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "[log_key]" in err and "không có khoá của sổ" in err and "already signed" in err
    assert not (tmp_path / "elsewhere").exists() and not out.exists()
    assert main([*db, "log", "checkpoint"]) == 1


def test_the_server_does_not_start_without_the_key_of_a_signed_log(
    world: Any, ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from api.config import Settings
    from api.main import create_app

    monkeypatch.setenv("MINHBACH_DATA_DIR", str(tmp_path / "server"))
    assert main(["--database", ledger_url, "log", "checkpoint"]) == 0
    lost = Settings.from_env(database_url=ledger_url, data_dir=tmp_path / "elsewhere")
    with pytest.raises(LogKeyError, match="already signed"), TestClient(create_app(lost)):
        pass
    assert not (tmp_path / "elsewhere" / "log-signer.key").exists()
    kept = Settings.from_env(database_url=ledger_url, data_dir=tmp_path / "server")
    with TestClient(create_app(kept)) as client:  # its own key: starts as before
        assert client.get("/healthz").status_code == 200


def test_submit_wait_saves_a_verified_receipt(
    world: Any, ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = world.codes[0]
    env = world.sign([world.chair(code)], "EvaluationOpened", code, 2023, at(date(2023, 12, 1), 8),
                     {"catalog_id": world.catalog(2023).catalog_id})  # fmt: skip
    path = tmp_path / "e.dsse.json"
    path.write_bytes(env)
    monkeypatch.setenv("MINHBACH_DATA_DIR", str(tmp_path / "data"))
    rc = main(["--database", ledger_url, "submit", str(path), "--wait", "--receipt-dir", str(tmp_path / "r")])
    assert rc == 0
    [receipt] = list((tmp_path / "r").glob("*.tlog-proof"))
    index = int(receipt.name.split(".")[0])
    vkey = LogKey(tmp_path / "data" / "log-signer.key", ORIGIN).vkey()
    check_receipt(receipt.read_text(), env, index, vkey)


def test_only_one_process_signs_at_a_time(world: Any, signer: Checkpointer, make_ledger: Any) -> None:
    """Another worker (its own ledger and connections) finds the lock taken and signs nothing."""
    other = Checkpointer(make_ledger(), signer.key)
    with signer.recorder.checkpoint_lock() as got:
        assert got
        assert other.checkpoint() is None  # the lock is held: nothing signed
    assert other.checkpoint() is not None
