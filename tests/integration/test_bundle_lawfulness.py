"""The lawfulness suite: for each check of DOMAIN.md §5, a bundle that breaks it and the
finding the offline verifier yields (exit status 3), citing its provision and events.

Each scenario is recorded on a real ledger with ``World`` (the same scripts as
tests/integration/test_rules.py), exported as the unit-year bundle, verified offline; the
verifier's findings for the unit must be the ledger's own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bundlekit import export, lines, verify

from api.bundle import unit_scope
from api.demo import at, sha
from verify.law.rules import CITES

Y = 2022
A, B = "31999", "32002"
D = Decimal
SCORES_79_75 = {"TC4.1": D(0), "TC4.2": D(0), "TC5.1": D(0), "TC5.2": D(0), "TC2.1": D("2.75")}
TC3_BELOW_HALF = {"TC3.2": D("3"), "TC3.3": D(0)}


@pytest.fixture
def backend() -> str:
    return "sqlite"


def commune(**knobs: Any) -> Callable[[Any], str]:
    def run(w: Any) -> str:
        w.commune_stage(A, Y, **knobs)
        return A

    return run


def year(commune_knobs: dict[str, Any] | None = None, **round_knobs: Any) -> Callable[[Any], str]:
    def run(w: Any) -> str:
        w.commune_stage(A, Y, **(commune_knobs or {}))
        w.round_stage(Y, [A], **round_knobs)
        return A

    return run


def late_supplement(w: Any) -> str:
    w.commune_stage(A, Y)
    w.supplement(A, Y, "BS-01", date(2023, 1, 19), date(2023, 2, 1))  # 4th working day after Tết
    return A


def disqualified_but_recognised(w: Any) -> str:
    w.commune_stage(A, Y)
    w.emit([w.justice()], "DisqualificationRecorded", A, Y, at(date(Y + 1, 1, 6)),
           {"person": "chairman", "ground": "disciplined", "reference": "QĐ kỷ luật 12/QĐ-UBND"})  # fmt: skip
    w.round_stage(Y, [A])
    return A


def missing_from_decision(w: Any) -> str:
    w.commune_stage(A, Y)
    w.commune_stage(B, Y)
    w.round_stage(Y, [A, B], recognised=[A])
    return B


OFFICE_OK = (date(Y, 12, 13), date(Y, 12, 18), None)
SCENARIOS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "indicator_not_scored": ("scoring", commune(skip={"TC4.1"})),
    "indicator_without_evidence": ("scoring", commune(without_evidence={"TC2.1"})),
    "score_outside_data_window": ("scoring", commune(score_times={"TC5.4": at(date(Y - 1, 12, 31), 23)})),
    "posting_office_insufficient": ("posting", commune(postings={"office": (date(Y, 12, 13), date(Y, 12, 16), None), "website": OFFICE_OK})),
    "posting_second_channel_insufficient": ("posting", commune(postings={"office": OFFICE_OK, "website": (date(Y, 12, 13), date(Y, 12, 16), None)})),
    "posted_drafts_differ": ("posting", commune(drafts={"website": sha("another summary")})),
    "submitted_drafts_differ": ("posting", commune(form02=sha("a better summary"))),
    "comment_unanswered": ("comments", commune(comments=[("YK-01", date(Y, 12, 15), None)])),
    "commune_meeting_missing": ("meeting", commune(no_meeting=True)),
    "submission_late": ("submission", commune(submitted=date(Y + 1, 1, 10))),
    "supplement_late": ("supplement", late_supplement),
    "council_too_large": ("council", year(council_size=16)),
    "circulation_late": ("circulation", year(circulated=date(2023, 1, 9), meeting_date=date(2023, 1, 11))),
    "quorum_not_met": ("council", year(council_size=7, absent=3)),
    "absent_without_opinion": ("council", year(absent=1, opinions=False)),
    "recognised_below_standard": ("conditions", year(scores={A: SCORES_79_75})),
    "recognised_below_half_on_a_criterion": ("conditions", year(scores={A: TC3_BELOW_HALF})),
    "recognised_though_disqualified": ("conditions", disqualified_but_recognised),
    "unit_missing_from_decision": ("decision", missing_from_decision),
    "decision_late": ("decision", year(decided=date(2023, 2, 10))),
    "publication_late": ("publication", year(decided=date(2023, 1, 16), published=date(2023, 1, 19))),
}  # fmt: skip
CODE = {
    "recognised_below_half_on_a_criterion": "recognised_below_standard",
    "recognised_though_disqualified": "recognised_below_standard",
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_bundle_breaking_a_check_yields_its_finding_with_citation_and_events(
    world: Any, tmp_path: Path, name: str
) -> None:
    rule, scenario = SCENARIOS[name]
    code = CODE.get(name, name)
    unit = scenario(world)
    data = export(world.ledger, unit_scope(unit, Y))
    r = verify(data, tmp_path)
    assert r.exit_code == 3, r.as_dict()["steps"]
    assert r.verdict == "authentic_with_findings"
    mine = [f for f in r.findings if f["code"] == code]
    assert mine, [f["code"] for f in r.findings]
    f = mine[0]
    assert f["cite"] == CITES[rule] and f["unit"] == unit and f["year"] == Y
    hashes = {__import__("hashlib").sha256(__import__("bundlekit").envelope_of(x)).hexdigest()
              for x in lines(data) if x.startswith(b'{"envelope":')}  # fmt: skip
    assert set(f["events"]) <= hashes
    ledger = sorted((x.code, x.events) for x in world.ledger.findings_for(unit, Y))
    assert sorted((x["code"], tuple(x["events"])) for x in r.findings) == ledger


def test_every_finding_code_of_the_rules_has_a_scenario() -> None:
    import inspect

    import verify.law.rules as rules

    src = inspect.getsource(rules)
    import re

    codes = set(re.findall(r'_f\(\s*"([a-z_]+)"', src))
    assert codes == {CODE.get(n, n) for n in SCENARIOS}


def test_the_report_names_the_finding_its_article_and_events_in_vietnamese_and_english(
    world: Any, tmp_path: Path
) -> None:
    from verify.bundle.report import render_text

    year(scores={A: SCORES_79_75})(world)
    r = verify(export(world.ledger, unit_scope(A, Y)), tmp_path)
    vi, en = render_text(r, "vi"), render_text(r, "en")
    assert "recognised_below_standard" in vi and "QĐ 25/2021/QĐ-TTg, Điều 4" in vi
    assert "điểm thẩm định không đạt điều kiện" in vi and "XÁC THỰC, CÓ PHÁT HIỆN" in vi
    assert "appraised score does not meet the conditions" in en and "AUTHENTIC, WITH LAWFULNESS FINDINGS" in en
    assert "sự kiện:" in vi and "events:" in en
