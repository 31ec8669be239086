"""PostgreSQL adapter: the library's application recorder plus the Merkle log tables.

The leaves and hashes are inserted after the library has taken its EXCLUSIVE lock on
the events table, inside the same transaction, so leaf indexes are gapless and in
commit order.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from api.store.logtree import LogTree, check_read_versions, create_statements, read_nodes
from verify.merkle import NodeId

CHECKPOINT_LOCK = 0x6D62_6370  # "mbcp": pg_try_advisory_lock key of the checkpointer


class LogPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tree = LogTree("%s")
        self.sql_create_statements.extend(SQL(s) for s in create_statements("BYTEA", "BIGINT"))  # type: ignore[arg-type]
        self._failed = threading.local()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        self._failed.error = None
        try:
            return super().insert_events(stored_events, **kwargs)
        except Exception as e:
            error, self._failed.error = self._failed.error, None
            if isinstance(error, psycopg.IntegrityError) or isinstance(e, psycopg.IntegrityError):
                # e.g. a chain version another writer stored first: a conflict to retry
                raise IntegrityError(str(error or e)) from None
            if error is not None:  # our hook failed: raise its error, not the abort's
                raise error from None
            raise

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        try:
            self._insert_with_log(curs, stored_events, **kwargs)
        except BaseException as e:
            # The library catches errors raised here and commits anyway (to re-raise after
            # its pipeline block), so put the transaction itself in the failed state: then
            # the commit rolls back and no event is stored without its leaf, or vice versa.
            self._failed.error = e
            with contextlib.suppress(psycopg.Error):
                curs.execute("SELECT 1 / 0  -- minhbach: abort this transaction")
            raise

    def _insert_with_log(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        super()._insert_stored_events(curs, stored_events, **kwargs)
        # A second cursor, so the library can still fetch its RETURNING rows from ``curs``.
        with curs.connection.cursor() as c:
            read: dict[UUID, int] = kwargs.get("read_versions") or {}
            if read:  # optimistic concurrency: what was judged against is still current
                c.execute(self._versions_sql, (list(read),))
                check_read_versions(read, {r["originator_id"]: r["v"] for r in c.fetchall()})

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
    @property
    def _versions_sql(self) -> Any:
        return SQL(
            "SELECT originator_id, MAX(originator_version) AS v FROM {} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(Identifier(self.events_table_name))

    def chain_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The stored version of each chain (absent ones are missing)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._versions_sql, (list(ids),))
            return {r["originator_id"]: int(r["v"]) for r in curs.fetchall()}

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[list[Any]]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, params)
            return [list(r.values()) for r in curs.fetchall()]

    def log_sql(self, sql: str, params: Sequence[Any] = ()) -> list[list[Any]]:
        """Rows of one read query on the log tables ("?" placeholders)."""
        return self._all(sql.replace("?", "%s"), params)

    def log_exec(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement ("?" placeholders), autocommitted; rows changed."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql.replace("?", "%s"), params)
            return int(curs.rowcount)

    def events_count(self) -> int:
        sql = SQL("SELECT COUNT(*) AS n FROM {}").format(Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql)
            row = curs.fetchone()
            return int(row["n"]) if row else 0

    @contextlib.contextmanager
    def checkpoint_lock(self) -> Iterator[bool]:
        """A session advisory lock so one process of many signs checkpoints (ADR 0014)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute("SELECT pg_try_advisory_lock(%s) AS got", (CHECKPOINT_LOCK,))
            row = curs.fetchone()
            got = bool(row and row["got"])
            try:
                yield got
            finally:
                if got:
                    curs.execute("SELECT pg_advisory_unlock(%s)", (CHECKPOINT_LOCK,))

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
