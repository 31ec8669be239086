"""Stored read models on real SQLite and PostgreSQL, against hand-checked expectations
(DOMAIN.md §3: total ≥ 80, every criterion ≥ 50 % of its maximum; form 08 lists; §6
lineage), the runner against a rebuild, and criteria corrections with their impact."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from api.demo import Official, at
from projections.engine import NAMES
from projections.fastpath import TrustedReplay
from projections.impact import impact, proposed
from projections.reports import to_csv
from projections.runner import Runner, rebuild
from projections.store import ProjectionStore
from verify.refusals import NotAllowed, OutOfOrder

Y = 2023
# Unit B: TC2 = 14.5 < 15 (50 % of 30) although the total is 84.5 (DOMAIN.md §3.2).
WEAK_TC2 = {"TC2.1": Decimal("3"), "TC2.2": Decimal("5"), "TC2.3": Decimal("5"),
            "TC2.4": Decimal("1.5"), "TC2.5": Decimal("0"), "TC2.6": Decimal("0")}  # fmt: skip
P = lambda v: {"value": v, "status": "provisional", "source": "Đính chính thử nghiệm"}  # noqa: E731
# Raise TC3.1's provisional maximum 6.75 → 8.75 (TC3 20 → 22), taking 2 from TC2.1 (TC2 → 28):
RAISE_TC3 = {"TC2.1.max_points": P("3"), "TC2.max_points": P("28"),
             "TC3.1.max_points": P("8.75"), "TC3.max_points": P("22")}  # fmt: skip


def year_with_two_units(world: Any) -> tuple[str, str]:
    """A recognised with 98 (TC2.1 at 3 of 5); B appraised with a weak TC2, not meeting."""
    a, b = world.codes[0], world.codes[1]
    for code in (a, b):
        world.commune_stage(code, Y)
    world.round_stage(Y, [a, b], scores={a: {"TC2.1": Decimal("3")}, b: WEAK_TC2},
                      recognised=[a], not_recognised=[b])  # fmt: skip
    return a, b


def doc(store: ProjectionStore, name: str, key: str) -> dict[str, Any]:
    text = store.get(name, key)
    assert text is not None, f"{name} {key} missing"
    out: dict[str, Any] = json.loads(text)
    return out


def test_evaluation_read_model_scores_totals_and_eligibility(world: Any, ledger_url: str) -> None:
    a, b = year_with_two_units(world)
    store = ProjectionStore(ledger_url)
    rebuild(store)
    da, db = doc(store, "evaluations", f"{a}/{Y}"), doc(store, "evaluations", f"{b}/{Y}")
    assert da["stage"] == "recognised" and db["stage"] == "not_recognised"
    assert da["totals"]["appraised"] == "98" and da["eligibility"]["meets"] is True
    assert db["totals"]["appraised"] == "84.5"
    assert db["totals"]["failing_criteria"] == ["TC2"]
    assert [r["code"] for r in db["eligibility"]["reasons"]] == ["criterion_below_minimum"]
    tc1 = db["criteria"][0]
    assert (tc1["max"], tc1["provisional"], tc1["indicators"][0]["max"]) == ("10", False, "3")
    tc2 = db["criteria"][1]
    assert (tc2["min"], tc2["appraised"], tc2["meets_min"], tc2["provisional"]) == ("15", "14.5", False, True)
    assert db["dates"]["submitted"] == f"04/01/{Y + 1}"
    assert db["catalog"]["version"] == 1 and db["correction"] is None
    assert da["findings"] == [] and db["findings"] == []


def test_dashboard_form08_and_findings_register(world: Any, ledger_url: str) -> None:
    a, b = year_with_two_units(world)
    store = ProjectionStore(ledger_url)
    rebuild(store)
    dash = doc(store, "dashboards", f"{world.district.code}/{Y}")
    assert dash["counts"] == {"total": 8, "meeting": 1, "not_meeting": 1, "pending": 0, "no_evaluation": 6}
    assert dash["failing_criteria"] == {"TC2": 1} and dash["meeting_rate_percent"] == "12.5"
    f08 = doc(store, "reports", f"08/{world.district.code}/{Y}")
    assert [e["code"] for e in f08["meeting"]] == [a]
    assert [e["code"] for e in f08["not_meeting"]] == [b]
    assert f08["decision"]["decision_no"] == "201/QĐ-UBND" and f08["unlisted"] == []
    csv = to_csv(f08).splitlines()
    assert "(tạm tính)" in csv[0] and csv[2].split(",")[1] == b and "Chưa đạt chuẩn" in csv[2]
    f09 = doc(store, "reports", f"09/{world.district.code}/{Y}")
    assert f09["summary"]["meeting"] == 1 and f09["summary"]["not_meeting"] == 1
    assert f09["due"] == f"15/02/{Y + 1}"
    f10 = doc(store, "reports", f"10/96/{Y}")
    assert f10["row_level"] == "district" and f10["rows"][0]["code"] == world.district.code
    assert store.keys("findings") == []  # a lawful year: the register is empty


def test_report_command_prints_forms_and_refuses_what_it_cannot_answer(
    world: Any, ledger_url: str, capsys: Any
) -> None:
    from api.cli import main

    a, b = year_with_two_units(world)
    rebuild(ProjectionStore(ledger_url))
    db, district = ["--database", ledger_url], world.district.code
    assert main([*db, "report", "form08", "--unit", district, "--year", str(Y), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [r.split(",")[1] for r in lines[1:3]] == [a, b]
    assert main([*db, "report", "evaluation", "--unit", a, "--year", str(Y)]) == 0
    assert json.loads(capsys.readouterr().out)["stage"] == "recognised"
    assert main([*db, "report", "evaluation", "--unit", a]) == 2  # no year
    assert "cần --year" in (err := capsys.readouterr().err) and "needs --year" in err
    assert main([*db, "report", "dashboard", "--unit", district, "--year", str(Y), "--format", "csv"]) == 2
    assert "CSV is for forms 08, 09 and 10" in capsys.readouterr().err
    assert main([*db, "report", "form08", "--unit", district, "--year", str(Y - 5)]) == 1
    assert "not found" in capsys.readouterr().err


def test_findings_register_records_a_late_decision(world: Any, ledger_url: str) -> None:
    a = world.codes[0]
    world.commune_stage(a, Y)
    world.round_stage(Y, [a], decided=date(Y + 1, 2, 12))
    store = ProjectionStore(ledger_url)
    rebuild(store)
    entry = doc(store, "findings", f"{a}/{Y}")
    assert [f["code"] for f in entry["findings"]] == ["decision_late"]
    assert entry["round_unit"] == world.district.code


def test_runner_follows_the_log_and_ends_where_a_rebuild_ends(world: Any, ledger_url: str) -> None:
    store = ProjectionStore(ledger_url)
    runner = Runner(store)
    runner.start()
    a, b = world.codes[0], world.codes[1]
    world.commune_stage(a, Y)
    assert runner.catch_up() > 0
    assert doc(store, "evaluations", f"{a}/{Y}")["stage"] == "submitted"
    world.commune_stage(b, Y)
    world.round_stage(Y, [a, b], scores={b: WEAK_TC2}, recognised=[a], not_recognised=[b])
    runner.catch_up()
    size = store.log_size()
    assert store.positions() == {n: size for n in NAMES}
    assert store.wait_for(size - 1, NAMES, timeout=0) and not store.wait_for(size, NAMES, 0)
    followed = dict(store.digests(NAMES))
    _, result = rebuild(store)
    assert result.digests == followed


def enrol_catalog_authority(world: Any) -> Official:
    o = Official("bo-tu-phap", "Vụ Phổ biến, giáo dục pháp luật", "Bộ Tư pháp", "catalog_authority", "VN")
    world.emit([world.root], "OfficialEnrolled", "96", None, at(date(Y + 1, 3, 1)), {"official": o.doc()})
    return o


def correction(years: list[int], changes: dict[str, Any] = RAISE_TC3) -> dict[str, Any]:
    return {"catalog_id": "qd25-2021", "from_version": 1, "legal_basis": "Quyết định số 1/QĐ-BTP (thử nghiệm)",
            "changes": changes, "years": years}  # fmt: skip


def test_correction_is_signed_by_the_catalog_authority_only(world: Any) -> None:
    auth = enrol_catalog_authority(world)
    when = at(date(Y + 1, 3, 2))
    bad = world.sign([world.root], "CatalogCorrected", "96", None, when, correction([Y]))
    world.refuse(bad, NotAllowed, "not_allowed")
    writer = world.ledger._writer[world.ledger.registry_id]  # the registry the judge asks
    assert writer.catalog_for_year(Y).version == 1  # an answer it keeps...
    world.emit([auth.signer], "CatalogCorrected", "96", None, when, correction([Y]))
    writer = world.ledger._writer[world.ledger.registry_id]
    assert writer.catalog_for_year(Y).version == 2  # ...until the registry changes
    reg = world.ledger.registry()
    assert reg.catalog_for_year(Y).version == 2 and reg.catalog_for_year(Y - 1).version == 1
    assert reg.catalog_for_year(Y).criterion("TC3").max_points.value == 22
    stale = world.sign([auth.signer], "CatalogCorrected", "96", None, when, correction([Y - 1]))
    world.refuse(stale, OutOfOrder, "out_of_order")


def test_correction_marks_changes_and_impact_names_the_contradicted_decision(
    world: Any, ledger_url: str
) -> None:
    a, b = year_with_two_units(world)
    store = ProjectionStore(ledger_url)
    chains = TrustedReplay()
    chains.feed_all(store.leaves(0))
    before, after, years = proposed(chains.registry(), correction([Y]))  # not yet signed
    report = impact(chains, before, after, years)
    assert [r["unit"] for r in report["changed"]] == [b]
    row = report["changed"][0]
    assert (row["before"]["meets"], row["after"]["meets"]) == (False, True)
    assert (row["before"]["total"], row["after"]["total"]) == ("84.5", "84.5")
    assert row["decision"]["listed"] == "not_meeting" and row["decision"]["contradicted"]
    assert [c["unit"] for c in report["contradicted_decisions"]] == [b]
    assert report["contradicted_decisions"][0]["decision_no"] == "201/QĐ-UBND"

    auth = enrol_catalog_authority(world)
    world.emit([auth.signer], "CatalogCorrected", "96", None, at(date(Y + 1, 3, 2)), correction([Y]))
    rebuild(store)
    db = doc(store, "evaluations", f"{b}/{Y}")
    assert db["catalog"]["version"] == 2 and db["catalog"]["corrections"][0]["years"] == [Y]
    assert db["stage"] == "not_recognised"  # the signed decision stays what it was
    assert db["eligibility"]["meets"] is True  # under the catalog in force
    marks = db["correction"]
    assert {(v["id"], v["before"], v["after"]) for v in marks["values"]} >= {("TC3.1", "6.75", "8.75")}
    assert (marks["before"]["meets"], marks["after"]["meets"], marks["outcome_changed"]) == (False, True, True)
    assert doc(store, "evaluations", f"{a}/{Y}")["correction"]["outcome_changed"] is False
