"""Static export: ``minhbach site export DIR`` — every public page as plain files.

For a province that can only upload files to its portal. The folder holds, in Vietnamese
at the top and in English under ``en/``: ``index.html``, ``p/<year>.html`` for every year
with data, ``u/<code>/<year>.html`` for every unit-year with an evaluation,
``verify.html`` and ``log.html``; the stylesheets under ``static/``; and the same data as
the API's JSON under ``data/`` (``data/provinces/<year>.json``,
``data/evaluations/<code>/<year>.json``). Every link is relative (``api.urls.StaticUrls``),
so the folder works from any web server, in any sub-folder, or opened from ``file://``.

The pages are rendered by the same templates and views as the live site; only what needs
a server is left out (the filter form, the API docs link, ``/log/checkpoint``).
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api import views
from api.pages import LANGS, render_html
from api.urls import StaticUrls, static_page_path
from domain.ledger import Ledger
from projections.overview import counts, province_overview, years_with_data

STATIC = Path(__file__).parent / "static"


@dataclass
class ExportResult:
    pages: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)


@dataclass
class Job:
    """One page to write: its template, its file (relative to a language root), its context."""

    template: str
    page: str
    context: Callable[[], dict[str, Any] | None]


def plan(
    ledger: Ledger, origin: str, base_url: str, vkey: str | None = None
) -> tuple[list[Job], list[tuple[int, list[dict[str, Any]]]]]:
    """Every page of the site, and the province rows of each year (for the JSON files)."""
    jobs = [
        Job("home.html", static_page_path("home"), lambda: views.home_view(ledger)),
        Job("verify.html", static_page_path("verify"),
            lambda: views.verify_view(ledger, origin, base_url, vkey)),
        Job("log.html", static_page_path("log"), lambda: views.log_view(ledger, origin)),
    ]  # fmt: skip
    years = []
    for year in years_with_data(ledger):
        rows = province_overview(ledger, year)
        years.append((year, rows))
        jobs.append(
            Job("province.html", static_page_path("province", year=year),
                lambda y=year: views.province_view(ledger, y))
        )  # fmt: skip
        for r in rows:
            if r["stage"] is not None:
                code = r["code"]
                jobs.append(
                    Job("unit.html", static_page_path("unit", code=code, year=year),
                        lambda c=code, y=year: views.unit_view(ledger, c, y))
                )  # fmt: skip
    return jobs, years


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str) + "\n"


def export_site(
    ledger: Ledger,
    out: Path,
    origin: str,
    base_url: str = "",
    on_total: Callable[[int], None] | None = None,
    advance: Callable[[str], None] | None = None,
    checkpoint: tuple[str, str | None] | None = None,
) -> ExportResult:
    """Write the site into ``out``; ``on_total(n)`` once, then ``advance(file)`` per page.

    With ``checkpoint`` (a signed note and the log's verifier key), also one audit bundle
    per province-year under ``bundles/`` (``api.bundle``), which the unit pages link to."""
    result = ExportResult()
    jobs, years = plan(ledger, origin, base_url, checkpoint[1] if checkpoint else None)
    if on_total:
        on_total(len(jobs) + 1)
    out.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        context = job.context()
        if context is None:  # the unit's evaluation vanished between plan and render
            continue
        for lang in LANGS:
            root = "en/" if lang == "en" else ""
            html = render_html(job.template, lang, StaticUrls(lang, job.page), **context)
            _write(out / (root + job.page), html)
            result.pages.append(root + job.page)
        if job.template == "unit.html":
            s = context["s"]
            name = f"data/evaluations/{s['unit']['code']}/{s['year']}.json"
            _write(out / name, _json(s))
            result.data.append(name)
        if advance:
            advance(job.page)
    province = views.province_of(ledger)
    for year, rows in years:
        name = f"data/provinces/{year}.json"
        doc = {
            "province": province,
            "year": year,
            "counts": counts(rows),
            "units": rows,
            "next": None,
        }
        _write(out / name, _json(doc))
        result.data.append(name)
    if checkpoint is not None and province["code"]:
        from api.bundle import Exporter, province_scope

        note, vkey = checkpoint
        for year, _ in years:
            name = f"bundles/{province['code']}-{year}.bundle.jsonl"
            (out / "bundles").mkdir(parents=True, exist_ok=True)
            with open(out / name, "wb") as f:
                for line in Exporter(ledger).lines(
                    province_scope(province["code"], year), note, log_key=vkey
                ):
                    f.write(line)
            result.data.append(name)
    for asset in sorted(STATIC.iterdir()):
        if asset.is_file():
            (out / "static").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(asset, out / "static" / asset.name)
            result.assets.append(f"static/{asset.name}")
    if advance:
        advance("static")
    return result


def add_subcommand(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    ledger_of: Callable[[argparse.Namespace], Ledger],
    origin_of: Callable[[argparse.Namespace], str],
) -> None:
    """``minhbach site export DIR [--base-url URL]``."""
    site = sub.add_parser("site", help="trang công khai / public site").add_subparsers(
        dest="site_command", required=True
    )
    ex = site.add_parser(
        "export", help="xuất mọi trang công khai thành tệp tĩnh / write every public page as files"
    )
    ex.add_argument("dir", help="thư mục đích / output folder")
    ex.add_argument(
        "--base-url", default="",
        help="địa chỉ công khai của máy chủ, dùng trong hướng dẫn kiểm chứng / the server's public URL",
    )  # fmt: skip

    def run(args: argparse.Namespace) -> int:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        out = Path(args.dir)
        columns = (
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[page]}"),
        )  # fmt: skip
        with Progress(*columns) as bar:
            task = bar.add_task("Xuất trang / exporting", total=None, page="")
            from api.cli_log import checkpointer

            ledger = ledger_of(args)
            source = checkpointer(args, ledger)
            result = export_site(
                ledger, out, origin_of(args), args.base_url,
                on_total=lambda n: bar.update(task, total=n),
                advance=lambda page: bar.update(task, advance=1, page=page),
                checkpoint=(source.latest(ledger), source.vkey()),
            )  # fmt: skip
        print(
            f"{len(result.pages)} trang, {len(result.data)} tệp dữ liệu, {len(result.assets)} tệp "
            f"tĩnh → {out} / pages, data files, assets written"
        )
        return 0

    ex.set_defaults(func=run)
