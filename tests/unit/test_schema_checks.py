"""``check_data``: every event's data against its schema, with the field at fault named."""

from __future__ import annotations

from typing import Any

import pytest

from verify.process.schema import SPECS, check_data
from verify.refusals import BadEvent

SHA = "ab" * 32


def _score(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "indicator": "TC1.1",
        "input": {"kind": "ratio", "numerator": 1, "denominator": 2},
        "points": "5.25",
        "evidence": [{"sha256": SHA, "title": "Biên bản", "uri": "https://example.vn/a"}],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


SPEC = SPECS["SelfScoreRecorded"]


def test_a_well_formed_score_passes_with_and_without_its_optional_fields() -> None:
    check_data(SPEC, _score())
    check_data(SPEC, _score(note="ghi chú"))
    check_data(SPEC, _score(evidence=[{"sha256": SHA, "title": "t"}]))


@pytest.mark.parametrize(
    ("data", "missing", "unexpected"),
    [
        (_score(points=None), ["points"], []),
        (_score(extra=1), [], ["extra"]),
        (_score(points=None, extra=1), ["points"], ["extra"]),
    ],
)
def test_missing_and_unexpected_fields_are_named(
    data: dict[str, Any], missing: list[str], unexpected: list[str]
) -> None:
    with pytest.raises(BadEvent) as e:
        check_data(SPEC, data)
    assert e.value.evidence == {"missing": missing, "unexpected": unexpected}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_score(points="5.255"), "points"),
        (_score(points=5), "points"),
        (_score(indicator=""), "indicator"),
        (_score(input=[1]), "input"),
        (_score(note=""), "note"),
        (_score(note=7), "note"),
        # inside the evidence list: a nested object's keys and values
        (_score(evidence=[{"sha256": SHA}]), "evidence"),
        (_score(evidence=[{"sha256": SHA, "title": "t", "x": 1}]), "evidence"),
        (_score(evidence=[{"sha256": "AB" * 32, "title": "t"}]), "evidence"),
        (_score(evidence=[{"sha256": SHA, "title": "t", "uri": "ftp://x"}]), "evidence"),
        (_score(evidence=[["not an object"]]), "evidence"),
        (_score(evidence=[{"sha256": SHA, "title": "t"}] * 51), "evidence"),
    ],
)
def test_a_wrong_value_names_its_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(BadEvent) as e:
        check_data(SPEC, data)
    assert e.value.evidence == {"field": field}
