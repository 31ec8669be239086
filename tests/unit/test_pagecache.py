"""The cache of pages and reads (``api.pagecache``), the read-only ledger stand-in
(``api.readcache``), keyset pagination (``api.pagination``) and page addresses
(``api.urls``): pure, no server."""

from __future__ import annotations

import posixpath

import pytest

from api.pagecache import BoundCache, PageCache
from api.pagination import paginate
from api.readcache import CachedReads
from api.urls import LiveUrls, StaticUrls, static_page_path


class Log:
    size = 0


def test_a_kept_value_is_served_until_the_log_grows_then_made_again() -> None:
    log = Log()
    cache = PageCache(lambda: log.size)
    made: list[int] = []

    def make() -> int:
        made.append(log.size)
        return log.size

    first = cache.get("k", make)
    assert cache.get("k", make) == first and made == [0]
    assert cache.peek("k") == first
    log.size = 1
    assert cache.peek("k") is None
    second = cache.get("k", make)
    assert second.value == 1 and made == [0, 1] and second.etag != first.etag


def test_etag_names_the_version_and_the_key() -> None:
    log = Log()
    cache = PageCache(lambda: log.size)
    a, b = cache.get("a", lambda: "x"), cache.get("b", lambda: "x")
    assert a.etag != b.etag and a.etag.startswith('"') and a.etag.endswith('"')


def test_the_cache_keeps_at_most_maxsize_values_dropping_the_least_recent() -> None:
    cache = PageCache(lambda: 0, maxsize=2)
    for key in ("a", "b"):
        cache.get(key, lambda k=key: k)
    cache.get("a", lambda: "again")  # "a" is now the most recent
    cache.get("c", lambda: "c")
    assert cache.peek("b") is None and cache.peek("a") is not None and cache.peek("c") is not None


def test_a_bound_cache_reads_the_version_once() -> None:
    reads: list[int] = []

    def size() -> int:
        reads.append(1)
        return 7

    cache = PageCache(size)
    bound = BoundCache(cache, cache.version())
    for i in range(5):
        bound.get(i, lambda: None)
        bound.peek(i)
    assert len(reads) == 1


class FakeLedger:
    """Counts how often each aggregate is fetched (stands in for the Ledger's reads)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.recorder = "the recorder"

    def registry(self) -> dict[str, str]:
        self.calls.append("registry")
        return {"unit": "96"}

    def evaluation(self, unit: str, year: int) -> tuple[str, int]:
        self.calls.append(f"evaluation {unit} {year}")
        return (unit, year)

    def round(self, unit: str, year: int) -> None:
        self.calls.append(f"round {unit} {year}")


def test_cached_reads_fetch_each_aggregate_once_per_version_and_pass_the_rest_through() -> None:
    ledger = FakeLedger()
    log = Log()
    cache = PageCache(lambda: log.size)
    reads = CachedReads(ledger, BoundCache(cache, cache.version()))  # type: ignore[arg-type]
    for _ in range(3):
        assert reads.registry() == {"unit": "96"}
        assert reads.evaluation("32002", 2023) == ("32002", 2023)
        assert reads.round("964", 2023) is None
    assert ledger.calls == ["registry", "evaluation 32002 2023", "round 964 2023"]
    assert reads.recorder == "the recorder"
    log.size = 1
    CachedReads(ledger, BoundCache(cache, cache.version())).registry()  # type: ignore[arg-type]
    assert ledger.calls[-1] == "registry" and len(ledger.calls) == 4


ITEMS = [f"{n:02d}" for n in range(10)]


@pytest.mark.parametrize("limit", [1, 3, 4, 10, 11])
def test_pages_cover_the_list_once_in_order_for_any_limit(limit: int) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        page = paginate(ITEMS, str, limit, cursor)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ITEMS


def test_last_page_has_no_next_cursor_and_a_cursor_past_the_end_gives_nothing() -> None:
    assert paginate(ITEMS, str, 10, None).next_cursor is None
    assert paginate(ITEMS, str, 5, "09").items == []
    assert paginate(ITEMS, str, 5, "04").items == ["05", "06", "07", "08", "09"]


def test_live_urls_carry_english_and_the_switch_keeps_other_parameters() -> None:
    en = LiveUrls("en", "/p/2023", {"group": "meeting", "lang": "en"})
    assert en.unit("32002", 2023) == "/u/32002/2023?lang=en"
    assert en.switch() == "/p/2023?group=meeting&lang=vi"
    vi = LiveUrls("vi", "/")
    assert vi.province(2023) == "/p/2023" and vi.switch() == "/?lang=en"
    assert vi.static("style.css") == "/static/style.css"


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("page", ["index.html", "p/2023.html", "u/32002/2023.html"])
def test_static_urls_are_relative_and_land_on_the_intended_file(lang: str, page: str) -> None:
    urls = StaticUrls(lang, page)
    root = "en/" if lang == "en" else ""
    here = posixpath.dirname(root + page)

    def lands(href: str) -> str:
        assert not href.startswith("/") and "://" not in href
        return posixpath.normpath(posixpath.join(here, href))

    assert lands(urls.unit("32003", 2024)) == root + static_page_path("unit", code="32003", year=2024)
    assert lands(urls.home()) == root + "index.html"
    assert lands(urls.static("style.css")) == "static/style.css"
    assert lands(urls.province_json(2023)) == "data/provinces/2023.json"
    other = "" if lang == "en" else "en/"
    assert lands(urls.switch()) == other + page
