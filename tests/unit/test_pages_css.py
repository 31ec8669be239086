"""The stylesheet keeps its promises: text contrast of at least 4.5:1 (WCAG 2.2, 1.4.3)
for every colour pair the pages use, a visible focus outline, a phone layout, print rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "api" / "static"
CSS = (STATIC / "style.css").read_text(encoding="utf-8")

# (text, background) pairs, by custom property, as the rules of style.css use them
PAIRS = [
    ("ink", "bg"), ("muted", "bg"), ("link", "bg"), ("warn", "bg"),  # body text, links, .prov
    ("ink", "band"), ("muted", "band"), ("link", "band"),  # table heads, crumbs, filter form
    ("ok", "ok-bg"), ("bad", "bad-bg"), ("warn", "warn-bg"),  # status badges
    ("head-ink", "head"), ("bg", "link"),  # the header band; the filter button
]  # fmt: skip


def variables(css: str) -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", css)
    assert root is not None
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root.group(1)))


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.2, definition of 'relative luminance', sRGB)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_matches_the_known_extremes() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic fail


@pytest.mark.parametrize("text,background", PAIRS)
def test_every_text_colour_pair_has_contrast_of_at_least_4_5(text: str, background: str) -> None:
    colours = variables(CSS)
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, f"--{text} on --{background}: {ratio:.2f}:1"


def test_focus_is_always_visible_and_the_skip_link_appears_on_focus() -> None:
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", CSS)
    assert re.search(r"\.skip:focus\s*\{[^}]*top:", CSS)


def test_phone_layout_and_print_stylesheet_exist() -> None:
    assert "@media (max-width: 40rem)" in CSS
    printing = (STATIC / "print.css").read_text(encoding="utf-8")
    assert "@page" in printing and "display: none" in printing
