"""Fixtures of the HTTP tests: the real app on a temporary SQLite file, with a signed
registry (see ``signed_province``); and a real uvicorn over the demo province."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from signed_province import COMMUNE, PROVINCE, YEAR, Province

from api.config import Settings
from api.devserver import LiveServer
from api.main import create_app
from domain.signing import generate


@pytest.fixture
def province() -> Province:
    return Province(root=generate(), chairman=generate())


@pytest.fixture
def client(tmp_path: Path, province: Province) -> Iterator[TestClient]:
    """The real app on a fresh SQLite file, with the registry already signed in."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        scope=PROVINCE,
        origin="minhbach.example/96",
        data_dir=tmp_path,
        trust_root=(province.root.public,),
        max_body_bytes=64 * 1024,
    )
    with TestClient(create_app(settings)) as c:
        for envelope in province.registry_events():
            r = c.post("/v1/events", content=envelope, headers={"content-type": "application/json"})
            assert r.status_code == 201, r.text
        yield c


@pytest.fixture
def opened(client: TestClient, province: Province) -> TestClient:
    """The client after EvaluationOpened for 32002 / 2023 was accepted."""
    envelope = province.opened()
    r = client.post("/v1/events", content=envelope, headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text
    province.accepted(envelope, COMMUNE, YEAR)
    return client


# -- a real server over the demo province ------------------------------------------------
DEMO_COMMUNES = 10  # one district's worth, enough for every planted flaw (api.demo.variants_for)


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """A SQLite demo ledger (``api.demo.build_demo``, 10 communes, 2022–2025), built once
    per run: under xdist the workers share one file, built by whichever comes first while
    the others wait on a lock. Tests only read it (refused envelopes store nothing)."""
    from api.devserver import demo_database

    if worker_id == "master":
        return demo_database(tmp_path_factory.mktemp("demo") / "demo.db", limit=DEMO_COMMUNES)
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker
    with open(shared / "demo.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return demo_database(shared / "demo.db", limit=DEMO_COMMUNES)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def live(demo_url: str) -> Iterator[LiveServer]:
    """``uvicorn api.main:create_app --factory`` on a free loopback port over the demo. Its
    log key is the run's (the temporary ``MINHBACH_DATA_DIR`` of tests/conftest.py): every
    process that signs checkpoints on the shared demo ledger holds the same key."""
    with LiveServer(demo_url) as server:
        yield server
