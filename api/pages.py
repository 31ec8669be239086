"""Rendering of the public pages: one Jinja2 environment, autoescaped, CSS inlined.

Pages are Vietnamese unless ``?lang=en``; every link keeps the language. No JavaScript.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from api import i18n

HERE = Path(__file__).parent


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["css"] = Markup((HERE / "static" / "style.css").read_text(encoding="utf-8"))
    return env


def language(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "vi"


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
        return path + ("?" + urlencode({"lang": "en"}) if self.lang == "en" else "")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    other = "vi" if lang == "en" else "en"
    switch = request.url.path + ("?lang=en" if other == "en" else "")
    html = (
        environment()
        .get_template(template)
        .render(lang=lang, other_lang=other, switch_url=switch, w=Words(lang), **context)
    )
    return HTMLResponse(html, status_code=status_code, headers={"Content-Language": lang})
