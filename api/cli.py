"""The ``minhbach`` command line.

    minhbach keys new -o official.pem            # new Ed25519 key (file mode 0600)
    minhbach init --key trust-root.pem           # initialise a ledger for a province
    minhbach enrol --key trust-root.pem --official-key official.pem --id ... --role ...
    minhbach enrol --key trust-root.pem --certificate official.p12 --id ... --role ...  # X.509
    minhbach sign --key official.pem event.json -o event.dsse.json
    minhbach sign --key official.p12 --password-file pw.txt event.json   # PKCS#12 (.p12/.pfx)
    minhbach submit event.dsse.json [--url http://127.0.0.1:8000 | --database URL] [--wait]
    minhbach log init | key | checkpoint | audit   # the transparency log (api.cli_log)
    minhbach events export -o events.jsonl
    minhbach demo && minhbach serve
    minhbach site export DIR                     # every public page as static files

Every command takes ``--database URL`` (default ``MINHBACH_DATABASE_URL`` or
``sqlite:///data/minhbach.db``). Trust anchors and CRLs: ``api.cli_x509``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api import cli_log, cli_projections, cli_x509
from api.config import STORE_DOWN, Settings, make_ledger, store_unreachable
from domain.calendar import VN_TZ
from domain.ledger import Ledger
from domain.signing import Signer, generate, load_signer, sign_event
from verify.errors import LocalizedError
from verify.process.payload import format_time, parse_time
from verify.process.schema import spec_for
from verify.refusals import DomainError, InvalidInput


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        database_url=getattr(args, "database", None), scope=getattr(args, "scope", None)
    )


def _ledger(args: argparse.Namespace) -> Ledger:
    return make_ledger(_settings(args))


def write_private(path: Path, data: bytes) -> None:
    """Write a private key readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _signer(path: str, password: bytes | None = None) -> Signer:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InvalidInput(
            f"cannot read the key file {path}: {e.strerror or e}",
            f"không đọc được tệp khoá {path}", path=path,
        ) from None  # fmt: skip
    return load_signer(data, password)


def _password(args: argparse.Namespace) -> bytes | None:
    """The key files' password: ``--password-file`` (one line), else MINHBACH_KEY_PASSWORD."""
    if getattr(args, "password_file", None):
        return Path(args.password_file).read_bytes().rstrip(b"\r\n")
    env = os.environ.get("MINHBACH_KEY_PASSWORD")
    return env.encode("utf-8") if env else None


def cmd_keys_new(args: argparse.Namespace) -> int:
    s = generate(args.alg)
    out = Path(args.out)
    if out.exists():
        print(f"{out} đã tồn tại / already exists", file=sys.stderr)
        return 2
    write_private(out, s.pem())
    print(json.dumps({"key_id": s.key_id, **s.key_doc()}, ensure_ascii=False))
    return 0


def _submit_local(ledger: Ledger, envelopes: list[bytes]) -> list[dict[str, Any]]:
    out = []
    for o in ledger.submit_many(envelopes):
        if o.error is not None:
            raise o.error
        assert o.receipt is not None
        r = o.receipt
        out.append(
            {
                "index": r.index,
                "leaf_hash": r.leaf_hash,
                "envelope_hash": r.envelope_hash,
                "type": r.type,
                "findings": [f.as_dict() for f in r.findings],
            }
        )
    return out


def _head(ledger: Ledger, type_: str, unit: str, year: int | None) -> str | None:
    chain = ledger.chain(spec_for(type_).chain, unit, year)
    return None if chain is None else chain.head


def cmd_init(args: argparse.Namespace) -> int:
    from api.demo import unit_docs
    from domain.genesis import genesis
    from domain.writer import ChainWriter

    root = _signer(args.key)
    ledger = _ledger(args)
    s = _settings(args)
    w = ChainWriter()
    now = datetime.now(UTC)
    anchors = {a.fingerprint: a for a in s.trust_anchors}
    for a in cli_x509.read_anchor_paths(args.anchors):
        anchors.setdefault(a.fingerprint, a)
    events = genesis(
        origin=s.origin,
        name=args.name,
        trust_root=[root.key_doc()],
        units=unit_docs(s.scope),
        anchors=anchors.values(),
    )
    envs = [w.sign([root], type_, s.scope, None, now, data) for type_, data in events]
    print(json.dumps(_submit_local(ledger, envs), ensure_ascii=False, indent=2))
    return 0


