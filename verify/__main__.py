"""``python -m verify BUNDLE`` (also ``minhbach-verify``): check an audit bundle offline.

Exit status: 0 authentic and lawful; 1 integrity failure; 2 unusable input; 3 authentic,
with lawfulness findings. No traceback reaches the user: set MINHBACH_VERIFY_DEBUG=1 to
see one for an internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

from verify.bundle.errors import Unusable
from verify.bundle.progress import Progress
from verify.bundle.report import render_json, render_text
from verify.bundle.steps import EXIT_UNUSABLE
from verify.bundle.verifier import Options, verify_bundle
from verify.errors import LocalizedError
from verify.keys import PublicKey, load_public_key, public_key_from_crypto
from verify.note import Verifier, parse_verifier_key
from verify.witnesspolicy import Policy, parse_policy
from verify.x509 import TrustAnchor, load_anchors


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"Lỗi / error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_UNUSABLE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="minhbach-verify",
        description="Xác minh ngoại tuyến một gói kiểm toán Minh Bạch / "
        "verify a Minh Bạch audit bundle offline",
    )
    p.add_argument("bundle", help="tệp gói kiểm toán / the bundle file (.jsonl)")
    p.add_argument("--policy", help="chính sách nhân chứng / witness policy file")
    p.add_argument(
        "--log-key",
        action="append",
        default=[],
        help="khoá xác minh của sổ (vkey, hoặc tệp chứa nó) / the log's verifier key or a file",
    )
    p.add_argument(
        "--trust-root",
        action="append",
        default=[],
        help="khoá gốc tin cậy (JSON {alg, spki} hoặc PEM) / trust root public key file",
    )
    p.add_argument(
        "--anchor",
        action="append",
        default=[],
        help="chứng thư gốc X.509 (PEM) được tin cậy / a pinned X.509 trust anchor (PEM file)",
    )
    p.add_argument("--json", action="store_true", help="kết quả dạng JSON / JSON output")
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.add_argument("--jobs", type=int, default=None, help="số tiến trình / worker processes")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--progress", action="store_true", help="luôn hiện tiến độ / show progress")
    g.add_argument("--no-progress", action="store_true", help="không hiện tiến độ")
    return p


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise Unusable(
            f"cannot read the {what} {path}: {e}", f"không đọc được {what} {path}: {e}"
        ) from None


def _log_key(arg: str) -> Verifier:
    text = _read(arg, "log key").strip() if os.path.isfile(arg) else arg.strip()
    try:
        return parse_verifier_key(text)
    except LocalizedError:
        raise Unusable(
            "--log-key is not a signed-note verifier key (name+hexid+base64)",
            "--log-key không phải khoá xác minh của ghi chú ký (name+hexid+base64)",
        ) from None


def _trust_root(path: str) -> list[PublicKey]:
    text = _read(path, "trust root")
    try:
        if text.lstrip().startswith("-----BEGIN"):
            from cryptography.hazmat.primitives.serialization import load_pem_public_key

            return [public_key_from_crypto(load_pem_public_key(text.encode()))]
        doc = json.loads(text)
        docs = doc if isinstance(doc, list) else [doc]
        return [load_public_key(d["alg"], d["spki"]) for d in docs]
    except (ValueError, KeyError, TypeError, LocalizedError):
        raise Unusable(
            f"{path} is not a public key (JSON {{alg, spki}} or PEM)",
            f"{path} không phải khoá công khai (JSON {{alg, spki}} hoặc PEM)",
        ) from None


def _anchors(path: str) -> list[TrustAnchor]:
    try:
        return list(load_anchors(Path(path).read_bytes()))
    except OSError as e:
        raise Unusable(
            f"cannot read the anchor {path}: {e}", f"không đọc được chứng thư gốc {path}: {e}"
        ) from None
    except LocalizedError as e:
        raise Unusable(f"{path}: {e.en}", f"{path}: {e.vi}") from None


def options_from(args: argparse.Namespace) -> Options:
    policy: Policy | None = None
    if args.policy:
        policy = parse_policy(_read(args.policy, "witness policy"))
    roots = [k for path in args.trust_root for k in _trust_root(path)]
    anchors = [a for path in args.anchor for a in _anchors(path)]
    return Options(
        anchors=anchors,
        log_keys=[_log_key(k) for k in args.log_key],
        policy=policy,
        trust_root=roots,
        jobs=args.jobs,
    )


def run(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    lang = args.lang
    try:
        options = options_from(args)
    except LocalizedError as e:
        print(f"Lỗi / error [{e.code}]: {e.message(lang)}", file=sys.stderr)
        return EXIT_UNUSABLE
    show = args.progress or (not args.no_progress and not args.json and sys.stderr.isatty())
    bar = None
    if show and os.path.isfile(args.bundle):
        bar = Progress(os.path.getsize(args.bundle), sys.stderr, lang)
        options.progress = bar.update
    result = verify_bundle(args.bundle, options)
    if bar is not None:
        bar.close()
    sys.stdout.write(render_json(result) if args.json else render_text(result, lang))
    sys.stdout.flush()
    return result.exit_code


def main(argv: list[str] | None = None) -> int:
    try:
        return run(argv)
    except KeyboardInterrupt:
        print("\nĐã dừng / interrupted", file=sys.stderr)
        return 130
    except SystemExit as e:
        return int(e.code) if isinstance(e.code, int) else EXIT_UNUSABLE
    except Exception as e:  # noqa: BLE001 - never a traceback for the user
        if os.environ.get("MINHBACH_VERIFY_DEBUG"):
            traceback.print_exc()
        print(
            f"Lỗi nội bộ của trình xác minh / internal verifier error: {type(e).__name__}: {e}",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE


if __name__ == "__main__":
    raise SystemExit(main())
