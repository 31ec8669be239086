"""PostgreSQL adapter: the library's application recorder plus the Merkle log tables.

The leaves and hashes are inserted after the library has taken its EXCLUSIVE lock on
the events table, inside the same transaction, so leaf indexes are gapless and in
commit order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from api.store.logtree import LogTree, create_statements, read_nodes
from verify.merkle import NodeId


class LogPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tree = LogTree("%s")
        self.sql_create_statements.extend(SQL(s) for s in create_statements("BYTEA", "BIGINT"))  # type: ignore[arg-type]

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        super()._insert_stored_events(curs, stored_events, **kwargs)
        # A second cursor, so the library can still fetch its RETURNING rows from ``curs``.
        with curs.connection.cursor() as c:

            def fetchone(sql: str, params: Sequence[Any]) -> Any:
                c.execute(sql, params)
                row = c.fetchone()
                return None if row is None else list(row.values())

            def fetchall(sql: str, params: Sequence[Any]) -> list[Any]:
                c.execute(sql, params)
                return [list(r.values()) for r in c.fetchall()]

            self.tree.append(
                fetchone,
                fetchall,
                lambda sql, rows: c.executemany(sql, rows),
                lambda sql, params: c.execute(sql, params),
                [(s.originator_id, s.originator_version) for s in stored_events],
                kwargs,
            )

    # -- reads ---------------------------------------------------------------------
    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[list[Any]]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, params)
            return [list(r.values()) for r in curs.fetchall()]

    def log_head(self) -> tuple[int, bytes | None]:
        rows = self._all("SELECT size, root FROM log_head WHERE id = 1")
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else (0, None)

    def log_nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        return read_nodes(lambda sql, params: self._all(sql, params), "%s", ids)

    def log_leaves(self, start: int, stop: int) -> list[bytes]:
        rows = self._all(
            "SELECT envelope FROM log_leaves WHERE idx >= %s AND idx < %s ORDER BY idx",
            (start, stop),
        )
        return [bytes(r[0]) for r in rows]

    def has_envelope(self, digest: str) -> bool:
        return bool(self._all("SELECT 1 FROM log_leaves WHERE envelope_hash = %s", (digest,)))

    def leaf_index_of(self, digest: str) -> int | None:
        rows = self._all("SELECT idx FROM log_leaves WHERE envelope_hash = %s", (digest,))
        return int(rows[0][0]) if rows else None
