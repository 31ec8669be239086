"""The parallel rebuild writes exactly what the sequential one writes (same digest), on
SQLite and PostgreSQL, for one province and for several dealt out to the workers."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from api.config import storage_env
from bench.national import envelopes
from domain.ledger import Ledger
from projections.engine import NAMES
from projections.fastpath import TrustedReplay, payload_b64
from projections.parallel import Partition, Regrouped, rebuild_parallel, route_key
from projections.runner import rebuild
from projections.store import ProjectionStore
from verify.process.officials import Unit

# the three smallest current provinces by commune count (38, 40 and 45 units)
PROVINCES = ["12", "46", "11"]


@pytest.fixture(scope="module")
def three_provinces() -> list[bytes]:
    return list(envelopes(range(2025, 2026), PROVINCES))


def load(url: str, envs: list[bytes]) -> ProjectionStore:
    led = Ledger(storage_env(url), scope="VN")
    for i in range(0, len(envs), 500):
        out = led.submit_many(envs[i : i + 500])
        assert [o.error for o in out if o.error is not None] == []
    led.close()
    return ProjectionStore(url)


def test_parallel_rebuild_equals_the_sequential_one(
    three_provinces: list[bytes], ledger_url: str
) -> None:
    store = load(ledger_url, three_provinces)
    _, seq = rebuild(store)
    assert dict(store.digests(NAMES)) == seq.digests  # what it wrote, read back
    store.replace({}, NAMES, 0)
    par = rebuild_parallel(store, jobs=2)
    assert par.events == seq.events == len(three_provinces) and par.jobs == 2
    assert par.digests == seq.digests == dict(store.digests(NAMES))
    four = rebuild_parallel(store, jobs=4)  # more workers than provinces is fine too
    assert four.digests == seq.digests and four.jobs == 4
    store.close()


def test_partition_deals_whole_provinces_and_keeps_lineages_together(
    three_provinces: list[bytes],
) -> None:
    replay = TrustedReplay()
    for env in three_provinces[:20]:
        replay.feed(env)
    assert replay.reg is not None
    part = Partition(replay.reg, 2)
    assert set(part.worker) >= set(PROVINCES)
    assert {part.worker[p] for p in PROVINCES} == {0, 1}  # two workers both get provinces
    # a legacy unit whose successor is in another province joins the two provinces
    reg = replay.reg
    code = next(
        c
        for c, v in reg.unit_history.items()
        if v[-1].province == "12" and v[-1].level == "commune"
    )
    other = next(
        c
        for c, v in reg.unit_history.items()
        if v[-1].province == "46" and v[-1].level == "commune"
    )
    reg.unit_history["x1"] = [
        Unit("x1", "X", "xa", "commune", None, "46", None, "2025-06-30", code)
    ]
    joined = Partition(reg, 2)
    assert joined.worker["12"] == joined.worker["46"] == joined.worker_of("x1")
    assert joined.worker_of(other) == joined.worker_of(code)
    if part.worker["12"] != part.worker["46"]:
        with pytest.raises(Regrouped):  # already dealt apart: the rebuild falls back
            Partition(reg, 2, part)


def test_route_key_reads_the_tail_and_falls_back_to_the_whole_payload(
    three_provinces: list[bytes],
) -> None:
    for env in three_provinces[:50] + three_provinces[-50:]:
        b64 = payload_b64(env)
        doc = json.loads(base64.b64decode(b64))
        assert route_key(b64) == (doc["type"], doc["unit"])
    short = base64.b64encode(b'{"type":"EvaluationOpened","unit":"1","v":1}')
    assert route_key(short) == ("EvaluationOpened", "1")
    reordered = json.dumps({"signatures": [], "payloadType": "x", "payload": short.decode()})
    assert payload_b64(reordered.encode()) == short


def test_regrouped_log_falls_back_to_the_sequential_rebuild(
    three_provinces: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = load(f"sqlite:///{tmp_path}/r.db", three_provinces)
    _, seq = rebuild(store)
    import projections.parallel as par

    def regroup(*args: object, **kwargs: object) -> None:
        raise Regrouped([])

    monkeypatch.setattr(par.Partition, "__init__", regroup)
    fell_back = rebuild_parallel(store, jobs=2)
    assert fell_back.digests == seq.digests and fell_back.jobs == 1
    store.close()


@pytest.mark.parametrize("backend", ["postgres"])
def test_documents_are_compressed_with_lz4_on_postgres(ledger_url: str) -> None:
    store = ProjectionStore(ledger_url)
    with store.tx() as c:
        c.execute("SHOW server_version_num")
        version = int(c.fetchone()[0])
        c.execute(
            "SELECT attcompression FROM pg_attribute"
            " WHERE attrelid = 'proj_docs'::regclass AND attname = 'doc'"
        )
        compression = c.fetchone()[0]
    assert version < 140000 or compression == "l"
    store.close()
