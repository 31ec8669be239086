"""Scoring: typed inputs, point checks and the recognition conditions (QĐ 25/2021, Điều 4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.catalog import builtin_catalogs
from verify.law.catalog import Catalog, catalog_for_year
from verify.law.scoring import (
    ChecklistInput,
    NotArisingInput,
    NumberInput,
    RatioInput,
    YesNoInput,
    assess,
    check_points,
    parse_input,
    suggested_points,
)
from verify.refusals import InvalidInput

D = Decimal


@pytest.fixture
def qd25() -> Catalog:
    return catalog_for_year(2023, builtin_catalogs())


def full(catalog: Catalog) -> dict[str, Decimal]:
    return {i.id: i.max_points.value for i in catalog.indicators}


# --- inputs ---


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ({"kind": "yesno", "value": True}, YesNoInput(True)),
        ({"kind": "number", "value": "12"}, NumberInput(D(12))),
        ({"kind": "number", "value": "2.5"}, NumberInput(D("2.5"))),
        ({"kind": "ratio", "numerator": 45, "denominator": 50}, RatioInput(45, 50)),
        ({"kind": "checklist", "checked": ["a", "b"]}, ChecklistInput(("a", "b"))),
        ({"kind": "not_arising"}, NotArisingInput()),
    ],
)
def test_parse_input_round_trips(raw: dict[str, Any], parsed: Any) -> None:
    assert parse_input(raw) == parsed
    assert parsed.to_dict() == raw


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {"kind": "maybe"},
        {"kind": "yesno", "value": 1},
        {"kind": "yesno", "value": True, "note": "x"},
        {"kind": "number", "value": 12.0},
        {"kind": "number", "value": "12.0"},
        {"kind": "number", "value": "1e3"},
        {"kind": "number", "value": "-1"},
        {"kind": "number", "value": "NaN"},
        {"kind": "ratio", "numerator": 1, "denominator": 0},
        {"kind": "ratio", "numerator": 51, "denominator": 50},
        {"kind": "ratio", "numerator": -1, "denominator": 50},
        {"kind": "ratio", "numerator": True, "denominator": 2},
        {"kind": "ratio", "numerator": "45", "denominator": 50},
        {"kind": "checklist", "checked": ["a", "a"]},
        {"kind": "checklist", "checked": "a"},
        {"kind": "not_arising", "value": True},
    ],
)
def test_parse_input_refuses(raw: Any) -> None:
    with pytest.raises(InvalidInput):
        parse_input(raw)


# --- points ---


@pytest.mark.parametrize("points", [D("-0.25"), D("5.25"), D("2.1"), D("NaN")])
def test_points_out_of_range_or_off_step_are_refused(qd25: Catalog, points: Decimal) -> None:
    with pytest.raises(InvalidInput):
        check_points(qd25.indicator("TC2.1"), points, RatioInput(1, 2))


def test_not_arising_gives_full_points_for_tc1_1_only(qd25: Catalog) -> None:
    check_points(qd25.indicator("TC1.1"), D(3), NotArisingInput())
    assert suggested_points(qd25.indicator("TC1.1"), NotArisingInput()) == 3
    with pytest.raises(InvalidInput):
        check_points(qd25.indicator("TC1.1"), D(2), NotArisingInput())
    with pytest.raises(InvalidInput):
        check_points(qd25.indicator("TC2.1"), D(5), NotArisingInput())


@pytest.mark.parametrize(
    ("num", "den", "points"),
    [(50, 50, "5"), (45, 50, "5"), (40, 50, "5"), (39, 50, "2.5"), (35, 50, "2.5"),
     (34, 50, "1.25"), (25, 50, "1.25"), (24, 50, "0"), (0, 3, "0")],
)  # fmt: skip
def test_tc2_5_ratio_must_score_its_band(qd25: Catalog, num: int, den: int, points: str) -> None:
    ind, ratio = qd25.indicator("TC2.5"), RatioInput(num, den)
    check_points(ind, D(points), ratio)
    assert suggested_points(ind, ratio) == D(points)
    wrong = D(points) + D("0.25") if D(points) < 5 else D("4.75")
    with pytest.raises(InvalidInput):
        check_points(ind, wrong, ratio)


def test_linear_ratio_only_suggests(qd25: Catalog) -> None:
    ind = qd25.indicator("TC1.2")
    assert suggested_points(ind, RatioInput(9, 10)) == D("6.25")  # 6.3 rounded down
    check_points(ind, D(6), RatioInput(9, 10))


def test_checklist_points_follow_the_ticked_items(qd25: Catalog) -> None:
    ind = qd25.indicator("TC1.1")
    check_points(ind, D(1), ChecklistInput(("all_issued",)))
    check_points(ind, D(3), ChecklistInput(("all_issued", "lawful")))
    with pytest.raises(InvalidInput):
        check_points(ind, D(3), ChecklistInput(("all_issued",)))
    with pytest.raises(InvalidInput):
        check_points(ind, D(0), ChecklistInput(("published",)))


def test_input_kind_must_match_the_catalog(qd25: Catalog) -> None:
    with pytest.raises(InvalidInput):
        check_points(qd25.indicator("TC1.2"), D(7), YesNoInput(True))


def test_yes_no_answered_no_gives_zero(qd25: Catalog) -> None:
    ind = qd25.indicator("TC5.3")
    check_points(ind, D(0), YesNoInput(False))
    check_points(ind, D(5), YesNoInput(True))
    with pytest.raises(InvalidInput):
        check_points(ind, D(5), YesNoInput(False))


def test_points_must_be_decimal(qd25: Catalog) -> None:
    with pytest.raises(InvalidInput):
        check_points(qd25.indicator("TC4.1"), 4.0, NumberInput(D(2)))  # type: ignore[arg-type]


# --- recognition conditions ---


def at_80(catalog: Catalog) -> dict[str, Decimal]:
    """Exactly 80 points, TC2 at exactly 50 %, every other criterion above half."""
    s = full(catalog)
    s.update({"TC2.1": D(0), "TC2.2": D(0), "TC2.3": D(0), "TC4.1": D(0), "TC5.1": D(4)})
    return s


def test_full_marks_meet_the_standard(qd25: Catalog) -> None:
    a = assess(qd25, full(qd25), disqualified=False)
    assert a.total == 100 and a.meets and a.reasons == ()
    assert a.per_criterion == {"TC1": 10, "TC2": 30, "TC3": 20, "TC4": 20, "TC5": 20}
    assert a.criterion_max == a.per_criterion


def test_exactly_80_points_and_exactly_50_percent_meet(qd25: Catalog) -> None:
    a = assess(qd25, at_80(qd25), disqualified=False)
    assert a.total == 80 and a.per_criterion["TC2"] == 15
    assert a.meets_total and a.failing_criteria == () and a.meets


def test_79_75_points_do_not_meet(qd25: Catalog) -> None:
    s = at_80(qd25) | {"TC5.1": D("3.75")}
    a = assess(qd25, s, disqualified=False)
    assert a.total == D("79.75") and not a.meets_total and not a.meets
    assert [r.code for r in a.reasons] == ["total_below_minimum"]
    assert a.reasons[0].cite == "QĐ 25/2021/QĐ-TTg, Điều 4, khoản 1"
    assert "79.75" in a.reasons[0].vi and "80" in a.reasons[0].en


def test_a_criterion_just_below_half_fails_even_with_a_high_total(qd25: Catalog) -> None:
    s = full(qd25) | {"TC2.1": D(0), "TC2.2": D(0), "TC2.3": D(0), "TC2.4": D("4.75")}
    a = assess(qd25, s, disqualified=False)
    assert a.per_criterion["TC2"] == D("14.75")  # 49.2 % of 30
    assert a.meets_total and a.failing_criteria == ("TC2",) and not a.meets
    assert a.reasons[0].code == "criterion_below_minimum"
    assert a.reasons[0].cite == "QĐ 25/2021/QĐ-TTg, Điều 4, khoản 2"


def test_disqualifier_fails_full_marks(qd25: Catalog) -> None:
    a = assess(qd25, full(qd25), disqualified=True)
    assert a.total == 100 and a.disqualified and not a.meets
    assert [(r.code, r.cite) for r in a.reasons] == [
        ("head_disciplined", "QĐ 25/2021/QĐ-TTg, Điều 4, khoản 3")
    ]


def test_missing_indicators_count_zero(qd25: Catalog) -> None:
    a = assess(qd25, {"TC1.1": D(3)}, disqualified=False)
    assert a.total == 3 and a.per_criterion["TC1"] == 3
    assert a.failing_criteria == ("TC1", "TC2", "TC3", "TC4", "TC5")


@pytest.mark.parametrize("scores", [{"TC9.9": D(1)}, {"TC1.1": D(4)}, {"TC1.1": D(-1)}])
def test_assess_refuses_bad_scores(qd25: Catalog, scores: dict[str, Decimal]) -> None:
    with pytest.raises(InvalidInput):
        assess(qd25, scores, disqualified=False)


def test_decision_27_catalog_is_assessed_the_same_way() -> None:
    qd27 = catalog_for_year(2026, builtin_catalogs())
    a = assess(qd27, full(qd27), disqualified=False)
    assert a.total == 100 and a.meets and len(a.per_criterion) == 3
    assert "provisional" in assess(qd27, {}, False).reasons[0].cite
