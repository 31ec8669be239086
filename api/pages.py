"""Rendering of the public pages: one Jinja2 environment, autoescaped, no JavaScript.

Language: Vietnamese by default; ``?lang=en`` or ``?lang=vi`` chooses, and is remembered
in a ``lang`` cookie, so a reader who switched once stays in their language; links on
English pages also carry ``?lang=en``, so they work without cookies. Addresses come from
``api.urls`` (live paths, or relative files in the static export).

Pages are sent with a Content-Security-Policy that allows no script at all and styles
only from this site, and ``Vary: Cookie`` since the cookie picks the language.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from api import i18n
from api.urls import LiveUrls, Urls

HERE = Path(__file__).parent
LANGS = ("vi", "en")
COOKIE = "lang"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,  # templates are part of the release: no stat() per render
        trim_blocks=True,
        lstrip_blocks=True,
    )


def language(request: Request) -> str:
    """``?lang=`` first, then the cookie, else Vietnamese."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    remembered = request.cookies.get(COOKIE)
    return remembered if remembered in LANGS else "vi"


class Words:
    """Template helper bound to one language: ``w('key')``, ``w.stage(s)``…"""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **kw: Any) -> str:
        return i18n.pick(i18n.WORDS, key, self.lang).format(**kw)

    def stage(self, stage: str | None) -> str:
        return i18n.pick(i18n.STAGES, stage, self.lang)

    def event(self, type_: str) -> str:
        return i18n.pick(i18n.EVENTS, type_, self.lang)

    def channel(self, channel: str) -> str:
        return i18n.pick(i18n.CHANNELS, channel, self.lang)

    def council_role(self, role: str) -> str:
        return i18n.pick(i18n.COUNCIL_ROLES, role, self.lang)

    def date_label(self, key: str) -> str:
        return i18n.pick(i18n.DATE_LABELS, key, self.lang)

    def dates(self, dates: dict[str, str | None]) -> list[tuple[str, str]]:
        """The key dates that are set, in the order of the process (``i18n.DATE_LABELS``),
        whatever order the document has (stored read models sort their keys)."""
        order = {k: i for i, k in enumerate(i18n.DATE_LABELS)}
        return sorted(((k, v) for k, v in dates.items() if v), key=lambda kv: order.get(kv[0], 99))

    def name(self, obj: dict[str, Any]) -> str:
        """``name_vi`` / ``name_en`` (or ``vi`` / ``en``) of a catalog entry or finding."""
        for a, b in (("name_vi", "name_en"), ("vi", "en"), ("title_vi", "title_en")):
            if a in obj:
                return str(obj[b] if self.lang == "en" and obj.get(b) else obj[a])
        return ""

    def num(self, value: str | None) -> str:
        """A decimal string for reading: "9,5" in Vietnamese, "9.5" in English."""
        if value is None:
            return "—"
        return value if self.lang == "en" else value.replace(".", ",")

    def href(self, path: str) -> str:
        """A live path in this language (kept for templates outside this module's set)."""
        return path + ("?" + urlencode({"lang": "en"}) if self.lang == "en" else "")


def render_html(template: str, lang: str, urls: Urls, **context: Any) -> str:
    """A page as text: the same call serves the live site and the static export."""
    other = "vi" if lang == "en" else "en"
    return (
        environment()
        .get_template(template)
        .render(lang=lang, other_lang=other, urls=urls, w=Words(lang), **context)
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    urls = LiveUrls(lang, request.url.path, dict(request.query_params))
    context.setdefault("province", {"code": None, "name": None})
    html = render_html(template, lang, urls, **context)
    return html_response(request, html, lang, status_code)


def html_response(
    request: Request, html: str | bytes, lang: str, status_code: int = 200
) -> HTMLResponse:
    response = HTMLResponse(
        html,
        status_code=status_code,
        headers={
            "Content-Language": lang,
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Vary": "Cookie",
        },
    )
    if request.query_params.get("lang") in LANGS and request.cookies.get(COOKIE) != lang:
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
