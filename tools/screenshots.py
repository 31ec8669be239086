"""Screenshots of the public pages at desktop (1280 px) and phone (390 px) widths.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--limit 20]

Builds a demo ledger (``api.demo``) in a temporary folder, serves it with a real uvicorn
on loopback (``api.devserver``) and photographs, in Debian's headless Chromium driven by
Playwright, the home page, the province page of 2023, a unit page and the verify and log
pages, full length.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.devserver import LiveServer, browser_missing, demo_database, launch_chromium  # noqa: E402

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    p.add_argument("--limit", type=int, default=20, help="communes in the demo")
    args = p.parse_args(argv)
    why = browser_missing()
    if why:
        print(why, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        from datetime import datetime

        from api.devserver import intake_key_of
        from domain.calendar import VN_TZ

        path = Path(tmp) / "demo.db"
        url = demo_database(path, limit=args.limit, today=datetime.now(VN_TZ).date())
        env = {"MINHBACH_INTAKE_KEY_FILE": str(intake_key_of(path)), "MINHBACH_DATA_DIR": tmp,
               "MINHBACH_CHECKPOINT_INTERVAL": "1"}  # fmt: skip
        with LiveServer(url, env=env) as server, sync_playwright() as pw:
            context = launch_chromium(pw, Path(tmp) / "profile")
            page = context.new_page()  # type: ignore[attr-defined]
            page.goto(server.url + "/p/2023")
            units = re.findall(r'href="(/u/\d{5}/2023)"', page.content())
            year = datetime.now(VN_TZ).year
            page.goto(server.url + f"/p/{year}")
            posted = re.findall(rf'href="(/u/\d{{5}}/{year})"', page.content())
            time.sleep(3)  # the server signs a checkpoint every second
            # a unit with a council, a decision and comments: the last one of the list
            pages = {
                "home": "/", "province": "/p/2023", "unit": units[-1],
                "verify": "/verify", "log": "/log?entry=42#entry", "comment": posted[0],
            }  # fmt: skip
            for name, path in pages.items():
                for label, (width, height) in WIDTHS.items():
                    page.set_viewport_size({"width": width, "height": height})
                    page.goto(server.url + path)
                    target = out / f"{name}-{label}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
            context.close()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
