"""Several writers on one database (e.g. API worker processes), on SQLite and PostgreSQL.

Each writer caches the chains it judged. A batch commits only if every chain it was judged
against is unchanged; otherwise it is judged again on fresh state (ADR 0005). And a
failure inside the log hook leaves nothing stored, neither events nor leaves.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from api.demo import at
from api.store.logtree import LogTree
from domain.ledger import Ledger
from verify.refusals import BrokenChain, KeyNotValid

Y = 2023


@pytest.fixture
def other(world: Any, make_ledger: Any) -> Ledger:
    """A second writer on the same database, which has already judged against the world."""
    led: Ledger = make_ledger()
    a = world.codes[0]
    world.open(a, Y)
    led.submit(world.sign([world.chair(a)], "IndicatorAssigned", a, Y, at(date(Y, 12, 1), 9),
                          {"indicator": world.catalog(Y).indicators[0].id,
                           "official_id": world.assignee(a, Y, 0).id}))  # fmt: skip
    return led


def test_a_writer_with_a_stale_registry_does_not_accept_a_key_revoked_meanwhile(
    world: Any, other: Ledger
) -> None:
    a = world.codes[0]
    ind = world.catalog(Y).indicators[0]
    staff = world.assignee(a, Y, 0).signer
    # The world's writer records the revocation; ``other`` still caches the old registry.
    world.emit([world.root], "KeyRevoked", "96", None, at(date(Y, 12, 2)),
               {"key_id": staff.key_id, "effective": "2023-12-02T00:00:00Z", "reason": "Lộ khoá"})  # fmt: skip
    head = other.evaluation(a, Y).head  # type: ignore[union-attr]
    late = world.sign([staff], "SelfScoreRecorded", a, Y, at(date(Y, 12, 1), 15),
                      world.score_data(a, Y, ind), prev=head)  # fmt: skip
    with pytest.raises(KeyNotValid):
        other.submit(late)
    assert other.evaluation(a, Y).head == head  # type: ignore[union-attr]


def test_two_writers_appending_to_one_chain_store_one_and_refuse_the_other(
    world: Any, other: Ledger
) -> None:
    a = world.codes[0]
    ind = world.catalog(Y).indicators[1]
    head = other.evaluation(a, Y).head  # type: ignore[union-attr]
    data = {"indicator": ind.id, "official_id": world.assignee(a, Y, 1).id}
    first = world.sign([world.chair(a)], "IndicatorAssigned", a, Y, at(date(Y, 12, 1), 10), data, prev=head)
    second = world.sign([world.chair(a)], "IndicatorAssigned", a, Y, at(date(Y, 12, 1), 11), data, prev=head)
    world.ledger.submit(first)  # ``other`` does not know: its cached chain still ends at head
    with pytest.raises(BrokenChain):
        other.submit(second)
    size, _ = other.recorder.log_head()  # type: ignore[attr-defined]
    assert other.evaluation(a, Y).version == world.ledger.evaluation(a, Y).version  # type: ignore[union-attr]
    assert other.recorder.leaf_index_of(world.ledger.evaluation(a, Y).head) == size - 1  # type: ignore[attr-defined, union-attr]


def test_a_failure_inside_the_log_hook_stores_neither_events_nor_leaves(
    world: Any, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = world.codes[0]
    rec = world.ledger.recorder

    def rows() -> tuple[Any, ...]:
        return (world.state(), rec.log_sql("SELECT count(*) FROM log_leaves"),
                rec.log_sql("SELECT count(*) FROM log_nodes"), rec.events_count())  # fmt: skip

    before = rows()
    if backend == "postgres":
        # the log is written inside ``minhbach_append``: fail its last insert (the nodes),
        # after the events and the leaves were inserted by the same call
        rec.log_exec(
            "CREATE OR REPLACE FUNCTION fail_nodes() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$"
        )
        rec.log_exec("CREATE TRIGGER fail_nodes BEFORE INSERT ON log_nodes "
                     "FOR EACH STATEMENT EXECUTE FUNCTION fail_nodes()")  # fmt: skip
    else:
        append = LogTree.append

        def broken(self: LogTree, *args: Any, **kwargs: Any) -> None:
            append(self, *args, **kwargs)  # the rows are written, then the hook fails
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(LogTree, "append", broken)
    env = world.sign([world.chair(a)], "EvaluationOpened", a, Y, at(date(Y, 12, 1), 8),
                     {"catalog_id": world.catalog(Y).catalog_id})  # fmt: skip
    with pytest.raises(Exception, match="disk on fire"):
        world.ledger.submit(env)
    monkeypatch.undo()
    if backend == "postgres":
        rec.log_exec("DROP TRIGGER fail_nodes ON log_nodes")
    assert rows() == before
    assert world.ledger.evaluation(a, Y) is None
    world.ledger.submit(env)  # and the writer recovers: the same envelope is accepted now
    assert world.ledger.evaluation(a, Y) is not None
