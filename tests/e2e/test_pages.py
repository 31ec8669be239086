"""The public pages over the real app: structure and accessibility of every page in both
languages, the language cookie, filters, caching, and safety headers."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from htmlcheck import accessibility_problems, parse
from signed_province import COMMUNE, YEAR, Province, t

from api.config import Settings
from api.main import create_app
from api.views import UNIT_SECTIONS

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def demo_app(demo_url: str) -> Iterator[TestClient]:
    # the shared data folder of the run (tests/conftest.py): every process that signs
    # checkpoints on the shared demo ledger must hold the same log key
    settings = Settings(database_url=demo_url, data_dir=Path(os.environ["MINHBACH_DATA_DIR"]))
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def demo(demo_app: TestClient) -> TestClient:
    """The app over the demo province (10 communes, 2022–2024), with no cookie yet."""
    demo_app.cookies.clear()
    return demo_app


def units_of(html: str, year: int) -> list[str]:
    return re.findall(rf'href="/u/(\d{{5}})/{year}[^"]*"', html)


def pages_of(demo: TestClient) -> list[str]:
    unit = units_of(demo.get("/p/2023").text, 2023)[0]
    return ["/", "/p/2023", f"/u/{unit}/2023", "/verify", "/log", "/u/99999/2023"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_is_well_formed_accessible_and_has_no_script(
    demo: TestClient, lang: str
) -> None:
    for path in pages_of(demo):
        r = demo.get(path, params={"lang": lang})
        assert r.status_code == (404 if "99999" in path else 200), path
        page = parse(r.text)
        assert page.problems == [], (path, page.problems)
        assert accessibility_problems(page) == [], (path, accessibility_problems(page))
        assert page.lang == lang and page.scripts == 0
        assert r.headers["content-language"] == lang
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script" not in csp  # no script source at all
        assert r.headers["x-content-type-options"] == "nosniff"


def test_pages_are_vietnamese_by_default(demo: TestClient) -> None:
    html = demo.get("/").text
    assert '<html lang="vi">' in html and "Toàn tỉnh năm" in html and 'hreflang="en"' in html


def test_choosing_english_is_remembered_by_cookie_until_vietnamese_is_chosen(
    opened: TestClient,
) -> None:
    r = opened.get(f"/u/{COMMUNE}/{YEAR}", params={"lang": "en"})
    assert "lang=en" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    assert f"Results for {YEAR}" in opened.get(f"/p/{YEAR}").text  # no ?lang: the cookie
    assert "Cookie" in r.headers["vary"]
    back = opened.get(f"/p/{YEAR}", params={"lang": "vi"})
    assert '<html lang="vi">' in back.text and "lang=vi" in back.headers["set-cookie"]
    assert '<html lang="vi">' in opened.get("/").text


def test_language_switch_link_keeps_the_page_and_its_filters(demo: TestClient) -> None:
    html = demo.get("/p/2023", params={"group": "meeting", "q": "xa"}).text
    switch = re.search(r'<a href="([^"]+)" lang="en" hreflang="en">English</a>', html)
    assert switch is not None
    assert switch.group(1).replace("&amp;", "&") == "/p/2023?group=meeting&q=xa&lang=en"


def test_unit_page_has_every_section_as_a_titled_landmark_and_a_table_of_contents(
    opened: TestClient,
) -> None:
    page = parse(opened.get(f"/u/{COMMUNE}/{YEAR}").text)
    for name, _ in UNIT_SECTIONS:
        if name == "complaints":  # only shown when there is one
            assert name not in page.ids
            continue
        assert {name, f"{name}-title"} <= page.ids, name
        assert ("a", f"#{name}") in page.links, name


def test_province_filter_by_result_district_and_name_without_diacritics(demo: TestClient) -> None:
    every = units_of(demo.get("/p/2023").text, 2023)
    meeting = units_of(demo.get("/p/2023", params={"group": "meeting"}).text, 2023)
    failing = units_of(demo.get("/p/2023", params={"group": "not_meeting"}).text, 2023)
    assert meeting and failing and sorted(meeting + failing) == sorted(every)
    doc = demo.get("/v1/provinces/2023").json()
    first = doc["units"][0]
    folded = "phuong" if first["name"].startswith("Phường") else "xa"
    by_name = units_of(demo.get("/p/2023", params={"q": folded.upper()}).text, 2023)
    assert first["code"] in by_name
    district = first["district"]["code"]
    in_district = {
        u["code"] for u in doc["units"] if u["district"]["code"] == district and u["stage"]
    }
    assert (
        set(units_of(demo.get("/p/2023", params={"district": district}).text, 2023)) == in_district
    )
    none = demo.get("/p/2023", params={"q": "không có xã này"}).text
    assert units_of(none, 2023) == [] and "Không có đơn vị nào khớp bộ lọc." in none


def test_filter_form_is_a_labelled_get_form_that_keeps_english(demo: TestClient) -> None:
    html = demo.get("/p/2023", params={"lang": "en"}).text
    form = re.search(r"<form[^>]*>.*?</form>", html, re.S)
    assert form is not None and 'method="get"' in form.group(0)
    assert '<input type="hidden" name="lang" value="en">' in form.group(0)
    for control in ("f-district", "f-group", "f-q"):
        assert f'<label for="{control}">' in form.group(0)


def test_unchanged_page_is_answered_304_to_its_etag_and_changes_with_the_ledger(
    opened: TestClient, province: Province
) -> None:
    first = opened.get(f"/u/{COMMUNE}/{YEAR}")
    etag = first.headers["etag"]
    again = opened.get(f"/u/{COMMUNE}/{YEAR}", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    data = {"indicator": "TC1.1", "official_id": "cb-32002-ct"}
    envelope = province.sign(
        province.chairman, "IndicatorAssigned", COMMUNE, YEAR, t("2023-01-06"), data
    )
    assert opened.post("/v1/events", content=envelope, headers=JSON).status_code == 201
    after = opened.get(f"/u/{COMMUNE}/{YEAR}", headers={"if-none-match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert "Phân công chấm chỉ tiêu" in after.text and "Phân công chấm chỉ tiêu" not in first.text


def test_verify_page_gives_the_commands_with_this_server_address(demo: TestClient) -> None:
    html = demo.get("/verify").text
    assert "python -m verify BUNDLE --policy FILE" in html
    assert "minhbach log check --url http://testserver" in html
    assert "Tự kiểm chứng" in html


def test_log_page_shows_the_log_size_and_links_the_checkpoint(demo: TestClient) -> None:
    size = demo.get("/readyz").json()["log_size"]
    page = parse(demo.get("/log").text)
    assert ("a", "/log/checkpoint") in page.links
    assert f"{size}" in "".join(page.text)


def test_static_assets_are_served(demo: TestClient) -> None:
    css = demo.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "@media (max-width: 40rem)" in css.text
    assert "print-color-adjust" in demo.get("/static/print.css").text


def test_pages_are_sent_gzip_compressed_when_asked_with_their_own_etag(opened: TestClient) -> None:
    path = f"/u/{COMMUNE}/{YEAR}"
    plain = opened.get(path, headers={"accept-encoding": "identity"})
    packed = opened.get(path, headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip" and packed.text == plain.text
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
    assert packed.headers["etag"] != plain.headers["etag"]
    assert "Accept-Encoding" in packed.headers["vary"] and "Cookie" in packed.headers["vary"]
    again = opened.get(
        path, headers={"accept-encoding": "gzip", "if-none-match": packed.headers["etag"]}
    )
    assert again.status_code == 304


def test_pages_built_from_the_stored_read_models_equal_the_pages_computed_from_the_events(
    demo_app: TestClient,
) -> None:
    """The live pages read the stored read models when they are current (``views.Stored``);
    every page they serve is the page computed from the aggregates, byte for byte."""
    from api.pages import render_html
    from api.urls import LiveUrls
    from api.views import Stored, home_view, province_of, province_view, unit_view
    from projections.engine import NAMES

    app = demo_app.app
    ledger = app.state.ledger  # type: ignore[attr-defined]
    store = app.state.readmodels.store  # type: ignore[attr-defined]
    assert store.position(NAMES) == ledger.recorder.log_head()[0]  # caught up
    stored = Stored(store, province_of(ledger)["code"])
    assert stored.years() and stored.years() == home_view(ledger)["years"]

    def same(template: str, computed: object, from_store: object) -> None:
        urls = LiveUrls("vi")
        assert render_html(template, "vi", urls, **computed) == render_html(  # type: ignore[arg-type]
            template, "vi", urls, **from_store  # type: ignore[arg-type]
        )

    same("home.html", home_view(ledger), home_view(ledger, stored))
    units = 0
    for year in stored.years():
        view = province_view(ledger, year)
        same("province.html", view, province_view(ledger, year, stored=stored))
        for row in view["rows"]:
            computed = unit_view(ledger, row["code"], year)
            if computed is None:
                assert stored.status(row["code"], year) is None
                continue
            same("unit.html", computed, unit_view(ledger, row["code"], year, stored))
            units += 1
    assert units >= 20
