"""SQLite adapter: the library's application recorder plus the Merkle log tables."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from api.store.logtree import LogTree, check_read_versions, create_statements, read_nodes
from verify.merkle import NodeId

_CHECKPOINT_LOCKS: dict[str, threading.Lock] = {}


class LogSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tree = LogTree("?")

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *create_statements("BLOB", "INTEGER")]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        read: dict[UUID, int] = kwargs.get("read_versions") or {}
        if read:  # optimistic concurrency: what was judged against is still current
            check_read_versions(read, self._versions(c, list(read)))

        def fetchone(sql: str, params: Sequence[Any]) -> Any:
            c.execute(sql, params)
            return c.fetchone()

        def fetchall(sql: str, params: Sequence[Any]) -> list[Any]:
            c.execute(sql, params)
            return list(c.fetchall())

        self.tree.append(
            fetchone,
            fetchall,
            lambda sql, rows: c.executemany(sql, rows),
            lambda sql, params: c.execute(sql, params),
            [(s.originator_id, s.originator_version) for s in stored_events],
            kwargs,
        )
        return ids

    # -- reads ---------------------------------------------------------------------
    def _versions(self, c: Any, ids: Sequence[UUID]) -> dict[UUID, int]:
        marks = ",".join("?" * len(ids))
        c.execute(
            f"SELECT originator_id, MAX(originator_version) FROM {self.events_table_name} "
            f"WHERE originator_id IN ({marks}) GROUP BY originator_id",
            [k.hex for k in ids],
        )
        return {UUID(r[0]): int(r[1]) for r in c.fetchall()}

    def chain_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The stored version of each chain (absent ones are missing)."""
        with self.datastore.transaction(commit=False) as c:
            return self._versions(c, ids)

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql, params)
            return list(c.fetchall())

    def log_sql(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of one read query on the log tables ("?" placeholders)."""
        return self._all(sql, params)

    def log_exec(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement ("?" placeholders) in its own transaction; rows changed."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(sql, params)
            return int(c.sqlite_cursor.rowcount)

    def events_count(self) -> int:
        return int(self._all(f"SELECT COUNT(*) FROM {self.events_table_name}")[0][0])

    @contextlib.contextmanager
    def checkpoint_lock(self) -> Iterator[bool]:
        """In-process lock per database file: one checkpointer signs at a time (ADR 0014)."""
        lock = _CHECKPOINT_LOCKS.setdefault(str(self.datastore.pool.db_name), threading.Lock())
        got = lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                lock.release()

    def log_head(self) -> tuple[int, bytes | None]:
        rows = self._all("SELECT size, root FROM log_head WHERE id = 1")
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else (0, None)

    def log_nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        with self.datastore.transaction(commit=False) as c:

            def fetchall(sql: str, params: Sequence[Any]) -> list[Any]:
                c.execute(sql, params)
                return list(c.fetchall())

            return read_nodes(fetchall, "?", ids)

    def log_leaves(self, start: int, stop: int) -> list[bytes]:
        rows = self._all(
            "SELECT envelope FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx", (start, stop)
        )
        return [bytes(r[0]) for r in rows]

    def has_envelope(self, digest: str) -> bool:
        return bool(self._all("SELECT 1 FROM log_leaves WHERE envelope_hash = ?", (digest,)))

    def leaf_index_of(self, digest: str) -> int | None:
        rows = self._all("SELECT idx FROM log_leaves WHERE envelope_hash = ?", (digest,))
        return int(rows[0][0]) if rows else None
