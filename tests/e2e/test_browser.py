"""The public pages in a real browser: Debian's headless Chromium, driven by Playwright,
over a real uvicorn serving the demo province (``live``), with JavaScript turned off as a
resident's old phone might have it.

Skipped when Chromium or Playwright is missing, unless ``CI`` is set: then they fail,
since ``.ci/run`` installs Chromium.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.devserver import LiveServer, browser_missing, launch_chromium
from api.i18n import STAGES

MISSING = browser_missing()
if MISSING and os.environ.get("CI"):
    pytest.fail(f"browser tests must run in CI: {MISSING}", pytrace=False)
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Chromium context on a fresh profile, JavaScript off."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = launch_chromium(
            pw, tmp_path_factory.mktemp("chromium-profile"), java_script_enabled=False
        )
        yield context
        context.close()  # type: ignore[attr-defined]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    browser.clear_cookies()
    p = browser.new_page()
    p.set_viewport_size({"width": 1280, "height": 900})
    yield p
    p.close()


def test_resident_goes_from_home_to_a_unit_and_reads_its_score_and_status(
    page: Any, live: LiveServer
) -> None:
    page.goto(live.url + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    latest = page.get_by_role("link", name=re.compile(r"Kết quả năm \d{4} →"))
    year = int(re.search(r"\d{4}", latest.inner_text()).group())  # type: ignore[union-attr]
    assert year == 2025  # the home page leads to the demo's latest year
    latest.click()
    assert page.url.endswith(f"/p/{year}")
    link = page.locator("table.units tbody th a").first
    name = link.inner_text()
    link.click()
    code = re.search(r"/u/(\d{5})/", page.url).group(1)  # type: ignore[union-attr]
    assert page.get_by_role("heading", level=1).inner_text().startswith(name)
    truth = httpx.get(f"{live.url}/v1/evaluations/{code}/{year}").json()
    assert page.locator("#unit-status").inner_text() == STAGES[truth["stage"]][0]
    assert page.locator("#unit-total").inner_text() == truth["totals"]["total"].replace(".", ",")
    assert page.get_by_role("table", name=re.compile("Điểm theo tiêu chí")).is_visible()


def test_language_switch_turns_the_site_english_and_back(page: Any, live: LiveServer) -> None:
    page.goto(live.url + "/p/2023")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Results for 2023")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Home").click()
    assert page.locator("html").get_attribute("lang") == "en"  # remembered across pages
    page.get_by_role("link", name="Tiếng Việt").click()
    assert page.locator("html").get_attribute("lang") == "vi"
    page.goto(live.url + "/verify")
    assert page.get_by_role("heading", level=1).inner_text() == "Tự kiểm chứng"


def focus(page: Any, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} never got the focus by Tab")


def test_province_filter_works_with_the_keyboard_alone(page: Any, live: LiveServer) -> None:
    page.goto(live.url + "/p/2023")
    every = page.locator("table.units tbody tr").count()
    focus(page, "f-group")
    page.keyboard.press("ArrowDown")  # "Mọi kết quả" → "Đạt chuẩn"
    assert page.locator("#f-group").input_value() == "meeting"
    focus(page, "f-q")
    page.keyboard.press("Enter")  # submits the plain GET form
    page.wait_for_url(re.compile(r"group=meeting"))
    shown = page.locator("table.units tbody tr")
    assert 0 < shown.count() < every
    badges = page.locator("table.units tbody .badge").all_inner_texts()
    assert set(badges) == {STAGES["recognised"][0]}
    assert page.locator("#f-group").input_value() == "meeting"  # the form shows the filter


def test_skip_link_is_first_and_moves_to_the_main_content(page: Any, live: LiveServer) -> None:
    page.goto(live.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.className") == "skip" and skip.is_visible()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus is visible
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


@pytest.mark.parametrize("path", ["/", "/p/2023", "UNIT", "/verify", "/log"])
def test_no_page_scrolls_sideways_on_a_375px_phone(page: Any, live: LiveServer, path: str) -> None:
    if path == "UNIT":
        html = httpx.get(live.url + "/p/2023").text
        path = re.findall(r'href="(/u/\d{5}/2023)"', html)[-1]
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live.url + path)
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"{path}: content {width[0]}px wide in a {width[1]}px viewport"


def test_printed_page_hides_navigation_and_the_filter_form(page: Any, live: LiveServer) -> None:
    page.goto(live.url + "/p/2023")
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    assert not page.get_by_role("navigation", name="Điều hướng chính").is_visible()
    assert page.locator("table.units").is_visible()


def test_exported_site_opens_from_file_urls(page: Any, live: LiveServer, tmp_path: Path) -> None:
    from api.cli import main

    assert main(["--database", live.database_url, "site", "export", str(tmp_path)]) == 0
    page.goto((tmp_path / "index.html").as_uri())
    page.get_by_role("link", name=re.compile(r"Kết quả năm \d{4} →")).click()
    page.locator("table.units tbody th a").first.click()
    assert page.url.startswith("file://") and re.search(r"/\d{5}/\d{4}\.html$", page.url)
    assert page.locator("#unit-status").is_visible()
    color = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert color == "rgb(11, 47, 92)"  # the stylesheet loaded through its relative link


@pytest.fixture(scope="module")
def posted_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real uvicorn over a small demo whose drafts are posted today, taking comments."""
    from datetime import datetime

    from api.devserver import demo_database, intake_key_of
    from domain.calendar import VN_TZ

    path = tmp_path_factory.mktemp("posted") / "demo.db"
    url = demo_database(path, limit=8, today=datetime.now(VN_TZ).date())
    env = {"MINHBACH_INTAKE_KEY_FILE": str(intake_key_of(path))}
    with LiveServer(url, env=env) as server:
        yield server


