"""Rendered pages and read-model answers, kept until the ledger changes.

The ledger is append-only, so what a page or a read shows is a function of the log's size
(every accepted envelope adds a leaf) and of the day (the home page's "current year"
moves at midnight, Vietnam time). The cache keeps values under (version, key) and drops
them all when the version moves; the ETag is derived from the same pair, so a browser
that asks again with ``If-None-Match`` gets 304 Not Modified (RFC 9110 §13.1.2).

Reading the version costs one indexed read of the log head (``log_head``) per request,
far less than rebuilding a unit page (see BENCHMARKS.md, HTTP). Values are shared between
requests: callers must not change them.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from domain.calendar import VN_TZ

T = TypeVar("T")
Version = tuple[int, str]  # (log size, Vietnam's date)


@dataclass(frozen=True)
class Entry(Generic[T]):
    value: T
    etag: str


class PageCache:
    def __init__(self, read_size: Callable[[], int], maxsize: int = 1024) -> None:
        self.read_size = read_size
        self.maxsize = maxsize
        self._pages: OrderedDict[Hashable, Entry[Any]] = OrderedDict()
        self._version: Version | None = None
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def version(self) -> Version:
        return self.read_size(), datetime.now(VN_TZ).date().isoformat()

    def peek(self, key: Hashable, version: Version | None = None) -> Entry[Any] | None:
        """The value under ``key`` if it is kept for the current version, else None."""
        version = version or self.version()
        with self._lock:
            if version != self._version:
                return None
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                self.hits += 1
            return page

    def get(self, key: Hashable, make: Callable[[], T], version: Version | None = None) -> Entry[T]:
        """The value under ``key``, made by ``make()`` when not kept for this version."""
        version = version or self.version()
        with self._lock:
            if version != self._version:
                self._pages.clear()
                self._version = version
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                self.hits += 1
                return page  # type: ignore[return-value]
        value = make()
        digest = hashlib.blake2b(repr((version, key)).encode(), digest_size=12).hexdigest()
        page = Entry(value, f'"{digest}"')
        with self._lock:
            self.misses += 1
            if version == self._version:
                self._pages[key] = page
                while len(self._pages) > self.maxsize:
                    self._pages.popitem(last=False)
        return page


@dataclass(frozen=True)
class BoundCache:
    """A cache seen at one version: one request reads the log head once, not per lookup."""

    cache: PageCache
    version: Version

    def peek(self, key: Hashable) -> Entry[Any] | None:
        return self.cache.peek(key, self.version)

    def get(self, key: Hashable, make: Callable[[], T]) -> Entry[T]:
        return self.cache.get(key, make, self.version)
