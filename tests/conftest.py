"""Shared fixtures: a ledger on real SQLite and PostgreSQL, and a signed demo "world".

Backends
--------
``ledger_url`` is parametrised over ``sqlite`` (a file in ``tmp_path``) and ``postgres``
(``MINHBACH_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``,
whose tables are dropped before each test). PostgreSQL tests:

- carry ``pytest.mark.postgres`` (deselect with ``-m "not postgres"``);
- are skipped when the server is unreachable, unless ``CI`` is set: then they FAIL,
  because CI must run PostgreSQL for real;
- never run concurrently: each holds an exclusive ``flock`` on
  ``$TMPDIR/minhbach-postgres-tests.lock`` (which also serialises separate pytest runs
  sharing the database), and they carry ``xdist_group("postgres")`` so
  ``pytest -n auto --dist loadgroup`` sends them all to one worker.

A test module that is storage-independent overrides the ``backend`` fixture to return
``"sqlite"``; a single test can still ``@pytest.mark.parametrize("backend", BACKENDS)``.

World
-----
``world`` is a ``DemoBuilder`` on the ledger after ``setup(limit=8)`` (one district, 964,
and its first 8 communes; officials enrolled), wrapped in ``tests.world.World``, which
emits chosen events one by one and checks that bad envelopes are refused with nothing
stored.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from api.config import storage_env
from api.demo import DemoBuilder
from domain.ledger import Ledger
from tests.world import World

PG_URL = os.environ.get(
    "MINHBACH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PG_LOCK = Path(tempfile.gettempdir()) / "minhbach-postgres-tests.lock"
PG_TABLES = ("log_leaves", "log_nodes", "log_head")
IN_CI = bool(os.environ.get("CI"))

# Known bug in api/store/postgres.py (see tests/integration/test_full_year.py, the two
# strict xfail tests at the end): the log tables are never created, and the Merkle rows
# are written on the library's cursor so the insert fails after committing. Every
# PostgreSQL test is a strict xfail until it is fixed; then set this to None.
POSTGRES_ADAPTER_BUG: str | None = (
    "bug: api/store/postgres.py never creates log_leaves/log_nodes/log_head, and writing them "
    "on the library's cursor breaks notification-id fetching (ProgrammingError after COMMIT)"
)


def _probe_postgres() -> str | None:
    """None when the server answers, else why not."""
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as e:
        return f"{type(e).__name__}: {e}".strip()
    return None


PG_DOWN = _probe_postgres()


def _postgres_marks() -> list[pytest.MarkDecorator]:
    marks = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]
    if PG_DOWN and not IN_CI:
        marks.append(pytest.mark.skip(reason=f"PostgreSQL unreachable at {PG_URL}: {PG_DOWN}"))
    elif not PG_DOWN and POSTGRES_ADAPTER_BUG:
        marks.append(pytest.mark.xfail(reason=POSTGRES_ADAPTER_BUG, strict=True))
    return marks


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=_postgres_marks()),
]


def reset_postgres(url: str = PG_URL) -> None:
    """Drop the ledger's tables: the events table (prefix ``minhbach_``) and the log."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND (tablename LIKE 'minhbach\\_%%' OR tablename = ANY(%s))",
            (list(PG_TABLES),),
        ).fetchall()
        for (name,) in rows:
            conn.execute(
                psycopg.sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(psycopg.sql.Identifier(name))
            )


@pytest.fixture
def postgres_lock() -> Iterator[None]:
    """Hold the cross-process PostgreSQL test lock for the whole test."""
    with open(PG_LOCK, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ledger_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/t.db"
    if PG_DOWN:
        msg = f"PostgreSQL unreachable at {PG_URL}: {PG_DOWN}"
        if IN_CI:
            pytest.fail("CI must run PostgreSQL for real: " + msg)
        pytest.skip(msg)
    request.getfixturevalue("postgres_lock")
    reset_postgres()
    return PG_URL


@pytest.fixture
def make_ledger(ledger_url: str):  # type: ignore[no-untyped-def]
    """Open (another) Ledger on the test database, e.g. to check what was persisted."""
    opened: list[Ledger] = []

    def make(**kwargs: object) -> Ledger:
        led = Ledger(storage_env(ledger_url), scope="96", **kwargs)  # type: ignore[arg-type]
        opened.append(led)
        return led

    yield make
    for led in opened:
        led.close()


@pytest.fixture
def ledger(make_ledger) -> Ledger:  # type: ignore[no-untyped-def]
    return make_ledger()


@pytest.fixture
def world(ledger: Ledger) -> World:
    """The ledger after the demo setup for 8 communes of district 964, flushed."""
    builder = DemoBuilder(ledger, "96")
    districts, communes = builder.setup(limit=8)
    builder.flush()
    assert builder.result.refused == []
    return World(ledger, builder, districts, communes)