def cmd_enrol(args: argparse.Namespace) -> int:
    from domain.writer import ChainWriter

    root = _signer(args.key)
    ledger = _ledger(args)
    s = _settings(args)
    now = datetime.now(UTC).replace(microsecond=0)
    name, position, chain = args.name, args.position, None
    if args.certificate:  # X.509: validated against the anchors in the log (ADR 0007)
        certs = cli_x509.read_chain(Path(args.certificate), _password(args))
        fields, chain = cli_x509.certificate_fields(ledger.registry(), certs, now)
        name = name or chain.leaf.subject.common_name
        position = position or chain.leaf.subject.title
    else:
        official = _signer(args.official_key, _password(args)) if args.official_key else None
        key_doc = official.key_doc() if official else json.loads(Path(args.public).read_text())
        fields = {"key": {"alg": key_doc["alg"], "spki": key_doc["spki"]}}
    if not name or not position:
        raise InvalidInput(
            "--name and --position are required (a certificate gives them from CN and title)",
            "cần --name và --position (chứng thư số cung cấp chúng qua CN và title)",
        )
    doc = {
        "id": args.id,
        "name": name,
        "position": position,
        "role": args.role,
        "scope": args.scope_code,
        **fields,
        "valid_from": format_time(parse_time(args.valid_from, "--valid-from") if args.valid_from else now),
    }
    if args.valid_until:
        doc["valid_until"] = format_time(parse_time(args.valid_until, "--valid-until"))
    w = ChainWriter()
    head = _head(ledger, "OfficialEnrolled", s.scope, None)
    if head is not None:
        w.heads[("registry", s.scope, None)] = head
    envs = [w.sign([root], "OfficialEnrolled", s.scope, None, now, {"official": doc})]
    for f in args.crl:  # the issuing CA's CRLs, recorded after the enrolment that brings the CA
        envs.append(
            w.sign([root], "RevocationListRecorded", s.scope, None, now, cli_x509.crl_data(Path(f)))
        )
    results = _submit_local(ledger, envs)
    print(json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False))
    if chain is not None:
        cli_x509.warn_if_revoked(ledger.registry(), chain)
    return 0


EVENT_FIELDS = ("type", "unit", "data")  # required in the event file; year, time, prev optional


