"""Catalogs: figures, provenance, strict loading, round trip and corrections."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from typing import Any

import pytest

from domain.catalog import builtin_catalogs
from verify.law.catalog import Catalog, MonthDay, catalog_for_year, load_catalog
from verify.law.correction import apply_correction, catalog_to_doc
from verify.refusals import CatalogError


def P(value: Any, status: str = "confirmed", source: str = "test") -> dict[str, Any]:
    return {"value": value, "status": status, "source": source}


@pytest.fixture
def qd25() -> Catalog:
    return catalog_for_year(2023, builtin_catalogs())


@pytest.fixture
def qd27() -> Catalog:
    return catalog_for_year(2025, builtin_catalogs())


def raw_doc(name: str = "qd25_2021.json") -> dict[str, Any]:
    text = resources.files("domain.catalogs").joinpath(name).read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def test_decision_25_has_5_criteria_20_indicators_100_points(qd25: Catalog) -> None:
    assert [c.id for c in qd25.criteria] == ["TC1", "TC2", "TC3", "TC4", "TC5"]
    assert [len(c.indicators) for c in qd25.criteria] == [2, 6, 3, 5, 4]
    assert len(qd25.indicators) == 20
    assert qd25.max_total == Decimal(100)
    assert [c.max_points.value for c in qd25.criteria] == [Decimal(x) for x in (10, 30, 20, 20, 20)]
    for c in qd25.criteria:
        assert sum(i.max_points.value for i in c.indicators) == c.max_points.value
    assert [i.max_points.value for i in qd25.criterion("TC3").indicators] == [
        Decimal("6.75"),
        Decimal("6.75"),
        Decimal("6.5"),
    ]


def test_tc1_is_confirmed_and_tc2_is_provisional(qd25: Catalog) -> None:
    tc1, tc11 = qd25.criterion("TC1"), qd25.indicator("TC1.1")
    assert not tc1.max_points.provisional and tc1.max_points.value == 10
    assert not tc11.max_points.provisional and tc11.max_points.value == 3
    assert tc11.not_arising.value == "full" and not tc11.not_arising.provisional
    assert qd25.indicator("TC1.2").max_points.value == 7
    assert qd25.criterion("TC2").max_points.provisional
    assert all(i.max_points.provisional for i in qd25.criterion("TC2").indicators)
    assert qd25.indicator("TC2.1").not_arising.value == "none"


def test_thresholds_and_rules_of_decision_25(qd25: Catalog) -> None:
    th = qd25.thresholds
    assert th.total_min.value == 80 and th.criterion_min_ratio.value == Decimal("0.5")
    assert th.disqualifier.value is True
    assert th.total_min.source == "QĐ 25/2021/QĐ-TTg, Điều 4, khoản 1"
    assert not th.total_min.provisional
    r = qd25.rules
    assert r.posting_days.value == 5 and r.radio_min_broadcasts.value == 3
    assert r.submission_deadline.value == MonthDay(1, 10)
    assert r.decision_deadline.value.in_year(2024).isoformat() == "2024-02-10"
    assert r.quorum.value == Fraction(2, 3) and r.council_max_members.value == 15
    assert r.council_majority.value is None and r.council_majority.provisional
    assert qd25.authority.decider.value == "district_chairman"


def test_tc2_5_bands_scale_to_the_provisional_maximum(qd25: Catalog) -> None:
    ind = qd25.indicator("TC2.5")
    assert ind.input.kind == "ratio" and ind.input.provenance.provisional
    assert [ind.band_points(b) for b in ind.input.bands] == [
        Decimal(x) for x in ("5", "5", "2.5", "1.25", "0")
    ]


def test_decision_27_has_3_criteria_14_indicators_and_provincial_authority(qd27: Catalog) -> None:
    assert len(qd27.criteria) == 3 and len(qd27.indicators) == 14
    assert qd27.max_total == 100 and qd27.year_from == 2025 and qd27.year_to is None
    assert qd27.authority.decider.value == "provincial_chairman"
    assert qd27.authority.appraiser.value == "provincial_justice_department"
    assert qd27.authority.decider.provisional
    assert all(i.max_points.provisional for i in qd27.indicators)
    assert qd27.thresholds.total_min.provisional


@pytest.mark.parametrize(
    ("year", "catalog_id"),
    [(2022, "qd25-2021"), (2024, "qd25-2021"), (2025, "qd27-2025"), (2031, "qd27-2025")],
)
def test_catalog_for_year(year: int, catalog_id: str) -> None:
    assert catalog_for_year(year, builtin_catalogs()).catalog_id == catalog_id


def test_no_catalog_before_2022() -> None:
    with pytest.raises(CatalogError):
        catalog_for_year(2021, builtin_catalogs())


def test_round_trip_gives_the_shipped_document_and_a_stable_digest(
    qd25: Catalog, qd27: Catalog
) -> None:
    assert catalog_to_doc(qd25) == raw_doc("qd25_2021.json")
    assert catalog_to_doc(qd27) == raw_doc("qd27_2025.json")
    again = load_catalog(catalog_to_doc(qd25))
    assert again == qd25 and again.digest == qd25.digest
    assert len(qd25.digest) == 64 and qd25.digest == qd25.digest.lower()
    assert qd25.digest != qd27.digest


def test_correction_by_indicator_id_makes_a_new_version(qd25: Catalog) -> None:
    fixed = apply_correction(
        qd25,
        {
            "TC2.1.max_points": P("6", source="TT 09/2021/TT-BTP, Phụ lục I"),
            "criteria.TC2.indicators.TC2.2.max_points": P("4", "provisional", "provisional: test"),
        },
    )
    assert fixed.version == 2 and qd25.version == 1
    assert fixed.indicator("TC2.1").max_points.value == 6
    assert not fixed.indicator("TC2.1").max_points.provisional
    assert fixed.indicator("TC2.2").max_points.value == 4
    assert qd25.indicator("TC2.1").max_points.value == 5  # the old catalog is untouched
    assert fixed.digest != qd25.digest
    assert load_catalog(catalog_to_doc(fixed)) == fixed
    assert catalog_for_year(2023, [qd25, fixed]) is fixed


def test_correction_of_a_rule_and_a_threshold(qd25: Catalog) -> None:
    fixed = apply_correction(
        qd25,
        {"rules.council_majority": P("1/2", "confirmed", "x"), "thresholds.total_min": P("85")},
    )
    assert fixed.rules.council_majority.value == Fraction(1, 2)
    assert fixed.thresholds.total_min.value == 85


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"TC2.1.max_points": P("6")},  # TC2 no longer sums to 30
        {"TC9.1.max_points": P("5")},  # no such indicator
        {"TC2.1.nonexistent": P("5")},
        {"thresholds.total_min.value": "85"},  # part of a provenanced value
        {"TC2.1.id": "TC2.9"},  # ids never change
        {"version": 7},
        {"thresholds.total_min": "85"},  # not provenanced
        {"title_vi": 5},  # wrong type
        {"TC1.max_points": P("10.1")},
    ],
)
def test_bad_corrections_are_refused(qd25: Catalog, changes: dict[str, Any]) -> None:
    with pytest.raises(CatalogError):
        apply_correction(qd25, changes)


def _mutations() -> list[tuple[str, Any]]:
    def dup_id(d: dict[str, Any]) -> None:
        d["criteria"][1]["indicators"][1]["id"] = "TC2.1"

    def extra_key(d: dict[str, Any]) -> None:
        d["criteria"][0]["weight"] = 1

    def missing_key(d: dict[str, Any]) -> None:
        del d["rules"]["quorum"]

    def non_canonical_decimal(d: dict[str, Any]) -> None:
        d["criteria"][0]["max_points"]["value"] = "10.0"

    def number_not_string(d: dict[str, Any]) -> None:
        d["thresholds"]["total_min"]["value"] = 80

    def bad_sum(d: dict[str, Any]) -> None:
        d["criteria"][1]["indicators"][0]["max_points"]["value"] = "4.75"

    def bad_status(d: dict[str, Any]) -> None:
        d["criteria"][0]["max_points"]["status"] = "likely"

    def not_nfc(d: dict[str, Any]) -> None:
        d["title_vi"] = "Tiêu chí".replace("ê", "e\u0302")

    def off_step(d: dict[str, Any]) -> None:
        d["criteria"][2]["indicators"][0]["max_points"]["value"] = "6.8"
        d["criteria"][2]["indicators"][2]["max_points"]["value"] = "6.45"

    def bands_not_exact(d: dict[str, Any]) -> None:
        d["criteria"][1]["indicators"][4]["input"]["band_scale_max"] = "3"

    def wrong_prefix(d: dict[str, Any]) -> None:
        d["criteria"][1]["indicators"][0]["id"] = "TC3.9"

    def bad_not_arising(d: dict[str, Any]) -> None:
        d["criteria"][0]["indicators"][0]["not_arising"]["value"] = "half"

    def years_reversed(d: dict[str, Any]) -> None:
        d["years"] = {"from": 2024, "to": 2022}

    def bad_quorum(d: dict[str, Any]) -> None:
        d["rules"]["quorum"]["value"] = "4/6"

    def bad_day(d: dict[str, Any]) -> None:
        d["rules"]["decision_deadline"]["value"] = {"month": 2, "day": 30}

    return [(f.__name__, f) for f in (
        dup_id, extra_key, missing_key, non_canonical_decimal, number_not_string, bad_sum,
        bad_status, not_nfc, off_step, bands_not_exact, wrong_prefix, bad_not_arising,
        years_reversed, bad_quorum, bad_day,
    )]  # fmt: skip


@pytest.mark.parametrize(("name", "mutate"), _mutations())
def test_load_catalog_refuses(name: str, mutate: Any) -> None:
    doc = copy.deepcopy(raw_doc())
    load_catalog(doc)  # the unmutated document loads
    mutate(doc)
    with pytest.raises(CatalogError):
        load_catalog(doc)


def test_catalog_error_carries_path_and_both_languages() -> None:
    doc = raw_doc()
    doc["criteria"][1]["indicators"][0]["max_points"]["value"] = "4.75"
    with pytest.raises(CatalogError) as e:
        load_catalog(doc)
    assert e.value.code == "bad_catalog"
    assert "TC2" in e.value.evidence["path"]
    assert "tiêu chí" in e.value.vi
