"""Stored read models beside the ledger, and the tracking of how far each has read the log.

Tables (same on SQLite and PostgreSQL, in the ledger's own database):

- ``proj_docs(projection, key, doc)``: one canonical JSON document per key;
- ``proj_tracking(projection, position)``: the log index up to which (exclusive) the
  projection's documents are current. It is written in the same transaction as the
  documents, so a crash never leaves documents ahead of, or behind, their position.

The log itself is read from ``log_leaves`` (written by the ledger in the events'
transaction, ADR 0003): its gapless leaf index is the position, and the same number a
client gets in its receipt, so "show me my own write" is ``position > index``.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from projections.engine import Changes, canonical

SCHEMA_LOCK = 0x6D62_7064  # "mbpd": held while the read-model tables are created
_CREATE = [
    "CREATE TABLE IF NOT EXISTS proj_docs (projection TEXT NOT NULL, key TEXT NOT NULL,"
    " doc TEXT NOT NULL, PRIMARY KEY (projection, key))",
    "CREATE TABLE IF NOT EXISTS proj_tracking (projection TEXT PRIMARY KEY,"
    " position BIGINT NOT NULL)",
]


class ProjectionStore:
    """``sqlite:///path`` or ``postgresql://…`` — the ledger's database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith(("postgresql://", "postgres://"))
        self.ph = "%s" if self.postgres else "?"
        self._local = threading.local()  # one connection per thread
        self._all: list[Any] = []
        with self.tx() as c:
            if self.postgres:  # server processes starting together must not race on this
                c.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            for sql in _CREATE:
                c.execute(sql)
        if self.postgres:
            self._use_lz4()

    def _use_lz4(self) -> None:
        """Documents are large, compressible JSON: PostgreSQL's default TOAST compression
        (pglz) made writing them three times slower than lz4 (BENCHMARKS.md). Servers built
        without lz4 keep pglz."""
        with self.tx() as c:
            c.execute(
                "SELECT attcompression FROM pg_attribute"
                " WHERE attrelid = 'proj_docs'::regclass AND attname = 'doc'"
            )
            row = c.fetchone()
        if row is None or row[0] == "l":
            return
        try:
            with self.tx() as c:
                c.execute("ALTER TABLE proj_docs ALTER COLUMN doc SET COMPRESSION lz4")
        except Exception:  # noqa: BLE001 - no lz4 in this server: pglz stays
            pass

    # -- connections -------------------------------------------------------------------
    def connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.postgres:
                import psycopg

                conn = psycopg.connect(self.url)
            else:
                path = unquote(self.url[len("sqlite:///") :])
                conn = sqlite3.connect(path, timeout=60, check_same_thread=False)
            self._local.conn = conn
            self._all.append(conn)
        return conn

    @contextmanager
    def tx(self) -> Iterator[Any]:
        conn = self.connection()
        cur = conn.cursor()
        try:
            yield cur
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            cur.close()

    def close(self) -> None:
        for conn in self._all:
            conn.close()
        self._all.clear()
        self._local = threading.local()

    def _q(self, sql: str) -> str:
        return sql.replace("?", self.ph)

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        with self.tx() as c:
            c.execute(self._q(sql), tuple(params))
            return list(c.fetchall())

    # -- the log ---------------------------------------------------------------------------
    def log_size(self) -> int:
        try:
            rows = self._rows("SELECT size FROM log_head WHERE id = 1")
        except Exception:  # noqa: BLE001 - no log table yet: an empty ledger
            self.connection().rollback()
            return 0
        return int(rows[0][0]) if rows else 0

    def leaves(
        self, start: int, stop: int | None = None, page: int = 5000
    ) -> Iterator[tuple[str, bytes]]:
        """``(envelope_hash, envelope)`` of leaves ``start`` ≤ idx < ``stop``, in order."""
        stop = self.log_size() if stop is None else stop
        if self.postgres:
            # one server-side cursor streams the whole range (no OFFSET rescans)
            conn = self.connection()
            with conn.transaction(), conn.cursor(name="proj_leaves") as cur:
                cur.itersize = page
                cur.execute(
                    "SELECT envelope_hash, envelope FROM log_leaves"
                    " WHERE idx >= %s AND idx < %s ORDER BY idx",
                    (start, stop),
                )
                for digest, env in cur:
                    yield digest, bytes(env)
            return
        pos = start
        while pos < stop:
            rows = self._rows(
                "SELECT envelope_hash, envelope FROM log_leaves WHERE idx >= ? AND idx < ?"
                " ORDER BY idx",
                (pos, min(stop, pos + page)),
            )
            for digest, env in rows:
                yield digest, bytes(env)
            pos += page

    # -- tracking --------------------------------------------------------------------------
    def positions(self) -> dict[str, int]:
        return {n: int(p) for n, p in self._rows("SELECT projection, position FROM proj_tracking")}

    def position(self, names: Iterable[str]) -> int:
        """The position every one of ``names`` has reached (0 if one never ran)."""
        have = self.positions()
        return min((have.get(n, 0) for n in names), default=0)

    def wait_for(self, index: int, names: Iterable[str], timeout: float) -> bool:
        """Wait until leaf ``index`` is reflected in ``names`` (True) or ``timeout`` (False)."""
        names = list(names)
        deadline = time.monotonic() + timeout
        while True:
            if self.position(names) > index:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    # -- writing ---------------------------------------------------------------------------
    def _track(self, c: Any, names: Iterable[str], position: int) -> None:
        for n in names:
            c.execute(self._q("DELETE FROM proj_tracking WHERE projection = ?"), (n,))
            c.execute(self._q("INSERT INTO proj_tracking VALUES (?, ?)"), (n, position))

    def apply(self, changes: Changes, names: Iterable[str], position: int) -> None:
        """Write changed documents of ``names`` and their new position, in one transaction."""
        names = list(names)
        with self.tx() as c:
            for n in names:
                docs = changes.get(n, {})
                gone = [(n, k) for k, d in docs.items() if d is None]
                rows = [(n, k, canonical(d)) for k, d in sorted(docs.items()) if d is not None]
                if gone or rows:
                    c.executemany(
                        self._q("DELETE FROM proj_docs WHERE projection = ? AND key = ?"),
                        gone + [(n, k) for n, k, _ in rows],
                    )
                if rows:
                    c.executemany(self._q("INSERT INTO proj_docs VALUES (?, ?, ?)"), rows)
            self._track(c, names, position)

    def replace(self, changes: Changes, names: Iterable[str], position: int) -> dict[str, str]:
        """A rebuild: drop the documents of ``names`` and write these, in one transaction.

        Returns the ``digests`` of what it wrote (the same as reading them back)."""
        texts = {
            n: sorted((k, canonical(d)) for k, d in changes.get(n, {}).items() if d is not None)
            for n in names
        }
        return self.replace_texts(texts, position)

    def replace_texts(self, texts: Mapping[str, list[tuple[str, str]]], position: int) -> dict[str, str]:
        """``replace`` with the documents already canonical: name -> sorted (key, text)."""
        with self.tx() as c:
            for n, items in texts.items():
                c.execute(self._q("DELETE FROM proj_docs WHERE projection = ?"), (n,))
                if self.postgres:
                    with c.copy("COPY proj_docs (projection, key, doc) FROM STDIN") as cp:
                        for k, d in items:
                            cp.write_row((n, k, d))
                else:
                    c.executemany(
                        "INSERT INTO proj_docs VALUES (?, ?, ?)", ((n, k, d) for k, d in items)
                    )
            self._track(c, texts, position)
        return digest_of(texts)

    # -- reading ---------------------------------------------------------------------------
    def get(self, name: str, key: str) -> str | None:
        rows = self._rows("SELECT doc FROM proj_docs WHERE projection = ? AND key = ?", (name, key))
        return str(rows[0][0]) if rows else None

    def keys(self, name: str, prefix: str = "") -> list[str]:
        rows = self._rows(
            "SELECT key FROM proj_docs WHERE projection = ? AND key LIKE ? ORDER BY key",
            (name, prefix.replace("%", "") + "%"),
        )
        return [str(r[0]) for r in rows]

    def scan(self, name: str, prefix: str = "") -> list[tuple[str, str]]:
        rows = self._rows(
            "SELECT key, doc FROM proj_docs WHERE projection = ? AND key LIKE ? ORDER BY key",
            (name, prefix.replace("%", "") + "%"),
        )
        return [(str(k), str(d)) for k, d in rows]

    def digests(self, names: Iterable[str]) -> Mapping[str, str]:
        """SHA-256 of each projection's stored state, and of all of them (``"all"``).

        Keys are sorted byte-wise in Python (not by the database's collation), so SQLite
        and PostgreSQL give the same digest for the same documents."""
        return digest_of(
            {
                n: sorted(self._rows("SELECT key, doc FROM proj_docs WHERE projection = ?", (n,)))
                for n in names
            }
        )


def digest_of(texts: Mapping[str, Iterable[tuple[str, str]]]) -> dict[str, str]:
    """SHA-256 of each name's ``(key, text)`` rows in key order, and of all (``"all"``)."""
    total = hashlib.sha256()
    out: dict[str, str] = {}
    for n in sorted(texts):
        h = hashlib.sha256()
        for k, d in sorted(texts[n]):
            line = f"{n}\t{k}\t{d}\n".encode()
            h.update(line)
            total.update(line)
        out[n] = h.hexdigest()
    out["all"] = total.hexdigest()
    return out
