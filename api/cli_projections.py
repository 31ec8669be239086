"""CLI commands of the read models: ``rebuild``, ``project run``, ``report``, ``impact``
and ``events import`` (registered into ``api.cli.build_parser``).

    minhbach rebuild [--projection NAME] [--jobs N]  # from the first event; prints digests
    minhbach project run                             # follow the log (PostgreSQL)
    minhbach report form08 --unit 964 --year 2023 [--format csv]
    minhbach report history --unit 32002
    minhbach impact --catalog-version 2 | --correction correction.json [--json]
    minhbach events import events.jsonl              # judge and append exported envelopes
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from api.config import Settings
from projections.engine import NAMES
from projections.fastpath import TrustedReplay
from projections.impact import impact, proposed, signed_correction
from projections.parallel import default_jobs, rebuild_parallel
from projections.reports import to_csv
from projections.runner import Runner
from projections.store import ProjectionStore

REPORT_KEYS = {
    "form08": ("reports", "08/{unit}/{year}"),
    "form09": ("reports", "09/{unit}/{year}"),
    "form10": ("reports", "10/{unit}/{year}"),
    "dashboard": ("dashboards", "{unit}/{year}"),
    "evaluation": ("evaluations", "{unit}/{year}"),
    "findings": ("findings", "{unit}/{year}"),
    "history": ("history", "{unit}"),
}


def _url(args: argparse.Namespace) -> str:
    return Settings.from_env(database_url=getattr(args, "database", None)).database_url


def cmd_rebuild(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    store = ProjectionStore(_url(args))
    names = args.projection or list(NAMES)
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(),
    ) as bar:  # fmt: skip
        task = bar.add_task("Dựng lại / rebuilding", total=store.log_size())
        result = rebuild_parallel(
            store, names, jobs=args.jobs,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )  # fmt: skip
    rate = result.events / result.seconds if result.seconds else 0.0
    print(
        f"{result.events} sự kiện / events in {result.seconds:.2f} s ({rate:,.0f}/s,"
        f" {result.jobs} tiến trình / processes)",
        file=sys.stderr,
    )
    print(json.dumps({"events": result.events, "digests": result.digests}, indent=2))
    return 0


def cmd_project_run(args: argparse.Namespace) -> int:
    store = ProjectionStore(_url(args))
    stop = threading.Event()
    try:
        Runner(store).run(poll=args.poll, stop=stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    name, pattern = REPORT_KEYS[args.kind]
    if "{year}" in pattern and args.year is None:
        print(f"Lỗi / error: báo cáo {args.kind} cần --year / the {args.kind} report needs --year",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.format == "csv" and name != "reports":
        print("Lỗi / error: CSV chỉ dành cho mẫu 08, 09 và 10 / CSV is for forms 08, 09 and 10",
              file=sys.stderr)  # fmt: skip
        return 2
    store = ProjectionStore(_url(args))
    key = pattern.format(unit=args.unit, year=args.year)
    doc = store.get(name, key)
    if doc is None:
        print(f"không có / not found: {name} {key}", file=sys.stderr)
        return 1
    if args.format == "csv":
        sys.stdout.write(to_csv(json.loads(doc)))
    else:
        print(json.dumps(json.loads(doc), ensure_ascii=False, indent=2))
    return 0


def _replay(store: ProjectionStore) -> TrustedReplay:
    chains = TrustedReplay()
    chains.feed_all(store.leaves(0))
    return chains


def cmd_impact(args: argparse.Namespace) -> int:
    store = ProjectionStore(_url(args))
    chains = _replay(store)
    reg = chains.registry()
    if reg is None:
        print("sổ cái trống / the ledger is empty", file=sys.stderr)
        return 1
    if args.correction:
        before, after, years = proposed(reg, json.loads(Path(args.correction).read_text("utf-8")))
        basis = "unsigned correction file " + args.correction
    else:
        c = signed_correction(reg, args.catalog_id, args.catalog_version)
        before = reg.catalog_versions[c["catalog_id"]][c["from_version"]]
        after = reg.catalog_versions[c["catalog_id"]][c["version"]]
        years = c["years"]
        basis = f"signed correction {c['hash']}"
    report = impact(chains, before, after, years) | {"correction": basis}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    _print_impact(report)
    return 0


def _print_impact(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    con.print(
        f"[bold]{report['catalog_id']}[/] v{report['before_version']} → v{report['after_version']}"
        f", năm / years {report['years']}: {len(report['changed'])} of "
        f"{report['unit_years_considered']} unit-years change ({report['correction']})"
    )
    t = Table("unit", "name", "year", "before", "after", "decision", "contradicted")
    for r in report["changed"]:
        b, a, d = r["before"], r["after"], r["decision"] or {}
        t.add_row(
            r["unit"], r["name"] or "", str(r["year"]),
            f"{b['total']} {'đạt' if b['meets'] else 'chưa đạt'}",
            f"{a['total']} {'đạt' if a['meets'] else 'chưa đạt'}",
            f"{d.get('decision_no', '')} {d.get('listed', '')}",
            "YES" if d.get("contradicted") else "",
        )  # fmt: skip
    con.print(t)


IMPORT_CHUNK = 500  # envelopes per submit_many, or per POST /v1/events/batch (at most 1,000)


IMPORT_BYTES = 512 * 1024  # per request, under the server's default body limit (1 MiB)


def _by_size(lines: list[bytes], most: int, size: int) -> Iterator[list[bytes]]:
    """Consecutive runs of at most ``most`` lines and about ``size`` bytes (at least one)."""
    chunk: list[bytes] = []
    total = 0
    for line in lines:
        if chunk and (len(chunk) >= most or total + len(line) + 1 > size):
            yield chunk
            chunk, total = [], 0
        chunk.append(line)
        total += len(line) + 1
    if chunk:
        yield chunk


def _post_batch(client: Any, chunk: list[bytes], start: int) -> list[dict[str, Any]]:
    """One batch request; a batch over the server's body limit (413) is sent in halves,
    down to one envelope, whose 413 is then that line's result."""
    r = client.post("/v1/events/batch", content=b"\n".join(chunk) + b"\n",
                    headers={"content-type": "application/x-ndjson"})  # fmt: skip
    if r.status_code == 413 and len(chunk) > 1:
        half = len(chunk) // 2
        return _post_batch(client, chunk[:half], start) + _post_batch(client, chunk[half:], start + half)
    if r.status_code == 413:
        return [{"line": start + 1, "status": 413, "problem": r.json()}]
    if r.status_code != 200:
        raise SystemExit(r.text)
    return [{**x, "line": x["line"] + start} for x in r.json()["results"]]


