"""``minhbach log``: the transparency log's key, checkpoints, audit, and receipts.

    minhbach log init [--key-file PATH]   # new signer key (mode 0600), prints the verifier key
    minhbach log key                      # the verifier key (name+keyid+base64)
    minhbach log checkpoint               # sign the current head now (witnesses asked)
    minhbach log audit                    # recompute every leaf, node, root, checkpoint

``minhbach submit --wait`` uses ``wait_for_receipts`` here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from api.checkpointer import Checkpointer, default_cosigner, ready_key
from api.logaudit import Auditor
from api.logkey import LogKey
from api.store.proofs import tlog_receipt
from verify.merkle import leaf_hash, verify_inclusion
from verify.note import open_note, parse_checkpoint, parse_tlog_proof, parse_verifier_key
from verify.refusals import DomainError


def log_key(args: argparse.Namespace) -> LogKey:
    from api.cli import _settings

    s = _settings(args)
    path = getattr(args, "key_file", None)
    return LogKey(Path(path) if path else s.log_key_path, s.origin)


def checkpointer(args: argparse.Namespace, ledger: Any) -> Checkpointer:
    from api.cli import _settings

    key = log_key(args)
    ready_key(key, ledger.recorder)
    return Checkpointer(ledger, key, _settings(args).witnesses, default_cosigner(ledger.recorder))


def cmd_init(args: argparse.Namespace) -> int:
    print(log_key(args).create())
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    print(log_key(args).vkey())
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from api.cli import _ledger

    cp = checkpointer(args, _ledger(args)).checkpoint()
    if cp is None:
        print("Sổ còn trống / the log is empty", file=sys.stderr)
        return 1
    sys.stdout.write(cp.note)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from api.cli import _ledger

    ledger = _ledger(args)
    key = log_key(args)
    report = Auditor(ledger.recorder, key.verifier(), key.origin).run()
    for p in report.problems:
        print(str(p), file=sys.stderr)
    status = "OK" if report.ok else "SAI LỆCH / MISMATCH"
    print(f"{status}: {report.size} lá/leaves, {report.nodes} nút/nodes, "
          f"{report.checkpoints} điểm kiểm tra/checkpoints")  # fmt: skip
    return 0 if report.ok else 1


class ReceiptError(DomainError):
    code = "bad_receipt"


def check_receipt(text: str, envelope: bytes, index: int, vkey: str) -> None:
    """A tlog-proof for ``envelope`` at ``index``, signed by the log key ``vkey``."""
    proof = parse_tlog_proof(text)
    opened = open_note(proof.checkpoint_note, [parse_verifier_key(vkey)])
    if not opened.verified or proof.index != index:
        raise ReceiptError("the receipt is not signed by the log key or is for another entry",
                           "biên nhận không được ký bằng khoá của sổ hoặc thuộc mục khác",
                           index=index)  # fmt: skip
    cp = parse_checkpoint(opened.text)
    verify_inclusion(index, cp.size, leaf_hash(envelope), proof.proof, cp.root)


def wait_for_receipts(
    args: argparse.Namespace,
    items: list[tuple[str, bytes, int]],
    timeout: float = 60.0,
) -> list[Path]:
    """Poll until a checkpoint covers each (file, envelope, index); save <index>.tlog-proof."""
    out_dir = Path(args.receipt_dir or ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.url:
        base = args.url.rstrip("/")
        vkey = args.log_key or httpx.get(f"{base}/v1/log/key", timeout=30).json()["vkey"]

        def fetch(index: int) -> str | None:
            r = httpx.get(f"{base}/v1/log/receipt/{index}", timeout=30)
            if r.status_code == 404 and r.json().get("code") == "not_checkpointed":
                return None
            r.raise_for_status()
            return r.text
    else:
        from api.cli import _ledger

        ledger = _ledger(args)
        cps = checkpointer(args, ledger)
        vkey = args.log_key or cps.vkey()
        cps.checkpoint()

        def fetch(index: int) -> str | None:
            cp = cps.store.latest()
            if cp is None or cp.size <= index:
                return None
            return tlog_receipt(ledger.recorder, index, cp.note)

    saved, deadline = [], time.monotonic() + timeout
    for _name, env, index in items:
        while (text := fetch(index)) is None:
            if time.monotonic() > deadline:
                raise ReceiptError("no checkpoint covered the event in time",
                                   "chưa có điểm kiểm tra nào bao gồm sự kiện trong thời gian chờ",
                                   index=index)  # fmt: skip
            time.sleep(0.5)
        check_receipt(text, env, index, vkey)
        path = out_dir / f"{index}.tlog-proof"
        path.write_text(text, encoding="utf-8")
        saved.append(path)
    return saved


def register(sub: Any) -> None:
    """Add ``log`` to the ``minhbach`` command line (api/cli.py)."""
    log = sub.add_parser("log", help="sổ minh bạch / the transparency log").add_subparsers(
        dest="log_command", required=True
    )
    ini = log.add_parser("init", help="tạo khoá ký của sổ / create the log's signer key")
    ini.add_argument(
        "--key-file", help="default MINHBACH_LOG_KEY_FILE or <data_dir>/log-signer.key"
    )
    ini.set_defaults(func=cmd_init)
    for name, func, text in (
        ("key", cmd_key, "khoá xác minh của sổ / the log's verifier key"),
        ("checkpoint", cmd_checkpoint, "ký điểm kiểm tra ngay / sign a checkpoint now"),
        ("audit", cmd_audit, "tự kiểm tra toàn bộ sổ / check every stored hash and checkpoint"),
    ):
        p = log.add_parser(name, help=text)
        p.add_argument("--key-file")
        p.set_defaults(func=func)