def _event_doc(path: str) -> dict[str, Any]:
    """The event file to sign, or a clear bilingual error."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(
            f"cannot read the event file {path}: {getattr(e, 'strerror', None) or e}",
            f"không đọc được tệp sự kiện {path}", path=path,
        ) from None  # fmt: skip
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(
            f"the event file is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})",
            f"tệp sự kiện không phải JSON hợp lệ (dòng {e.lineno}, cột {e.colno})",
            path=path, line=e.lineno, column=e.colno,
        ) from None  # fmt: skip
    if not isinstance(doc, dict):
        raise InvalidInput(
            "the event file must hold one JSON object", "tệp sự kiện phải là một đối tượng JSON",
            path=path,
        )  # fmt: skip
    missing = [f for f in EVENT_FIELDS if f not in doc]
    if missing:
        raise InvalidInput(
            f"the event file lacks {', '.join(missing)} (it needs type, unit and data; year, "
            "time and prev are optional)",
            f"tệp sự kiện thiếu {', '.join(missing)} (cần type, unit và data; year, time và "
            "prev có thể bỏ trống)",
            path=path, missing=missing,
        )  # fmt: skip
    return doc


def cmd_sign(args: argparse.Namespace) -> int:
    doc = _event_doc(args.event)
    password = _password(args)
    signers = [_signer(k, password) for k in args.key]
    t = parse_time(doc["time"]) if doc.get("time") else datetime.now(UTC).replace(microsecond=0)
    prev = doc.get("prev", "auto")
    if prev == "auto":
        prev = (
            _head(_ledger(args), doc["type"], doc["unit"], doc.get("year"))
            if args.database or not args.url
            else _remote_head(args.url, doc)
        )
    env = sign_event(signers, doc["type"], doc["unit"], doc.get("year"), prev, t, doc["data"])
    if args.out:
        Path(args.out).write_bytes(env)
    else:
        sys.stdout.write(env.decode() + "\n")
    return 0


def _remote_head(url: str, doc: dict[str, Any]) -> str | None:
    import httpx

    kind = spec_for(doc["type"]).chain
    params = {} if kind == "registry" else {"year": doc["year"]}
    r = httpx.get(f"{url.rstrip('/')}/v1/chains/{kind}/{doc['unit']}", params=params, timeout=30)
    if r.status_code == 404:
        return None
    r.raise_for_status()
    head: str | None = r.json()["head"]
    return head


def cmd_submit(args: argparse.Namespace) -> int:
    envs = [Path(f).read_bytes() for f in args.files]
    if args.url:
        import httpx

        receipts = []
        for f, env in zip(args.files, envs, strict=True):
            r = httpx.post(
                f"{args.url.rstrip('/')}/v1/events",
                content=env,
                headers={"content-type": "application/json"},
                timeout=60,
            )
            if r.status_code != 201:
                print(r.text, file=sys.stderr)
                return 1
            receipts.append(r.json())
            Path(f + ".receipt.json").write_text(json.dumps(r.json(), ensure_ascii=False, indent=2))
    else:
        receipts = _submit_local(_ledger(args), envs)
        for f, rec in zip(args.files, receipts, strict=True):
            Path(f + ".receipt.json").write_text(json.dumps(rec, ensure_ascii=False, indent=2))
    print(json.dumps(receipts, ensure_ascii=False, indent=2))
    if args.wait:  # a checkpoint-backed tlog-proof for each event, checked before saving
        items = [
            (f, e, int(r["index"])) for f, e, r in zip(args.files, envs, receipts, strict=True)
        ]
        for path in cli_log.wait_for_receipts(args, items, timeout=args.timeout):
            print(f"{path}", file=sys.stderr)
    return 0


def cmd_events_export(args: argparse.Namespace) -> int:
    ledger = _ledger(args)
    size, _ = ledger.recorder.log_head()  # type: ignore[attr-defined]
    out = open(args.out, "wb") if args.out else sys.stdout.buffer  # noqa: SIM115
    try:
        for start in range(0, size, 1000):
            for env in ledger.recorder.log_leaves(start, min(size, start + 1000)):  # type: ignore[attr-defined]
                out.write(env + b"\n")
    finally:
        if args.out:
            out.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from api.demo import build_demo

    scope = args.scope or os.environ.get("MINHBACH_SCOPE")
    if scope is None:
        args.scope = args.province  # the demo ledger is the province's own
    elif scope != args.province:
        print(
            f"Lỗi / error: tỉnh {args.province} của demo khác phạm vi {scope} của sổ cái "
            f"(--scope / MINHBACH_SCOPE): mọi sự kiện sẽ bị từ chối\n"
            f"  the demo's province {args.province} differs from this ledger's scope {scope} "
            "(--scope / MINHBACH_SCOPE): every event would be refused",
            file=sys.stderr,
        )
        return 2
    ledger = _ledger(args)
    if ledger.registry() is not None:
        print(
            "Cơ sở dữ liệu đã có dữ liệu; bỏ qua demo / the database already has a ledger; demo skipped"
        )
        return 0
    with Progress() as bar:
        task = bar.add_task("Tạo dữ liệu mẫu / building demo", total=None)
        result = build_demo(
            ledger,
            province=args.province,
            limit=args.limit,
            progress=lambda n: bar.advance(task, n),
            today=datetime.now(VN_TZ).date(),
        )
    save_intake_key(result, _settings(args))
    print(
        f"{result.events} sự kiện đã ký và ghi / signed events recorded; {len(result.refused)} bị từ chối / refused"
    )
    return 0 if not result.refused else 1


def save_intake_key(result: Any, settings: Settings) -> None:
    """The demo portal's comment key, where the server looks for it (mode 0600)."""
    intake = next((o for o in result.officials.values() if o.role == "public_intake"), None)
    path = settings.intake_key_path()
    if intake is not None and not path.exists():
        write_private(path, intake.signer.pem())


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.database:
        os.environ["MINHBACH_DATABASE_URL"] = args.database
    if args.demo and cmd_demo(args) == 2:  # the demo's province against the ledger's scope
        return 2
    if args.scope:  # given, or the demo's province: the app's too
        os.environ["MINHBACH_SCOPE"] = args.scope
    uvicorn.run(
        "api.main:create_app", factory=True, host=args.host, port=args.port, log_level="info"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="minhbach", description="Minh Bạch: sổ cái minh bạch / transparent ledger"
    )
    p.add_argument("--database", help="sqlite:///path hoặc/or postgresql://user@host/db")
    p.add_argument("--scope", help="mã tỉnh của sổ cái / province code of this ledger (default 96)")
    sub = p.add_subparsers(dest="command", required=True)

    keys = sub.add_parser("keys", help="khoá / keys").add_subparsers(
        dest="keys_command", required=True
    )
    kn = keys.add_parser("new", help="tạo khoá mới / new private key (mode 0600)")
    kn.add_argument("-o", "--out", required=True)
    kn.add_argument(
        "--alg", default="ed25519", choices=["ed25519", "ecdsa-p256-sha256", "rsa-pss-sha256"]
    )
    kn.set_defaults(func=cmd_keys_new)

    ini = sub.add_parser("init", help="khởi tạo sổ cái / initialise the ledger")
    ini.add_argument("--key", required=True, help="trust root private key")
    ini.add_argument("--name", default="Tỉnh Cà Mau")
    ini.add_argument(
        "--anchors",
        action="append",
        default=[],
        help="PEM file of X.509 trust anchors to record (also MINHBACH_TRUST_ANCHORS)",
    )
    ini.set_defaults(func=cmd_init)

    en = sub.add_parser("enrol", help="đăng ký cán bộ / enrol an official")
    en.add_argument("--key", required=True, help="trust root private key")
    g = en.add_mutually_exclusive_group(required=True)
    g.add_argument(
        "--official-key", help="the official's private key file (only its public part is used)"
    )
    g.add_argument("--public", help="JSON file {alg, spki} from 'keys new'")
    g.add_argument(
        "--certificate",
        help="the official's certificate chain: PEM (leaf first), DER or PKCS#12 (.p12/.pfx)",
    )
    for name in ("id", "role"):
        en.add_argument(f"--{name}", required=True)
    en.add_argument("--name", help="default: the certificate's CN")
    en.add_argument("--position", help="default: the certificate's title")
    en.add_argument(
        "--crl",
        action="append",
        default=[],
        help="CRL of the issuing CA (DER or PEM) to record after the enrolment",
    )
    en.add_argument("--password-file", help="password of a PKCS#12 file")
    en.add_argument("--scope-code", required=True, help="unit code the official acts for")
    en.add_argument("--valid-from")
    en.add_argument("--valid-until")
    en.set_defaults(func=cmd_enrol)

    sg = sub.add_parser("sign", help="ký một sự kiện / sign an event JSON")
    sg.add_argument("event", help='{"type", "unit", "year", "data", ["time"], ["prev"]}')
    sg.add_argument(
        "--key",
        action="append",
        required=True,
        help="private key file: PKCS#8 (.pem/.der) or PKCS#12 (.p12/.pfx); repeat for several signers",
    )
    sg.add_argument(
        "--password-file",
        help="file holding the key files' password (else env MINHBACH_KEY_PASSWORD)",
    )
    sg.add_argument("--url", help="look up the chain head on a server")
    sg.add_argument("-o", "--out")
    sg.set_defaults(func=cmd_sign)

    sb = sub.add_parser("submit", help="gửi phong bì đã ký / submit signed envelopes")
    sb.add_argument("files", nargs="+")
    sb.add_argument("--url")
    sb.add_argument(
        "--wait",
        action="store_true",
        help="wait for a signed checkpoint and save each event's <index>.tlog-proof",
    )
    sb.add_argument("--receipt-dir", help="where --wait saves receipts (default .)")
    sb.add_argument("--log-key", help="the log's verifier key (default: asked of the server)")
    sb.add_argument("--timeout", type=float, default=60.0, help="seconds --wait waits")
    sb.set_defaults(func=cmd_submit)

    ev = sub.add_parser("events", help="sự kiện / events").add_subparsers(
        dest="events_command", required=True
    )
    ex = ev.add_parser(
        "export", help="xuất mọi phong bì theo thứ tự sổ / export envelopes as JSON lines"
    )
    ex.add_argument("-o", "--out")
    ex.set_defaults(func=cmd_events_export)
    cli_projections.register_events(ev)

    dm = sub.add_parser("demo", help="tạo tỉnh mẫu / build the demo province")
    dm.add_argument("--province", default="96")
    dm.add_argument("--limit", type=int, default=None, help="only the first N communes")
    dm.set_defaults(func=cmd_demo)

    sv = sub.add_parser("serve", help="chạy máy chủ / run the server")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument(
        "--demo", action="store_true", help="build the demo first if the database is empty"
    )
    sv.add_argument("--province", default="96")
    sv.add_argument("--limit", type=int, default=None)
    sv.set_defaults(func=cmd_serve)
    cli_projections.register(sub)
    cli_log.register(sub)

    from api.site_export import add_subcommand

    add_subcommand(sub, _ledger, lambda args: _settings(args).origin)
    cli_x509.register(sub)

    from api.bundle_cli import register as register_bundle

    register_bundle(sub)

    from api.monitor import register_log_check
    from api.witness import register as register_witness

    register_witness(sub)
    register_log_check(subcommand_group(sub, "log", "sổ minh bạch / the transparency log"))
    return p