def _import_results(
    args: argparse.Namespace, lines: list[bytes], advance: Callable[[int], object]
) -> list[dict[str, Any]]:
    """Each envelope's result, in order: {"line", "status", "receipt" | "problem"}."""
    out: list[dict[str, Any]] = []
    if args.url:
        import httpx

        with httpx.Client(base_url=args.url.rstrip("/"), timeout=300) as client:
            start = 0
            for chunk in _by_size(lines, IMPORT_CHUNK, IMPORT_BYTES):
                out += _post_batch(client, chunk, start)
                start += len(chunk)
                advance(len(chunk))
        return out
    from api.config import make_ledger
    from api.problems import status_of
    from api.routes.events import receipt_doc

    ledger = make_ledger(Settings.from_env(database_url=args.database))
    for start in range(0, len(lines), IMPORT_CHUNK):
        for n, o in enumerate(ledger.submit_many(lines[start : start + IMPORT_CHUNK]), start + 1):
            if o.error is not None:
                e = o.error
                problem = {"code": e.code, "message_vi": e.vi, "message_en": e.en,
                           "evidence": e.evidence}  # fmt: skip
                out.append({"line": n, "status": status_of(e)[0], "problem": problem})
            else:
                assert o.receipt is not None  # the same receipt as the server's answer
                out.append({"line": n, "status": 201, "receipt": receipt_doc(o.receipt)})
        advance(min(IMPORT_CHUNK, len(lines) - start))
    return out


