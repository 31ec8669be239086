"""Stored-event schema evolution: ``Evaluation.SelfScoreRecorded`` version 2 keeps the
envelope's hash beside it; events stored by version 1 (envelope only, no class_version)
are upcast by ``upcast_v1_v2`` when read, and the evaluation loads exactly as before."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from api.config import storage_env
from domain.ledger import Ledger


@pytest.fixture
def backend() -> str:
    return "sqlite"


def downgrade_to_v1(db: Path) -> int:
    """Rewrite every stored SelfScoreRecorded as version 1 of the code stored it:
    ``{"timestamp", "envelope"}``, without ``digest`` or ``class_version``."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT originator_id, originator_version, state FROM stored_events WHERE topic = ?",
        ("domain.evaluation:Evaluation.SelfScoreRecorded",),
    ).fetchall()
    for oid, ver, state in rows:
        doc = json.loads(state)
        assert doc.pop("class_version") == 2 and "digest" in doc
        doc.pop("digest")
        con.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (json.dumps(doc, separators=(",", ":")).encode(), oid, ver),
        )
    con.commit()
    con.close()
    return len(rows)


def test_version_1_score_events_are_upcast_and_the_evaluation_loads_unchanged(
    world: Any, ledger_url: str, tmp_path: Path
) -> None:
    code = world.codes[0]
    world.commune_stage(code, 2023)
    now = world.ledger.evaluation(code, 2023)
    expected = (now.head, now.length, {k: v["points"] for k, v in now.self_scores.items()})
    assert downgrade_to_v1(tmp_path / "t.db") == 20
    fresh = Ledger(storage_env(ledger_url), scope="96")
    ev = fresh.evaluation(code, 2023)
    assert (ev.head, ev.length, {k: v["points"] for k, v in ev.self_scores.items()}) == expected
    stored = fresh.repository.event_store.get(ev.id)
    upcast = [e for e in stored if type(e).__name__ == "SelfScoreRecorded"]
    assert len(upcast) == 20 and all(e.digest == h["hash"] for e, h in
                                     zip(upcast, [t for t in ev.timeline if t["type"] == "SelfScoreRecorded"], strict=True))  # fmt: skip
    fresh.close()
