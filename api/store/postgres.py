"""PostgreSQL adapter: the library's application recorder plus the Merkle log tables.

The ledger's batches are appended by one server-side call (``api.store.pgappend``): the
events, their leaves and hashes in one transaction under the library's EXCLUSIVE lock on
the events table, so leaf indexes are gapless and in commit order. Schema creation takes
an advisory lock, so writer processes starting together do not race on it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from api.store import pgappend
from api.store.logtree import LogTree, create_statements, leaves_in_order, read_nodes
from domain.ledger import StaleRead
from verify.merkle import NodeId, leaf_hash
from verify.process.chain import envelope_hash

CHECKPOINT_LOCK = 0x6D62_6370  # "mbcp": pg_try_advisory_lock key of the checkpointer
SCHEMA_LOCK = 0x6D62_7363  # "mbsc": held while the tables and functions are created


class LogPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tree = LogTree("%s")  # the placeholder style, for tools that write raw leaves
        self.sql_create_statements.extend(SQL(s) for s in create_statements("BYTEA", "BIGINT"))  # type: ignore[arg-type]
        self.sql_create_statements.append(
            pgappend.create_function(
                self.datastore.schema, self.events_table_name,
                self.datastore.originator_id_type, self.channel_name,
            )
        )  # fmt: skip
        self._append_sql = pgappend.call(self.datastore.schema)

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        super()._create_table(curs)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        keys = [(s.originator_id, s.originator_version) for s in stored_events]
        leaves = leaves_in_order(keys, kwargs)
        return [] if leaves is None else self._append(stored_events, leaves, kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _append(
        self, stored_events: Sequence[StoredEvent], leaves: list[bytes], kwargs: dict[str, Any]
    ) -> list[int]:
        """The ledger's batch: events and leaves in one call of ``minhbach_append``."""
        hashes = [leaf_hash(e) for e in leaves]
        read: dict[UUID, int] = kwargs.get("read_versions") or {}
        params = (
            [s.originator_id for s in stored_events],
            [s.originator_version for s in stored_events],
            [s.topic for s in stored_events],
            [s.state for s in stored_events],
            leaves,
            hashes,
            [envelope_hash(e) for e in leaves],
            list(read),
            list(read.values()),
            f"{self.datastore.lock_timeout}s",
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            try:
                curs.execute(self._append_sql, params)
            except psycopg.Error as e:
                if e.sqlstate == pgappend.STALE_READ:
                    raise StaleRead(str(e)) from None
                raise
            row = curs.fetchone()
        assert row is not None
        first = int(row["first_index"])
        out: list[tuple[int, bytes]] | None = kwargs.get("leaves_out")
        if out is not None:
            out[:] = [(first + n, h) for n, h in enumerate(hashes)]
        return list(row["notification_ids"] or [])

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
