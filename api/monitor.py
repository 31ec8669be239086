"""``minhbach log check``: a monitor that the log only ever grows.

    minhbach log check --url https://log.example --state seen.json --log-key VKEY \\
        [--policy FILE] [--once | --interval 300]

Each round fetches ``GET /log/checkpoint``, verifies the log's signature (and, with
``--policy``, the witness quorum), then compares it with the last checkpoint it saw
(``--state``, written atomically): same size and root, or a larger tree with a
consistency proof from ``GET /v1/log/proof/consistency`` that verifies. The new
checkpoint then replaces the old one in the state; on an alarm the state is kept.

Exit codes: 0 consistent; 1 bad state file or options; 3 fork (same size, other root, or
a consistency proof that fails); 4 rollback (a smaller tree); 5 bad or missing log
signature; 6 witness quorum not met; 7 log unreachable or its answer unreadable. With
``--interval`` it keeps watching, exits on an alarm (3-6), and only logs 7.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from api.witness_state import Seen, WitnessState
from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.errors import LocalizedError, ProofError
from verify.merkle import verify_consistency
from verify.note import Verifier, open_note, parse_verifier_key, split_note
from verify.witnesspolicy import Policy, check, parse_policy

OK, FORK, ROLLBACK, BAD_SIGNATURE, NO_QUORUM, UNREACHABLE = 0, 3, 4, 5, 6, 7


@dataclass(frozen=True)
class Outcome:
    code: int
    en: str
    vi: str
    evidence: dict[str, Any]

    def report(self) -> str:
        tag = "OK" if self.code == OK else "CẢNH BÁO / ALARM"
        ev = json.dumps(self.evidence, ensure_ascii=False, default=str) if self.evidence else ""
        return f"[{tag}] {self.vi}\n  {self.en}" + (f"\n  {ev}" if ev else "")


def _get(client: httpx.Client, url: str, **params: int) -> httpx.Response:
    r = client.get(url, params=params or None)
    r.raise_for_status()
    return r


class Monitor:
    def __init__(
        self,
        url: str,
        state: WitnessState,
        log_keys: list[Verifier],
        policy: Policy | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.state = state
        self.log_keys = [*log_keys, *(policy.logs if policy else [])]
        self.policy = policy
        self.client = client or httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0))

    def _verify(self, note: str) -> tuple[Checkpoint, Outcome | None]:
        cp = parse_checkpoint(split_note(note)[0])
        keys = [k for k in self.log_keys if k.name == cp.origin]
        try:
            signed = bool(keys) and bool(open_note(note, keys).verified)
            verdict = check(self.policy, note) if self.policy is not None else None
        except LocalizedError as e:
            signed, verdict = False, None
            reason = e.en
        else:
            reason = "no signature by the log's key"
        if not signed:
            return cp, Outcome(BAD_SIGNATURE, f"bad checkpoint signature: {reason}",
                               "chữ ký của sổ trên checkpoint không hợp lệ hoặc thiếu",
                               {"origin": cp.origin, "size": cp.size})  # fmt: skip
        if verdict is not None and not verdict.quorum_met:
            assert self.policy is not None
            return cp, Outcome(NO_QUORUM, "the witness cosignatures do not meet the policy",
                               "chữ ký đồng ký của nhân chứng không đáp ứng chính sách",
                               {"size": cp.size, "cosigned_by": list(verdict.cosigned),
                                "quorum": self.policy.describe()})  # fmt: skip
        return cp, None

    def _proof(self, old: int, new: int) -> list[bytes]:
        doc = _get(self.client, f"{self.url}/v1/log/proof/consistency",
                   old_size=old, new_size=new).json()  # fmt: skip
        if doc.get("old_size") != old or doc.get("new_size") != new:
            raise ValueError("the proof is for other sizes")
        return [base64.b64decode(h, validate=True) for h in doc["proof"]]

    def round(self) -> Outcome:
        try:
            note = _get(self.client, f"{self.url}/log/checkpoint").text
            cp, alarm = self._verify(note)
        except (httpx.HTTPError, LocalizedError, ValueError) as e:
            return Outcome(UNREACHABLE, f"cannot read the log's checkpoint: {e}",
                           f"không đọc được checkpoint của sổ: {e}", {"url": self.url})  # fmt: skip
        if alarm is not None:
            return alarm
        seen = self.state.get(cp.origin)
        ev: dict[str, Any] = {"origin": cp.origin, "size": cp.size, "root": cp.root.hex()}
        if seen is not None:
            ev |= {"seen_size": seen.size, "seen_root": seen.root.hex()}
        if seen is None:
            self.state.update(cp.origin, lambda _: (Seen(cp.size, cp.root, note), None))
            return Outcome(OK, "first checkpoint recorded", "đã ghi checkpoint đầu tiên", ev)
        if cp.size < seen.size:
            return Outcome(ROLLBACK, "ROLLBACK: the log is smaller than it was",
                           "SỔ BỊ THU NHỎ (rollback): kích thước nhỏ hơn lần trước", ev | {"seen_note": seen.note, "note": note})  # fmt: skip
        if cp.size == seen.size:
            if cp.root != seen.root:
                return Outcome(FORK, "FORK: same size, another root",
                               "SỔ BỊ RẼ NHÁNH (fork): cùng kích thước nhưng khác gốc", ev | {"seen_note": seen.note, "note": note})  # fmt: skip
            return Outcome(OK, "unchanged and consistent", "không đổi, nhất quán", ev)
        try:
            proof = self._proof(seen.size, cp.size)
        except (httpx.HTTPError, ValueError, KeyError, TypeError, binascii.Error) as e:
            return Outcome(UNREACHABLE, f"cannot read the consistency proof: {e}",
                           f"không đọc được bằng chứng nhất quán: {e}", ev)  # fmt: skip
        try:
            verify_consistency(seen.size, cp.size, seen.root, cp.root, proof)
        except ProofError as e:
            return Outcome(FORK, f"FORK: the consistency proof fails ({e.en})",
                           f"SỔ BỊ RẼ NHÁNH (fork): bằng chứng nhất quán sai ({e.vi})",
                           ev | {"seen_note": seen.note, "note": note,
                                 "proof": [base64.b64encode(h).decode() for h in proof]})  # fmt: skip

        def advance(current: Seen | None) -> tuple[Seen | None, None]:
            # Another monitor process may have moved on; never go back.
            if current is not None and current.size >= cp.size:
                return None, None
            return Seen(cp.size, cp.root, note), None

        self.state.update(cp.origin, advance)
        return Outcome(OK, "consistent with the last checkpoint",
                       "nhất quán với checkpoint lần trước", ev)  # fmt: skip


def cmd_check(args: argparse.Namespace) -> int:
    try:
        keys = [parse_verifier_key(k) for k in args.log_key]
        policy = parse_policy(Path(args.policy).read_bytes()) if args.policy else None
    except (LocalizedError, OSError) as e:
        print(f"Lỗi / error: {e}", file=sys.stderr)
        return 1
    if not keys and not (policy and policy.logs):
        print("Lỗi / error: cần --log-key hoặc --policy có dòng log / need a log key",
              file=sys.stderr)  # fmt: skip
        return 1
    monitor = Monitor(args.url, WitnessState(Path(args.state)), keys, policy)
    while True:
        try:
            out = monitor.round()
        except (ValueError, OSError) as e:
            print(f"Lỗi / error: state {args.state}: {e}", file=sys.stderr)
            return 1
        print(out.report(), file=sys.stdout if out.code == OK else sys.stderr, flush=True)
        if args.interval is None or out.code not in (OK, UNREACHABLE):
            return out.code
        time.sleep(args.interval)


def register_log_check(log_sub: Any) -> None:
    """Add ``check`` to the ``minhbach log`` group (created in api/cli.py)."""
    c = log_sub.add_parser(
        "check",
        help="giám sát sổ / check the log only grows (fork, rollback)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument("--url", required=True, help="the log server, e.g. http://127.0.0.1:8000")
    c.add_argument("--state", required=True, help="file of the last checkpoint seen")
    c.add_argument("--log-key", action="append", default=[], help="the log's verifier key")
    c.add_argument("--policy", help="tlog-policy file: log keys and the witness quorum")
    when = c.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="one check (the default)")
    when.add_argument("--interval", type=float, help="check every S seconds")
    c.set_defaults(func=cmd_check)
