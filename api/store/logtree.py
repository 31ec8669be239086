"""The Merkle log kept beside the event store, written in the same transaction.

Tables (same in SQLite and PostgreSQL):

- ``log_leaves(idx, leaf_hash, envelope_hash, envelope)``: leaf ``idx`` (0-based,
  gapless) is the exact envelope bytes; RFC 6962 leaf hash beside it.
- ``log_nodes(level, idx, hash)``: every complete subtree hash, addressed as in
  ``verify.merkle`` (level 0 = leaf hashes). Tiles and proofs read from here.
- ``log_head(id=1, size, root)``.
- ``log_checkpoints(size, root, note, created)``: every signed checkpoint, with the witness
  cosignatures it got (``api.store.checkpoints``, ADR 0014); not written with the events.

The SQLite recorder calls ``LogTree.append`` inside the transaction that inserts the
events, after the write lock is held, so an event never exists without its leaf and
hashes, nor hashes without their event (ADR 0003). PostgreSQL does the same work in one
server-side call (``api.store.pgappend``, ADR 0018).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from domain.ledger import StaleRead
from verify.merkle import NodeId, TreeBuilder, leaf_hash, subtree_nodes
from verify.process.chain import envelope_hash

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


def leaves_in_order(
    stored_keys: Iterable[tuple[Any, int]], kwargs: Mapping[str, Any]
) -> list[bytes] | None:
    """The batch's envelopes in log order (``kwargs["envelopes"]`` by ``kwargs["order"]``), or
    None when none were given and no event is stored. Events that come without their
    envelope are refused (ADR 0003: no event without its leaf)."""
    envelopes: Mapping[Any, bytes] | None = kwargs.get("envelopes")
    order: Sequence[Any] | None = kwargs.get("order")
    keys = set(stored_keys)
    if envelopes is None or order is None:
        if keys:
            raise RuntimeError("events without their envelopes cannot be logged")
        return None
    missing = keys - set(envelopes)
    if missing:
        raise RuntimeError(f"events without an envelope cannot be logged: {missing}")
    return [envelopes[k] for k in order]


class LogTree:
    """In-memory right edge of the tree; the database row ``log_head`` is the truth."""

    def __init__(self, placeholder: str) -> None:
        self.ph = placeholder
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
        envelopes = leaves_in_order(stored_keys, kwargs)
        if envelopes is None:
            return
        out: list[tuple[int, bytes]] | None = kwargs.get("leaves_out")
        if out is not None:
            out.clear()
        row = fetchone(self._q("SELECT size FROM log_head WHERE id = 1"), ())
        size = int(row[0]) if row else 0
        builder = self.builder
        if builder.size != size:
            builder = self._reload(fetchall, size)
        builder = TreeBuilder(builder.size, builder.frontier)
        leaves: list[Sequence[Any]] = []
        nodes: list[Sequence[Any]] = []
        for env in envelopes:
            lh = leaf_hash(env)
            idx = builder.size
            for (level, n), h in builder.append(lh):
                nodes.append((level, n, h))
            leaves.append((idx, lh, envelope_hash(env), env))
            if out is not None:
                out.append((idx, lh))
        executemany(self._q("INSERT INTO log_leaves VALUES (?, ?, ?, ?)"), leaves)
        executemany(self._q("INSERT INTO log_nodes VALUES (?, ?, ?)"), nodes)
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
