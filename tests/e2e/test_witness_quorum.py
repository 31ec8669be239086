"""Two witnesses over loopback HTTP and a 2-of-2 policy: the log collects both cosignatures
with the client, the policy check passes with both and fails with one, and the monitor
accepts the log's cosigned checkpoint under that policy."""

from __future__ import annotations

from pathlib import Path

from loopback import LogServer, TreeLog, serve_app

from api.cli import main
from api.witness import Witness, create_app
from api.witness_client import cosign, cosign_from
from api.witness_state import WitnessState
from verify.note import add_signatures, cosignature_vkey, make_cosigner_key, parse_verifier_key
from verify.witnesspolicy import check, parse_policy

KEYS = [make_cosigner_key(f"witness.example/w{i}", bytes([0x50 + i]) * 32) for i in (1, 2)]


def test_two_witnesses_make_a_two_of_two_quorum(tmp_path: Path) -> None:
    log = TreeLog().append(4)
    logs = [parse_verifier_key(log.vkey)]
    witnesses = [
        Witness(k, logs, WitnessState(tmp_path / f"w{i}.json")) for i, k in enumerate(KEYS)
    ]
    vkeys = [cosignature_vkey(k) for k in KEYS]
    policy_text = (f"log {log.vkey}\nwitness w1 {vkeys[0]}\nwitness w2 {vkeys[1]}\n"
                   "group both all w1 w2\nquorum both\n")  # fmt: skip
    policy = parse_policy(policy_text)
    with serve_app(create_app(witnesses[0])) as u1, serve_app(create_app(witnesses[1])) as u2:
        # first checkpoint: no previous size at either witness
        lines = [cosign(u, 0, [], log.note(), vkey=v) for u, v in zip((u1, u2), vkeys, strict=True)]
        assert all(lines)
        only_one = add_signatures(log.note(), [lines[0] or ""])
        both = add_signatures(only_one, [lines[1] or ""])
        assert check(policy, both).ok and check(policy, both).cosigned == ("w1", "w2")
        verdict = check(policy, only_one)
        assert verdict.log is not None and verdict.cosigned == ("w1",) and not verdict.ok
        # the log grows; the checkpointer asks from the size each witness last cosigned
        old = log.size
        log.append(7)
        got = [cosign_from(u, old, log.size, log.note(), log.prove, vkey=v)
               for u, v in zip((u1, u2), vkeys, strict=True)]  # fmt: skip
        assert [s.status for s in got] == [200, 200]
        log.cosignatures[log.size] = [s.lines or "" for s in got]
        assert check(policy, log.note()).ok
    # a monitor under the same policy accepts what the log now serves
    (tmp_path / "policy").write_text(policy_text)
    with LogServer(log) as server:
        args = ["log", "check", "--url", server.url, "--state", str(tmp_path / "seen.json"),
                "--policy", str(tmp_path / "policy")]  # fmt: skip
        assert main(args) == 0
        log.cosignatures[log.size] = log.cosignatures[log.size][:1]  # one witness only
        assert main(args) == 6