def cmd_events_import(args: argparse.Namespace) -> int:
    """Every envelope of a JSON lines file, in order, into the database or (``--url``) a
    server; each line's receipt or problem goes to ``FILE.results.jsonl``."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    lines = [ln.strip() for ln in Path(args.file).read_bytes().splitlines() if ln.strip()]
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=Console(stderr=True),
    ) as bar:  # fmt: skip
        task = bar.add_task("Nhập / importing", total=len(lines))
        results = _import_results(args, lines, lambda n: bar.advance(task, n))
    with open(args.file + ".results.jsonl", "w", encoding="utf-8") as f:
        for x in results:
            f.write(json.dumps(x, ensure_ascii=False, default=str) + "\n")
    refused = [x for x in results if x["status"] != 201]
    for x in refused[:20]:
        p = x["problem"]
        print(f"{args.file}:{x['line']}: {p['message_vi']} / {p['message_en']}", file=sys.stderr)
    if len(refused) > 20:
        print(f"… {len(refused) - 20} more in {args.file}.results.jsonl", file=sys.stderr)
    print(json.dumps({"submitted": len(lines), "recorded": len(lines) - len(refused),
                      "refused": len(refused)}))  # fmt: skip
    return 0 if not refused else 1


def register(sub: Any) -> None:
    """Add the commands to ``minhbach``'s subparsers."""
    rb = sub.add_parser("rebuild", help="dựng lại bảng đọc / rebuild the read models")
    rb.add_argument(
        "--projection", action="append", choices=NAMES,
        help="chỉ bảng này (lặp lại được) / only this read model (repeatable; default: all)",
    )  # fmt: skip
    rb.add_argument(
        "--jobs", type=int, default=default_jobs(),
        help="số tiến trình / worker processes, each with a share of the provinces"
        " (default: the number of cores, at most 8, or 1 below 4 cores; 1 = in this process)",
    )  # fmt: skip
    rb.set_defaults(func=cmd_rebuild)

    pr = sub.add_parser("project", help="bảng đọc / projections").add_subparsers(
        dest="project_command", required=True
    )
    run = pr.add_parser("run", help="theo dõi sổ / follow the log and keep them current")
    run.add_argument(
        "--poll", type=float, default=0.2,
        help="giây giữa hai lần đọc sổ / seconds between polls of the log (default 0.2)",
    )  # fmt: skip
    run.set_defaults(func=cmd_project_run)

    rp = sub.add_parser("report", help="báo cáo / reports and read models")
    rp.add_argument(
        "kind", choices=sorted(REPORT_KEYS),
        help="form08: danh sách công nhận / recognition lists; form09, form10: báo cáo / reports",
    )  # fmt: skip
    rp.add_argument("--unit", required=True, help="mã đơn vị / unit code (e.g. 32002, 964, 96)")
    rp.add_argument("--year", type=int, help="năm đánh giá / evaluation year")
    rp.add_argument("--format", choices=["json", "csv"], default="json", help="default: json")
    rp.set_defaults(func=cmd_report)

    im = sub.add_parser("impact", help="tác động của đính chính / impact of a correction")
    g = im.add_mutually_exclusive_group(required=True)
    g.add_argument(
        "--catalog-version", type=int,
        help="phiên bản bộ tiêu chí đã đính chính / a signed corrected catalog version",
    )  # fmt: skip
    g.add_argument(
        "--correction",
        help="tệp đính chính chưa ký / an unsigned correction JSON file, to see its impact first",
    )  # fmt: skip
    im.add_argument(
        "--catalog-id",
        help="bộ tiêu chí / catalog id (default: any catalog with that corrected version)",
    )
    im.add_argument("--json", action="store_true", help="in JSON / print JSON")
    im.set_defaults(func=cmd_impact)


def register_events(events_sub: Any) -> None:
    ip = events_sub.add_parser(
        "import",
        help="nhập phong bì / judge and append envelopes (JSON lines)",
        description="Mỗi dòng một phong bì, như `events export` ghi; kết quả từng dòng ghi vào "
        "FILE.results.jsonl / One envelope per line, as `events export` writes them, judged "
        "in order; each line's receipt or problem goes to FILE.results.jsonl.",
    )
    ip.add_argument("file", metavar="FILE")
    ip.add_argument("--url", help="gửi tới máy chủ / send to a server (POST /v1/events/batch)")
    ip.set_defaults(func=cmd_events_import)
