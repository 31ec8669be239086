"""PostgreSQL's one-call append (``api.store.pgappend``): the leaves, node hashes and
roots it computes in PL/pgSQL are those of an independent RFC 6962 reference, for batches
of every shape; a stale read is refused with nothing stored. On both backends, events
never go in without their envelopes (ADR 0003)."""

from __future__ import annotations

import hashlib
import random
import uuid
from typing import Any

import pytest
from eventsourcing.persistence import ProgrammingError, StoredEvent

from domain.ledger import Ledger, StaleRead
from tests.logkit import ref_leaf, ref_mth


def stored(n: int, start: int) -> tuple[list[StoredEvent], dict[Any, bytes], list[Any]]:
    events, envelopes, order = [], {}, []
    for i in range(start, start + n):
        cid = uuid.UUID(int=i + 1)
        events.append(StoredEvent(cid, 1, "tests:Thing", f"state {i}".encode()))
        envelopes[(cid, 1)] = f'{{"envelope": {i}}}'.encode()
        order.append((cid, 1))
    return events, envelopes, order


def append(rec: Any, n: int, start: int, read: dict[Any, int] | None = None) -> list[tuple[int, bytes]]:
    events, envelopes, order = stored(n, start)
    out: list[tuple[int, bytes]] = []
    rec.insert_events(events, envelopes=envelopes, order=order, leaves_out=out,
                      read_versions=read or {})  # fmt: skip
    return out


@pytest.mark.parametrize("backend", ["postgres"])
def test_nodes_and_roots_match_the_reference_for_every_batch_shape(ledger: Ledger) -> None:
    rec: Any = ledger.recorder
    rng = random.Random(6962)
    sizes = [1, 1, 2, 3, 1, 8, 5, 16, 7, 1, 31, 64, 2, 33, 100] + [rng.randint(1, 40) for _ in range(20)]
    hashes: list[bytes] = []
    for n in sizes:
        out = append(rec, n, len(hashes))
        new = [ref_leaf(f'{{"envelope": {i}}}'.encode()) for i in range(len(hashes), len(hashes) + n)]
        assert out == [(len(hashes) + k, h) for k, h in enumerate(new)]  # indexes and leaf hashes
        hashes += new
        size, root = rec.log_head()
        assert (size, root) == (len(hashes), ref_mth(hashes))
    nodes = {(lvl, idx): bytes(h) for lvl, idx, h in rec.log_sql("SELECT level, idx, hash FROM log_nodes")}
    expected = {
        (lvl, idx): ref_mth(hashes[idx << lvl : (idx + 1) << lvl])
        for lvl in range(len(hashes).bit_length())
        for idx in range(len(hashes) >> lvl)
    }
    assert nodes == expected  # every complete subtree, and nothing else
    leaves = rec.log_sql("SELECT idx, leaf_hash, envelope_hash, envelope FROM log_leaves ORDER BY idx")
    assert [(int(i), bytes(lh)) for i, lh, _, _ in leaves] == list(enumerate(hashes))
    assert all(eh == hashlib.sha256(bytes(e)).hexdigest() for _, _, eh, e in leaves)
    assert rec.events_count() == len(hashes)


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_stale_read_is_refused_with_nothing_stored(ledger: Ledger) -> None:
    rec: Any = ledger.recorder
    append(rec, 3, 0)
    before = rec.log_head(), rec.events_count()
    with pytest.raises(StaleRead, match="changed behind"):
        append(rec, 2, 3, read={uuid.UUID(int=1): 2})  # stored at version 1
    with pytest.raises(StaleRead):
        append(rec, 2, 3, read={uuid.UUID(int=99): 1})  # never stored
    assert (rec.log_head(), rec.events_count()) == before
    append(rec, 2, 3, read={uuid.UUID(int=1): 1, uuid.UUID(int=99): 0})  # current: accepted
    assert rec.log_head()[0] == 5


def test_events_without_their_envelopes_are_refused_with_nothing_stored(ledger: Ledger) -> None:
    rec: Any = ledger.recorder
    events, _, _ = stored(2, 0)
    with pytest.raises(RuntimeError, match="without their envelopes"):
        rec.insert_events(events)
    assert rec.events_count() == 0 and rec.log_head() == (0, None)


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_missing_right_edge_node_stops_the_append_with_nothing_stored(ledger: Ledger) -> None:
    rec: Any = ledger.recorder
    append(rec, 11, 0)  # size 11 = 8 + 2 + 1: the right edge is nodes (3, 0), (1, 4), (0, 10)
    assert rec.log_exec("DELETE FROM log_nodes WHERE level = 1 AND idx = 4") == 1
    before = rec.log_head(), rec.events_count()
    with pytest.raises(ProgrammingError, match=r"log node \(1, 4\) is missing"):
        append(rec, 1, 11)
    assert (rec.log_head(), rec.events_count()) == before