def subcommand_group(sub: Any, name: str, help: str) -> Any:
    """The subcommands of ``minhbach <name>``, created unless another module did first."""
    parser = sub.choices.get(name)
    if parser is None:
        return sub.add_parser(name, help=help).add_subparsers(dest=f"{name}_command", required=True)
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (LocalizedError, DomainError) as e:
        print(f"Lỗi / error [{e.code}]: {e.vi}\n  {e.en}", file=sys.stderr)
        if e.evidence:
            print("  " + json.dumps(e.evidence, ensure_ascii=False, default=str), file=sys.stderr)
        return 1
    except STORE_DOWN as e:
        url = args.database or Settings.from_env().database_url
        print(f"Lỗi / error [store_unavailable]: {store_unreachable(url, e)}", file=sys.stderr)
        return 2
    except OSError as e:
        where = f" {e.filename}" if e.filename else ""
        print(f"Lỗi / error: không đọc hoặc ghi được tệp{where} / cannot read or write"
              f"{where}: {e.strerror or e}", file=sys.stderr)  # fmt: skip
        return 2
    except KeyError as e:
        print(f"Lỗi / error: thiếu trường / missing field {e}", file=sys.stderr)
        return 2
    except (ValueError, json.JSONDecodeError) as e:
        print(f"Lỗi / error: dữ liệu không hợp lệ / invalid input: {e}", file=sys.stderr)
        return 2
    except httpx.TransportError as e:
        try:
            url = str(e.request.url)
        except RuntimeError:  # no request attached
            url = getattr(args, "url", None) or ""
        print(f"Lỗi / error [server_unreachable]: không kết nối được máy chủ {url}\n"
              f"  cannot reach the server {url}: {e}", file=sys.stderr)  # fmt: skip
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
