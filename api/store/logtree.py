"""The Merkle log kept beside the event store, written in the same transaction.

Tables (same in SQLite and PostgreSQL):

- ``log_leaves(idx, leaf_hash, envelope_hash, envelope)``: leaf ``idx`` (0-based,
  gapless) is the exact envelope bytes; RFC 6962 leaf hash beside it.
- ``log_nodes(level, idx, hash)``: every complete subtree hash, addressed as in
  ``verify.merkle`` (level 0 = leaf hashes). Tiles and proofs read from here.
- ``log_head(id=1, size, root)``.
- ``log_checkpoints(size, root, note, created)``: every signed checkpoint, with the witness
  cosignatures it got (``api.store.checkpoints``, ADR 0014); not written with the events.

The recorder subclasses call ``LogTree.append`` inside the transaction that inserts the
events, after the event table lock is held, so an event never exists without its leaf
and hashes, nor hashes without their event (ADR 0003).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from domain.ledger import StaleRead
from verify.merkle import NodeId, TreeBuilder, leaf_hash, subtree_nodes

Exec = Callable[[str, Sequence[Any]], Any]


def create_statements(blob: str, bigint: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS log_leaves (idx {bigint} PRIMARY KEY, "
        f"leaf_hash {blob} NOT NULL, envelope_hash TEXT NOT NULL UNIQUE, envelope {blob} NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS log_nodes (level SMALLINT NOT NULL, idx {bigint} NOT NULL, "
        f"hash {blob} NOT NULL, PRIMARY KEY (level, idx))",
        f"CREATE TABLE IF NOT EXISTS log_head (id INTEGER PRIMARY KEY, size {bigint} NOT NULL, "
        f"root {blob} NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS log_checkpoints (size {bigint} PRIMARY KEY, "
        f"root {blob} NOT NULL, note TEXT NOT NULL, created TEXT NOT NULL)",
    ]


def check_read_versions(read: Mapping[UUID, int], stored: Mapping[UUID, int]) -> None:
    """Raise ``StaleRead`` if a chain the batch was judged against changed meanwhile
    (another writer process appended to it, or created it)."""
    stale = sorted(str(cid) for cid, v in read.items() if stored.get(cid, 0) != v)
    if stale:
        raise StaleRead(stale)


COLUMN_TYPES = {  # PostgreSQL types of the rows ``append`` inserts, column by column
    "log_leaves": ("bigint", "bytea", "text", "bytea"),
    "log_nodes": ("smallint", "bigint", "bytea"),
}


class LogTree:
    """In-memory right edge of the tree; the database row ``log_head`` is the truth.

    ``arrays``: insert each table's new rows as one statement over binary arrays, one per
    column (``INSERT … SELECT * FROM unnest(%b::type[], …)``, PostgreSQL), instead of a
    statement per row: psycopg then dumps the bytes without escaping them in Python.
    """

    def __init__(self, placeholder: str, arrays: bool = False) -> None:
        self.ph = placeholder
        self.arrays = arrays
        self.builder = TreeBuilder()

    def _q(self, sql: str) -> str:
        return sql.replace("?", self.ph)

    def append(
        self,
        fetchone: Callable[[str, Sequence[Any]], Any],
        fetchall: Callable[[str, Sequence[Any]], list[Any]],
        executemany: Callable[[str, list[Sequence[Any]]], None],
        execute: Exec,
        stored_keys: Iterable[tuple[Any, int]],
        kwargs: Mapping[str, Any],
    ) -> None:
        envelopes: dict[Any, bytes] | None = kwargs.get("envelopes")
        order: list[Any] | None = kwargs.get("order")
        out: list[tuple[int, bytes]] | None = kwargs.get("leaves_out")
        if envelopes is None or order is None:
            return
        if out is not None:
            out.clear()
        missing = set(stored_keys) - set(envelopes)
        if missing:
            raise RuntimeError(f"events without an envelope cannot be logged: {missing}")
        row = fetchone(self._q("SELECT size FROM log_head WHERE id = 1"), ())
        size = int(row[0]) if row else 0
        builder = self.builder
        if builder.size != size:
            builder = self._reload(fetchall, size)
        builder = TreeBuilder(builder.size, builder.frontier)
        leaves: list[Sequence[Any]] = []
        nodes: list[Sequence[Any]] = []
        for key in order:
            env = envelopes[key]
            lh = leaf_hash(env)
            idx = builder.size
            for (level, n), h in builder.append(lh):
                nodes.append((level, n, h))
            leaves.append((idx, lh, hashlib.sha256(env).hexdigest(), env))
            if out is not None:
                out.append((idx, lh))
        for table, rows in (("log_leaves", leaves), ("log_nodes", nodes)):
            types = COLUMN_TYPES[table]
            if self.arrays:
                if rows:
                    arrays = ", ".join(f"%b::{t}[]" for t in types)
                    columns = [list(c) for c in zip(*rows, strict=True)]
                    execute(f"INSERT INTO {table} SELECT * FROM unnest({arrays})", columns)
            else:
                marks = ", ".join("?" * len(types))
                executemany(self._q(f"INSERT INTO {table} VALUES ({marks})"), rows)
        if size == 0:
            execute(
                self._q("INSERT INTO log_head VALUES (1, ?, ?)"), (builder.size, builder.root())
            )
        else:
            execute(
                self._q("UPDATE log_head SET size = ?, root = ? WHERE id = 1"),
                (builder.size, builder.root()),
            )
        self.builder = builder

    def _reload(
        self, fetchall: Callable[[str, Sequence[Any]], list[Any]], size: int
    ) -> TreeBuilder:
        ids = subtree_nodes(0, size)
        hashes = read_nodes(fetchall, self.ph, ids)
        return TreeBuilder(size, [hashes[i] for i in ids])


def read_nodes(
    fetchall: Callable[[str, Sequence[Any]], list[Any]], ph: str, ids: Iterable[NodeId]
) -> dict[NodeId, bytes]:
    """Read the given complete-subtree hashes in one query (O(log n) rows for a proof)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    cond = " OR ".join([f"(level = {ph} AND idx = {ph})"] * len(ids))
    params = [v for node in ids for v in node]
    rows = fetchall(f"SELECT level, idx, hash FROM log_nodes WHERE {cond}", params)
    return {(int(r[0]), int(r[1])): bytes(r[2]) for r in rows}
