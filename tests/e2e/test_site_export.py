"""``minhbach site export DIR``: every public page as static files that link to each other."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from htmlcheck import accessibility_problems, parse

from api.cli import main
from api.config import Settings, make_ledger
from projections.overview import province_overview, years_with_data


@pytest.fixture(scope="module")
def site(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    code = main(["--database", demo_url, "site", "export", str(out),
                 "--base-url", "https://minhbach.example"])  # fmt: skip
    assert code == 0
    return out


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_export_writes_every_page_in_both_languages(site: Path, demo_url: str) -> None:
    ledger = make_ledger(Settings(database_url=demo_url))
    expected = {"index.html", "verify.html", "log.html"}
    for year in years_with_data(ledger):
        expected.add(f"p/{year}.html")
        for row in province_overview(ledger, year):
            if row["stage"] is not None:
                expected.add(f"u/{row['code']}/{year}.html")
    ledger.close()
    written = {str(p.relative_to(site)) for p in html_files(site)}
    assert written == expected | {f"en/{p}" for p in expected}
    assert len(expected) > 20  # 3 years of the demo's communes
    assert (site / "static" / "style.css").is_file() and (site / "static" / "print.css").is_file()


def test_every_exported_page_parses_and_keeps_its_accessibility_rules(site: Path) -> None:
    for path in html_files(site):
        page = parse(path.read_text(encoding="utf-8"))
        assert page.problems == [], (path, page.problems)
        assert accessibility_problems(page) == [], (path, accessibility_problems(page))
        assert page.lang == ("en" if path.relative_to(site).parts[0] == "en" else "vi"), path
        assert page.scripts == 0


def test_every_link_of_the_export_is_relative_and_resolves_to_a_written_file(site: Path) -> None:
    checked = 0
    for path in html_files(site):
        page = parse(path.read_text(encoding="utf-8"))
        here = path.relative_to(site).parent.as_posix()
        for tag, url in page.links:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https"):  # a publication's address, outside the site
                assert tag == "a", (path, url)
                continue
            assert not parts.scheme and not url.startswith("/"), (path, url)
            target = posixpath.normpath(posixpath.join(here, parts.path)) if parts.path else ""
            file = site / target if target else path
            assert file.is_file(), (path, url)
            assert file.resolve().is_relative_to(site.resolve()), (path, url)
            if parts.fragment:
                assert parts.fragment in parse(file.read_text(encoding="utf-8")).ids, (path, url)
            checked += 1
    assert checked > 500


def test_language_switch_of_an_exported_page_points_at_the_same_page(site: Path) -> None:
    unit = next((site / "u").rglob("2023.html"))
    rel = unit.relative_to(site)
    page = parse(unit.read_text(encoding="utf-8"))
    switch = [u for t, u in page.links if t == "a" and u.endswith(rel.as_posix())]
    assert (
        switch
        and posixpath.normpath(posixpath.join(rel.parent.as_posix(), switch[0])) == f"en/{rel}"
    )


def test_exported_json_matches_the_pages_and_the_filter_form_is_left_out(site: Path) -> None:
    province = json.loads((site / "data" / "provinces" / "2023.json").read_text())
    assert province["year"] == 2023 and province["next"] is None
    assert province["counts"]["total"] == len(province["units"])
    for row in province["units"]:
        if row["stage"] is not None:
            s = json.loads((site / "data" / "evaluations" / row["code"] / "2023.json").read_text())
            assert s["stage"] == row["stage"]
    html = (site / "p" / "2023.html").read_text(encoding="utf-8")
    assert "<form" not in html and "/docs" not in html
    assert "https://minhbach.example" in (site / "verify.html").read_text(encoding="utf-8")


def test_the_exported_bundles_verify_offline_and_the_unit_pages_link_them(site: Path) -> None:
    import subprocess
    import sys

    bundles = sorted((site / "bundles").glob("96-*.bundle.jsonl"))
    assert [b.name for b in bundles][:1] == ["96-2022.bundle.jsonl"]
    unit = next((site / "u").rglob("2023.html")).read_text(encoding="utf-8")
    assert 'href="../../bundles/96-2023.bundle.jsonl"' in unit
    done = subprocess.run([sys.executable, "-m", "verify", str(site / "bundles" / "96-2023.bundle.jsonl"),
                           "--json"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode in (0, 3), done.stdout[-2000:] + done.stderr[-2000:]
    assert json.loads(done.stdout)["result"]
