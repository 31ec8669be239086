"""``RegistryAt``'s query caches answer exactly as the uncached ``RegistryState`` queries
on the same view, at every position of a real log's registry; and ``RegistryState``'s own
kept answers are those of its current facts after every registry event."""

from __future__ import annotations

import json
from base64 import b64decode
from typing import Any

import pytest
from bundlekit import stored_envelopes

from verify.bundle.registry_at import Positions, RegistryAt
from verify.process.registry import RegistryState
from verify.process.replay import Replay


@pytest.fixture
def backend() -> str:
    return "sqlite"


def test_cached_queries_agree_with_the_registry_at_every_position(world: Any) -> None:
    world.commune_stage("31999", 2022)
    leaves = stored_envelopes(world.ledger)
    replay, pos = Replay("96", partial=True), Positions()
    for i, raw in enumerate(leaves):
        if json.loads(b64decode(json.loads(raw)["payload"]))["year"] is not None:
            continue
        v = replay.feed(raw)
        pos.note(i, v.payload, replay.reg)
    full = replay.reg
    assert full is not None
    view = RegistryAt(full, pos)
    officials = {r.official_id for r in full.keys.values()} | {"nobody"}
    units = [*full.unit_history, "00000"]
    for at in range(len(leaves) + 1):
        view.at(at)
        for oid in officials:
            assert view.officials_of(oid) == RegistryState.officials_of(view, oid)
        for year in (None, 2021, 2022, 2025):
            for code in units:
                assert view.unit_in(code, year) == RegistryState.find_unit(view, code, year)
                assert view.unit_in(code, year) == RegistryState.find_unit(view, code, year)
            if year is not None:
                assert view.catalog_for_year(year) == RegistryState.find_catalog(view, year)


def test_kept_answers_follow_every_registry_event(world: Any) -> None:
    world.commune_stage("31999", 2022)
    replay = Replay("96", partial=True)
    for raw in stored_envelopes(world.ledger):
        if json.loads(b64decode(json.loads(raw)["payload"]))["year"] is not None:
            continue
        replay.feed(raw)
        reg = replay.reg
        assert reg is not None
        for year in (2021, 2022, 2025):  # asked before and after each event
            assert reg.catalog_for_year(year) == reg.find_catalog(year)
        for code in [*list(reg.unit_history)[:40], "00000"]:
            assert reg.unit_in(code, 2022) == reg.find_unit(code, 2022)
            assert reg.unit_in(code, None) == reg.find_unit(code, None)
