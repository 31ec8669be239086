"""``minhbach bundle``: export audit bundles (docs/bundle.md) and show the log key.

    minhbach bundle export --unit 32002 --year 2023 [-o FILE] [--checkpoint NOTE]
    minhbach bundle export --province 96 --year 2023 [-o FILE]
    minhbach bundle export --all [-o FILE]
    minhbach bundle log-key            # the verifier key to give minhbach-verify --log-key

Without ``--checkpoint`` the log's newest signed checkpoint is used (``api.checkpointer``,
signing the head first if the log has grown); ``--checkpoint`` takes a signed checkpoint note (e.g. one cosigned by
witnesses), ``--older`` earlier ones to prove consistency with.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from api.bundle import LOG_SCOPE, Exporter, province_scope, unit_scope


def _context(args: argparse.Namespace) -> tuple[Any, Any]:
    from api.cli import _ledger
    from api.cli_log import checkpointer

    ledger = _ledger(args)
    return ledger, checkpointer(args, ledger)


def cmd_export(args: argparse.Namespace) -> int:
    if args.all:
        scope = LOG_SCOPE
    elif args.year is None or not (args.unit or args.province):
        print("Lỗi / error: --unit hoặc/or --province cần --year", file=sys.stderr)
        return 2
    else:
        scope = (
            unit_scope(args.unit, args.year)
            if args.unit
            else province_scope(args.province, args.year)
        )
    ledger, source = _context(args)
    note = (
        Path(args.checkpoint).read_text(encoding="utf-8")
        if args.checkpoint
        else source.latest(ledger)
    )
    older = [Path(p).read_text(encoding="utf-8") for p in args.older]
    vkey = None if args.checkpoint else source.vkey()
    lines = Exporter(ledger).lines(scope, note, older=older, log_key=vkey)
    out = open(args.out, "wb") if args.out else sys.stdout.buffer  # noqa: SIM115
    try:
        for line in lines:
            out.write(line)
    finally:
        if args.out:
            out.close()
    return 0


def cmd_log_key(args: argparse.Namespace) -> int:
    from api.cli_log import log_key

    print(log_key(args).vkey())
    return 0


def register(sub: Any) -> None:
    """Add ``bundle`` to the ``minhbach`` command line (api/cli.py)."""
    bundle = sub.add_parser("bundle", help="gói kiểm toán / audit bundles").add_subparsers(
        dest="bundle_command", required=True
    )
    ex = bundle.add_parser("export", help="xuất gói kiểm toán / export an audit bundle")
    which = ex.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", help="mã xã (5 chữ số) / commune code")
    which.add_argument("--province", help="mã tỉnh / province code")
    which.add_argument("--all", action="store_true", help="toàn bộ sổ / the whole log")
    ex.add_argument("--year", type=int)
    ex.add_argument("-o", "--out")
    ex.add_argument("--checkpoint", help="signed checkpoint note to export against")
    ex.add_argument("--older", action="append", default=[], help="older checkpoint notes")
    ex.set_defaults(func=cmd_export)
    lk = bundle.add_parser("log-key", help="khoá xác minh của sổ / the log's verifier key")
    lk.set_defaults(func=cmd_log_key)
