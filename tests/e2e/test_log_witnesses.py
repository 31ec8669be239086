"""The real log with two real witnesses over loopback HTTP and a 2-of-2 policy: each
checkpoint the app signs carries both cosignatures, the monitor accepts what the app serves
under the policy, a witness added later is brought in from its own size, and an audit
bundle exported over HTTP meets the policy offline."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from loopback import serve_app
from signed_province import COMMUNE, PROVINCE, YEAR, Province, t

from api.cli import main
from api.config import Settings
from api.logkey import LogKey
from api.main import create_app
from api.witness import Witness
from api.witness import create_app as witness_app
from api.witness_state import WitnessState
from domain.signing import generate
from verify.note import cosignature_vkey, make_cosigner_key, parse_verifier_key
from verify.witnesspolicy import check, parse_policy

ORIGIN = "minhbach.example/96"
KEYS = [make_cosigner_key(f"witness.example/w{i}", bytes([0x60 + i]) * 32) for i in (1, 2, 3)]
JSON = {"content-type": "application/json"}


def test_the_log_collects_both_cosignatures_and_meets_a_two_of_two_policy(tmp_path: Path) -> None:
    key = LogKey(tmp_path / "log-signer.key", ORIGIN)
    key.create()
    log_vkey = key.vkey()
    logs = [parse_verifier_key(log_vkey)]
    vkeys = [cosignature_vkey(k) for k in KEYS]
    policy_text = (f"log {log_vkey}\nwitness w1 {vkeys[0]}\nwitness w2 {vkeys[1]}\n"
                   "group both all w1 w2\nquorum both\n")  # fmt: skip
    policy = parse_policy(policy_text)
    (tmp_path / "policy").write_text(policy_text)
    province = Province(root=generate(), chairman=generate())
    w = [
        witness_app(Witness(k, logs, WitnessState(tmp_path / f"w{i}.json")))
        for i, k in enumerate(KEYS)
    ]
    with serve_app(w[0]) as u1, serve_app(w[1]) as u2, serve_app(w[2]) as u3:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'ledger.db'}", scope=PROVINCE, origin=ORIGIN,
            data_dir=tmp_path, trust_root=(province.root.public,), log_key_file=key.path,
            witnesses=(u1, u2), checkpoint_interval=3600.0,
        )  # fmt: skip
        app = create_app(settings)
        with serve_app(app) as url:
            for envelope in province.registry_events():
                assert (
                    httpx.post(url + "/v1/events", content=envelope, headers=JSON).status_code
                    == 201
                )
            first = app.state.checkpoints.checkpoint()
            note = httpx.get(url + "/log/checkpoint").text
            verdict = check(policy, note)
            assert verdict.ok and verdict.cosigned == ("w1", "w2"), note
            # the log grows: both witnesses cosign the next checkpoint from the last size
            assert (
                httpx.post(url + "/v1/events", content=province.opened(), headers=JSON).status_code
                == 201
            )
            second = app.state.checkpoints.checkpoint()
            assert second.size == first.size + 1
            assert check(policy, httpx.get(url + "/log/checkpoint").text).ok
            # a monitor under the policy accepts the log's history
            args = ["log", "check", "--url", url, "--state", str(tmp_path / "seen.json"),
                    "--log-key", log_vkey, "--policy", str(tmp_path / "policy"), "--once"]  # fmt: skip
            assert main(args) == 0
            # an audit bundle exported over HTTP meets the policy offline
            bundle = tmp_path / "b.jsonl"
            r = httpx.get(url + "/v1/evaluations/32002/2023/bundle")
            assert r.status_code == 200, r.text
            bundle.write_bytes(r.content)
            done = subprocess.run(
                [sys.executable, "-m", "verify", str(bundle), "--policy", str(tmp_path / "policy"),
                 "--json"], capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            report = json.loads(done.stdout)
            assert done.returncode in (0, 3), done.stdout + done.stderr  # authentic
            # a third witness, added later, starts from nothing: the log's client learns its
            # size from the 409 and sends the proof from there
            app.state.checkpoints.witnesses = (u1, u2, u3)
            opened = province.opened()
            province.accepted(opened, COMMUNE, YEAR)
            assign = province.sign(province.chairman, "IndicatorAssigned", COMMUNE, YEAR,
                                   t("2023-01-06"), {"indicator": "TC1.1", "official_id": "cb-32002-ct"})  # fmt: skip
            assert httpx.post(url + "/v1/events", content=assign, headers=JSON).status_code == 201
            third = app.state.checkpoints.checkpoint()
            assert third.size == second.size + 1
            assert check(policy, third.note).cosigned == ("w1", "w2")
            w3 = parse_policy(
                policy_text.replace(
                    "group both all w1 w2", f"witness w3 {vkeys[2]}\ngroup both all w1 w2 w3"
                )
            )
            assert check(w3, third.note).ok
    steps = {s["n"]: s for s in report["steps"]}
    assert steps[6]["status"] == "passed", steps[6]


@contextmanager
def registered_log(
    tmp_path: Path,
) -> Iterator[tuple[Any, str, LogKey, Province, Path, tuple[str, str]]]:
    """The real app on SQLite with the test province registered, two witnesses asked to
    cosign: (app, its URL, the log key, the province, the database file, witness URLs)."""
    key = LogKey(tmp_path / "log-signer.key", ORIGIN)
    key.create()
    logs = [parse_verifier_key(key.vkey())]
    province = Province(root=generate(), chairman=generate())
    w = [
        witness_app(Witness(k, logs, WitnessState(tmp_path / f"w{i}.json")))
        for i, k in enumerate(KEYS[:2])
    ]
    db = tmp_path / "ledger.db"
    with serve_app(w[0]) as u1, serve_app(w[1]) as u2:
        settings = Settings(
            database_url=f"sqlite:///{db}", scope=PROVINCE, origin=ORIGIN, data_dir=tmp_path,
            trust_root=(province.root.public,), log_key_file=key.path, witnesses=(u1, u2),
            checkpoint_interval=3600.0,
        )  # fmt: skip
        app = create_app(settings)
        with serve_app(app) as url:
            for envelope in province.registry_events():
                assert (
                    httpx.post(url + "/v1/events", content=envelope, headers=JSON).status_code
                    == 201
                )
            yield app, url, key, province, db, (u1, u2)


def test_an_event_deleted_behind_the_log_and_re_signed_is_refused_by_witnesses_and_monitor(
    tmp_path: Path,
) -> None:
    """The operator (who holds the log key and the database) deletes an event with raw SQL,
    rebuilds the tree of what is left and signs it: the log's own checks refuse to sign it,
    the witnesses refuse the forged checkpoint (a rollback of what they cosigned, and a
    history their proofs cannot join), and the monitor exits 4."""
    import hashlib
    import sqlite3

    from api.store.checkpoints import CheckpointStore
    from api.witness_client import submit
    from verify.checkpoint import Checkpoint, format_checkpoint
    from verify.merkle import leaf_hash, root_of
    from verify.note import sign_note

    with registered_log(tmp_path) as (app, url, key, province, db, (u1, u2)):
        assert (
            httpx.post(url + "/v1/events", content=province.opened(), headers=JSON).status_code
            == 201
        )
        good = app.state.checkpoints.checkpoint()
        assert good.size == 5 and check(parse_policy(
            f"log {key.vkey()}\nwitness w1 {cosignature_vkey(KEYS[0])}\nwitness w2 {cosignature_vkey(KEYS[1])}\n"
            "group both all w1 w2\nquorum both\n"), good.note).ok  # fmt: skip
        seen = tmp_path / "seen.json"
        args = [
            "log",
            "check",
            "--url",
            url,
            "--state",
            str(seen),
            "--log-key",
            key.vkey(),
            "--once",
        ]
        assert main(args) == 0
        # behind the application's back: event 2 is deleted and the tree rebuilt without it
        recorder = app.state.ledger.recorder
        leaves = recorder.log_leaves(0, 5)
        kept = [leaves[i] for i in range(5) if i != 2]
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM log_leaves WHERE idx >= 2")
            conn.executemany(
                "INSERT INTO log_leaves VALUES (?, ?, ?, ?)",
                [(i, leaf_hash(e), hashlib.sha256(e).hexdigest(), e)
                 for i, e in enumerate(kept) if i >= 2],
            )  # fmt: skip
            conn.execute("DELETE FROM log_checkpoints")
        # the log itself will not sign the rewritten store
        assert main(["--database", f"sqlite:///{db}", "log", "audit"]) == 1
        forged_root = root_of([leaf_hash(e) for e in kept])
        forged = sign_note(format_checkpoint(Checkpoint(ORIGIN, 4, forged_root)), key.signer())
        CheckpointStore(recorder).add(4, forged_root, forged)
        # the witnesses: a checkpoint smaller than the one they cosigned (409 with their size)
        for u in (u1, u2):
            s = submit(u, 4, [], forged)
            assert s.status == 409 and s.witness_size == 5 and not s.lines
            s = submit(u, 5, [], forged)  # claiming their size does not help
            assert s.status in (400, 409, 422) and not s.lines
        # the monitor: what the log serves now is a rollback of what it saw
        assert main(args) == 4


def test_a_tampered_stored_hash_re_signed_is_a_fork_to_witnesses_and_monitor(
    tmp_path: Path,
) -> None:
    """A stored leaf hash is changed with raw SQL and a checkpoint of the resulting root is
    signed with the log key: log audit names the hash, the witnesses answer 409 (same size,
    another root) and the monitor exits 3."""
    import sqlite3

    from api.store.checkpoints import CheckpointStore
    from api.witness_client import submit
    from verify.checkpoint import Checkpoint, format_checkpoint
    from verify.note import sign_note

    with registered_log(tmp_path) as (app, url, key, province, db, (u1, u2)):
        good = app.state.checkpoints.checkpoint()
        assert good.size == 4
        args = ["log", "check", "--url", url, "--state", str(tmp_path / "seen.json"),
                "--log-key", key.vkey(), "--once"]  # fmt: skip
        assert main(args) == 0
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE log_leaves SET leaf_hash = ? WHERE idx = 1", (b"\x01" * 32,))
            conn.execute(
                "UPDATE log_nodes SET hash = ? WHERE level = 0 AND idx = 1", (b"\x01" * 32,)
            )
            conn.execute("DELETE FROM log_nodes WHERE level > 0")
            conn.execute("DELETE FROM log_checkpoints")
        assert main(["--database", f"sqlite:///{db}", "log", "audit"]) == 1
        recorder = app.state.ledger.recorder
        from verify.merkle import node_hash

        hashes = [bytes(r[0]) for r in sqlite3.connect(db).execute(
            "SELECT leaf_hash FROM log_leaves ORDER BY idx")]  # fmt: skip
        forged_root = node_hash(node_hash(hashes[0], hashes[1]), node_hash(hashes[2], hashes[3]))
        assert forged_root != good.root
        forged = sign_note(format_checkpoint(Checkpoint(ORIGIN, 4, forged_root)), key.signer())
        CheckpointStore(recorder).add(4, forged_root, forged)
        for u in (u1, u2):
            s = submit(u, 4, [], forged)
            assert s.status == 409 and not s.lines
        assert main(args) == 3
