"""Addresses of the public pages, for the live server and for the static export.

Templates never write an address themselves; they ask ``urls``:

- ``LiveUrls``: absolute paths (``/u/32002/2023``), with ``?lang=en`` on English pages
  so a shared link keeps its language;
- ``StaticUrls``: relative links between files (``../../p/2023.html``), English pages
  under ``en/``, so the exported folder works from any file server or from ``file://``.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlencode


class LiveUrls:
    live = True

    def __init__(self, lang: str, path: str = "/", query: dict[str, str] | None = None) -> None:
        self.lang = lang
        self.path = path
        self.query = {k: v for k, v in (query or {}).items() if k != "lang"}

    def _page(self, path: str, **query: str) -> str:
        q = {k: v for k, v in query.items() if v}
        if self.lang == "en":
            q["lang"] = "en"
        return path + ("?" + urlencode(q) if q else "")

    def home(self) -> str:
        return self._page("/")

    def province(self, year: int, **filters: str) -> str:
        return self._page(f"/p/{year}", **filters)

    def unit(self, code: str, year: int) -> str:
        return self._page(f"/u/{code}/{year}")

    def verify(self) -> str:
        return self._page("/verify")

    def log(self) -> str:
        return self._page("/log")

    def static(self, name: str) -> str:
        return f"/static/{name}"

    def province_json(self, year: int) -> str:
        return f"/v1/provinces/{year}"

    def evaluation_json(self, code: str, year: int) -> str:
        return f"/v1/evaluations/{code}/{year}"

    def bundle(self, code: str, year: int, province: str | None) -> str:
        """The audit bundle of a unit-year (docs/bundle.md)."""
        return f"/v1/evaluations/{code}/{year}/bundle"

    def switch(self) -> str:
        """This page in the other language (an explicit ``lang``, which also sets the cookie)."""
        other = "vi" if self.lang == "en" else "en"
        return self.path + "?" + urlencode({**self.query, "lang": other})


class StaticUrls:
    """Links from the file ``page`` (``u/32002/2023.html``) of the ``lang`` tree."""

    live = False

    def __init__(self, lang: str, page: str) -> None:
        self.lang = lang
        self.page = page
        self.here = posixpath.dirname(self._root(lang) + page) or "."

    @staticmethod
    def _root(lang: str) -> str:
        return "en/" if lang == "en" else ""

    def _rel(self, target: str) -> str:
        return posixpath.relpath(target, self.here)

    def _page(self, page: str) -> str:
        return self._rel(self._root(self.lang) + page)

    def home(self) -> str:
        return self._page("index.html")

    def province(self, year: int, **filters: str) -> str:
        return self._page(f"p/{year}.html")

    def unit(self, code: str, year: int) -> str:
        return self._page(f"u/{code}/{year}.html")

    def verify(self) -> str:
        return self._page("verify.html")

    def log(self) -> str:
        return self._page("log.html")

    def static(self, name: str) -> str:
        return self._rel(f"static/{name}")

    def province_json(self, year: int) -> str:
        return self._rel(f"data/provinces/{year}.json")

    def evaluation_json(self, code: str, year: int) -> str:
        return self._rel(f"data/evaluations/{code}/{year}.json")

    def bundle(self, code: str, year: int, province: str | None) -> str:
        """The exported site carries one bundle per province-year, holding every unit's."""
        return self._rel(f"bundles/{province}-{year}.bundle.jsonl")

    def switch(self) -> str:
        other = "vi" if self.lang == "en" else "en"
        return self._rel(self._root(other) + self.page)


Urls = LiveUrls | StaticUrls


def static_page_path(kind: str, **params: object) -> str:
    """The file, relative to a language root, that holds a page (the inverse of the above)."""
    paths = {
        "home": "index.html",
        "province": "p/{year}.html",
        "unit": "u/{code}/{year}.html",
        "verify": "verify.html",
        "log": "log.html",
    }
    return paths[kind].format(**params)
