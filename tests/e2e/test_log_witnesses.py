"""The real log with two real witnesses over loopback HTTP and a 2-of-2 policy: each
checkpoint the app signs carries both cosignatures, the monitor accepts what the app serves
under the policy, a witness added later is brought in from its own size, and an audit
bundle exported over HTTP meets the policy offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
