"""A small strict reader of the pages' HTML (standard library only), for the tests.

``parse(html)`` returns a ``Page`` with its links, ids, headings, landmarks, tables and
form controls, and the problems found while parsing: an end tag that closes nothing or
the wrong element, an element left open, a duplicate id. ``accessibility_problems(page)``
lists what breaks the rules the pages promise (WCAG 2.2 techniques named beside each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "rect", "path", "circle", "line"}  # fmt: skip
# elements whose end tag HTML lets one omit (we never omit them, but do not fail on it)
OPTIONAL_END = {"p", "li", "dt", "dd", "option", "tr", "td", "th", "thead", "tbody"}


@dataclass
class Page:
    lang: str | None = None
    title: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (tag, url)
    ids: set[str] = field(default_factory=set)
    headings: list[tuple[int, str]] = field(default_factory=list)
    landmarks: list[str] = field(default_factory=list)
    tables: list[dict[str, object]] = field(default_factory=list)
    controls: list[dict[str, str]] = field(default_factory=list)
    labels_for: set[str] = field(default_factory=set)
    scripts: int = 0
    problems: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[str] = []
        self.heading: list[object] | None = None
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        p = self.page
        if "id" in a:
            if a["id"] in p.ids:
                p.problems.append(f"duplicate id {a['id']!r}")
            p.ids.add(a["id"])
        if tag == "html":
            p.lang = a.get("lang")
        elif tag == "title" and "svg" not in self.stack:
            self.in_title = True
        elif tag in ("a", "link") and "href" in a:
            p.links.append((tag, a["href"]))
        elif tag in ("img", "script", "iframe") and "src" in a:
            p.links.append((tag, a["src"]))
        elif tag == "form" and "action" in a:
            p.links.append((tag, a["action"]))
        if tag == "script":
            p.scripts += 1
        if tag in ("header", "nav", "main", "footer") or a.get("role") in ("search", "region"):
            p.landmarks.append(a.get("role") or tag)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading = [int(tag[1]), ""]
        if tag == "table":
            p.tables.append({"caption": False, "th": 0, "th_scoped": 0})
        elif tag == "caption" and p.tables:
            p.tables[-1]["caption"] = True
        elif tag == "th" and p.tables:
            t = p.tables[-1]
            t["th"] = int(t["th"]) + 1  # type: ignore[call-overload]
            if a.get("scope") in ("col", "row", "colgroup", "rowgroup"):
                t["th_scoped"] = int(t["th_scoped"]) + 1  # type: ignore[call-overload]
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            p.controls.append(a)
        if tag == "label" and "for" in a:
            p.labels_for.add(a["for"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if tag == "title":
            self.in_title = False
        if self.heading is not None and tag == f"h{self.heading[0]}":
            self.page.headings.append((int(self.heading[0]), str(self.heading[1]).strip()))  # type: ignore[call-overload]
            self.heading = None
        while self.stack and self.stack[-1] != tag and self.stack[-1] in OPTIONAL_END:
            self.stack.pop()
        if not self.stack or self.stack[-1] != tag:
            self.page.problems.append(
                f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}"
            )
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.page.title += data
        if self.heading is not None:
            self.heading[1] = str(self.heading[1]) + data
        self.page.text.append(data)


def parse(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    open_ = [t for t in parser.stack if t not in OPTIONAL_END]
    if open_:
        parser.page.problems.append(f"left open: {open_}")
    return parser.page


def accessibility_problems(page: Page) -> list[str]:
    out = []
    if page.lang not in ("vi", "en"):
        out.append(f"html lang is {page.lang!r}")  # 3.1.1 Language of Page
    if not page.title.strip():
        out.append("no title")  # 2.4.2 Page Titled
    for landmark in ("header", "main", "footer", "nav"):
        if landmark not in page.landmarks:
            out.append(f"no <{landmark}> landmark")  # 1.3.1, 2.4.1 (ARIA11)
    levels = [h for h, _ in page.headings]
    if levels.count(1) != 1:
        out.append(f"{levels.count(1)} h1 headings")
    for before, after in zip(levels, levels[1:], strict=False):
        if after > before + 1:
            out.append(f"heading jumps from h{before} to h{after}")  # 1.3.1 (G141)
    if "main" not in page.ids:
        out.append("no #main target for the skip link")  # 2.4.1 (G1)
    for t in page.tables:
        if not t["caption"]:
            out.append("table without caption")  # 1.3.1 (H39)
        if t["th"] != t["th_scoped"]:
            out.append("th without scope")  # 1.3.1 (H63)
    for c in page.controls:
        if c.get("id") not in page.labels_for and not c.get("aria-label"):
            out.append(f"form control without label: {c}")  # 1.3.1, 4.1.2 (H44)
    return out