def test_resident_comments_on_posted_drafts_and_keeps_the_receipt(
    page: Any, posted_live: LiveServer
) -> None:
    """No account, no JavaScript: find a unit whose drafts are posted, write, send, get a
    receipt naming the log index, and see the comment on the unit's page."""
    page.goto(posted_live.url + "/")
    page.get_by_role("link", name=re.compile(r"Kết quả năm \d{4} →")).click()
    page.locator("table a[href^='/u/']").first.click()
    form = page.get_by_role("form", name="Gửi ý kiến về dự thảo đang niêm yết")
    assert form.is_visible()
    text = "Đề nghị niêm yết thêm tại nhà văn hóa ấp."
    page.get_by_label("Nội dung ý kiến").fill(text)
    page.get_by_label(re.compile("Họ tên")).fill("Lê Văn D")
    page.get_by_role("button", name="Gửi ý kiến").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Biên nhận ý kiến"
    index = int(page.locator("#receipt-index").inner_text())
    leaf = page.locator("#receipt-leaf").inner_text()
    assert len(leaf) == 64 and index > 0
    page.get_by_role("link", name="Quay lại trang của xã").click()
    assert page.get_by_text(text).is_visible()


def test_resident_follows_the_verify_page_and_the_log_check_passes(
    page: Any, live: LiveServer, tmp_path: Path
) -> None:
    """The commands on the verify page, copied as shown, work against this server."""
    import shlex
    import subprocess
    import sys

    page.goto(live.url + "/verify")
    command = page.locator("#cmd-log-check").inner_text()
    assert command.startswith("minhbach log check --url " + live.url)
    args = shlex.split(command)[1:]
    run = [
        sys.executable,
        "-c",
        "import sys; from api.cli import main; sys.exit(main(sys.argv[1:]))",
    ]
    done = subprocess.run([*run, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "seen.json").is_file()
    again = subprocess.run([*run, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stdout + again.stderr
    vkey = page.locator("#log-vkey").inner_text()
    assert httpx.get(live.url + "/v1/log/key").json()["vkey"] == vkey
