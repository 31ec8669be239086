"""Chấm điểm (scoring): typed indicator inputs, point checks and the recognition test.

Each indicator's score comes with the input it was scored from (``parse_input``): a yes/no,
a number, a ratio (tử số / mẫu số, numerator / denominator), a checklist, or "không phát
sinh" (did not arise). ``check_points`` refuses points the catalog cannot give. ``assess``
applies the recognition conditions (điều kiện công nhận; Decision 25/2021 Article 4):
total ≥ threshold, every criterion ≥ its share of its maximum, and no disqualifier.

Ratio bands: the band reached by numerator/denominator (compared exactly, no rounding)
gives ``band.points`` stated for ``band_scale_max`` points, scaled linearly to the
indicator's maximum (``Indicator.band_points``). Linear ratios only *suggest* points
(``suggested_points``: maximum × ratio, rounded down to 0.25); the official may score less.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, NamedTuple, NoReturn

from verify.law.catalog import STEP, Catalog, Indicator, dec_str
from verify.refusals import InvalidInput


def _refuse(en: str, vi: str, **evidence: Any) -> NoReturn:
    raise InvalidInput(en, vi, **evidence)


@dataclass(frozen=True)
class YesNoInput:
    value: bool
    kind = "yesno"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value}


@dataclass(frozen=True)
class NumberInput:
    """A count or amount (never negative), kept as an exact decimal."""

    value: Decimal
    kind = "number"

    def __post_init__(self) -> None:
        if not self.value.is_finite() or self.value < 0:
            _refuse("a number must be finite and ≥ 0", "số liệu phải hữu hạn và ≥ 0")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": dec_str(self.value)}


@dataclass(frozen=True)
class RatioInput:
    numerator: int
    denominator: int
    kind = "ratio"

    def __post_init__(self) -> None:
        if self.denominator <= 0:
            _refuse("a ratio needs a denominator > 0", "tỷ lệ phải có mẫu số lớn hơn 0")
        if not 0 <= self.numerator <= self.denominator:
            _refuse("a ratio needs 0 ≤ numerator ≤ denominator", "tỷ lệ phải có 0 ≤ tử số ≤ mẫu số")

    def at_least(self, percent: Decimal) -> bool:
        """numerator / denominator ≥ percent %, compared exactly."""
        return self.numerator * 100 >= percent * self.denominator

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "numerator": self.numerator, "denominator": self.denominator}


@dataclass(frozen=True)
class ChecklistInput:
    checked: tuple[str, ...]
    kind = "checklist"

    def __post_init__(self) -> None:
        if len(set(self.checked)) != len(self.checked):
            _refuse("a checklist item is ticked twice", "một mục được đánh dấu hai lần")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "checked": list(self.checked)}


@dataclass(frozen=True)
class NotArisingInput:
    """Không phát sinh: nothing to assess in the year (e.g. no document was assigned)."""

    kind = "not_arising"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind}


IndicatorInput = YesNoInput | NumberInput | RatioInput | ChecklistInput | NotArisingInput

_KEYS = {
    "yesno": {"kind", "value"},
    "number": {"kind", "value"},
    "ratio": {"kind", "numerator", "denominator"},
    "checklist": {"kind", "checked"},
    "not_arising": {"kind"},
}


def _is_int(x: Any) -> bool:
    return type(x) is int


def parse_input(d: Any) -> IndicatorInput:
    """Parse ``{"kind": ..., ...}`` strictly: exact keys, exact types, no floats."""
    kind = d.get("kind") if isinstance(d, dict) else None
    if kind not in _KEYS or set(d) != _KEYS[kind]:
        _refuse("unknown input kind or wrong fields", "loại dữ liệu hoặc các trường không hợp lệ")
    if kind == "yesno":
        if not isinstance(d["value"], bool):
            _refuse("yesno value must be true or false", "giá trị có/không phải là true hoặc false")
        return YesNoInput(d["value"])
    if kind == "number":
        v = d["value"]
        try:
            num = Decimal(v) if isinstance(v, str) else Decimal(v) if _is_int(v) else None
        except InvalidOperation:
            num = None
        if num is None or (isinstance(v, str) and (not num.is_finite() or dec_str(num) != v)):
            _refuse(
                "number must be a canonical decimal string",
                "số liệu phải là chuỗi số thập phân chuẩn",
            )
        return NumberInput(num)
    if kind == "ratio":
        if not (_is_int(d["numerator"]) and _is_int(d["denominator"])):
            _refuse(
                "numerator and denominator must be integers", "tử số và mẫu số phải là số nguyên"
            )
        return RatioInput(d["numerator"], d["denominator"])
    if kind == "checklist":
        items = d["checked"]
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            _refuse("checked must be a list of item ids", "checked phải là danh sách mã mục")
        return ChecklistInput(tuple(items))
    return NotArisingInput()


def band_points(indicator: Indicator, ratio: RatioInput) -> Decimal:
    """Points of the highest band the ratio reaches, scaled to the indicator's maximum."""
    for band in indicator.input.bands:  # descending min_percent, the last is 0
        if ratio.at_least(band.min_percent):
            return indicator.band_points(band)
    return Decimal(0)  # unreachable for a loaded catalog


def suggested_points(indicator: Indicator, inp: IndicatorInput) -> Decimal | None:
    """Points the input gives by rule, where a rule exists; None where officials judge."""
    spec, top = indicator.input, indicator.max_points.value
    if isinstance(inp, NotArisingInput):
        return top if indicator.not_arising.value == "full" else None
    if isinstance(inp, RatioInput) and spec.bands:
        return band_points(indicator, inp)
    if isinstance(inp, RatioInput) and spec.linear:
        exact = top * inp.numerator / inp.denominator
        return (exact / STEP).to_integral_value(rounding=ROUND_FLOOR) * STEP
    if isinstance(inp, ChecklistInput) and spec.items and spec.items[0].points is not None:
        return sum((i.points or Decimal(0) for i in spec.items if i.id in inp.checked), Decimal(0))
    if isinstance(inp, YesNoInput):
        return top if inp.value else Decimal(0)
    return None


def check_points(indicator: Indicator, points: Decimal, inp: IndicatorInput) -> None:
    """Refuse points this indicator cannot give for this input (InvalidInput)."""
    ev = {"indicator": indicator.id, "points": str(points)}
    top = indicator.max_points.value
    if not isinstance(points, Decimal) or not points.is_finite():
        _refuse("points must be a decimal number", "điểm phải là số thập phân", **ev)
    if points < 0 or points > top:
        _refuse(
            f"points must be between 0 and {dec_str(top)}",
            f"điểm phải từ 0 đến {dec_str(top)}",
            **ev,
        )
    if points % STEP:
        _refuse("points must be a multiple of 0.25", "điểm phải là bội số của 0,25", **ev)
    if isinstance(inp, NotArisingInput):
        if indicator.not_arising.value != "full":
            _refuse(
                "'did not arise' is not allowed for this indicator",
                "chỉ tiêu này không được ghi 'không phát sinh'",
                **ev,
            )
        if points != top:
            _refuse(
                "'did not arise' gives full points", "'không phát sinh' được tính điểm tối đa", **ev
            )
        return
    if inp.kind != indicator.input.kind:
        _refuse(
            f"this indicator takes a {indicator.input.kind} input",
            f"chỉ tiêu này nhận dữ liệu loại {indicator.input.kind}",
            **ev,
        )
    if (
        isinstance(inp, RatioInput)
        and indicator.input.bands
        and points != band_points(indicator, inp)
    ):
        want = dec_str(band_points(indicator, inp))
        _refuse(
            f"the ratio's band gives {want} points",
            f"mức tỷ lệ đạt được tương ứng {want} điểm",
            **ev,
        )
    if isinstance(inp, ChecklistInput):
        known = {i.id for i in indicator.input.items}
        if not set(inp.checked) <= known:
            _refuse("unknown checklist item", "mục kiểm không có trong danh mục", **ev)
        rule = suggested_points(indicator, inp)
        if rule is not None and points != rule:
            _refuse(
                f"the ticked items give {dec_str(rule)} points",
                f"các mục đã đạt tương ứng {dec_str(rule)} điểm",
                **ev,
            )
    if isinstance(inp, YesNoInput) and not inp.value and points != 0:
        _refuse("'no' gives 0 points", "'không đạt' thì được 0 điểm", **ev)


class Reason(NamedTuple):
    """Why a unit does not meet the standard: code, Vietnamese, English, legal cite."""

    code: str
    vi: str
    en: str
    cite: str


@dataclass(frozen=True)
class Assessment:
    """Kết quả đánh giá (assessment) of one unit's scores against the conditions."""

    total: Decimal
    per_criterion: dict[str, Decimal]
    criterion_max: dict[str, Decimal]
    meets_total: bool
    failing_criteria: tuple[str, ...]
    disqualified: bool
    reasons: tuple[Reason, ...]  # empty when the unit meets the standard

    @property
    def meets(self) -> bool:
        return self.meets_total and not self.failing_criteria and not self.disqualified


def assess(catalog: Catalog, scores: Mapping[str, Decimal], disqualified: bool) -> Assessment:
    """Apply the recognition conditions; indicators without a score count 0."""
    ids = set(catalog.indicator_ids)
    for key, pts in scores.items():
        if key not in ids:
            _refuse(
                "score for an unknown indicator",
                "điểm cho chỉ tiêu không có trong danh mục",
                indicator=key,
            )
        check_range = isinstance(pts, Decimal) and pts.is_finite()
        if not check_range or not 0 <= pts <= catalog.indicator(key).max_points.value:
            _refuse(
                "score out of range",
                "điểm nằm ngoài khoảng cho phép",
                indicator=key,
                points=str(pts),
            )
    th = catalog.thresholds
    per = {
        c.id: sum((scores.get(i.id, Decimal(0)) for i in c.indicators), Decimal(0))
        for c in catalog.criteria
    }
    cmax = {c.id: c.max_points.value for c in catalog.criteria}
    total = sum(per.values(), Decimal(0))
    meets_total = total >= th.total_min.value
    failing = tuple(c for c in per if per[c] < th.criterion_min_ratio.value * cmax[c])
    barred = disqualified and th.disqualifier.value
    reasons = []
    if not meets_total:
        need = dec_str(th.total_min.value)
        reasons.append(
            Reason(
                "total_below_minimum",
                f"Tổng điểm {dec_str(total)} thấp hơn {need} điểm",
                f"Total {dec_str(total)} is below {need} points",
                th.total_min.source,
            )
        )
    for c in failing:
        pct = dec_str(th.criterion_min_ratio.value * 100)
        reasons.append(
            Reason(
                "criterion_below_minimum",
                f"Tiêu chí {c} đạt {dec_str(per[c])}/{dec_str(cmax[c])} điểm, dưới {pct}% số điểm tối đa",
                f"Criterion {c} has {dec_str(per[c])}/{dec_str(cmax[c])} points, below {pct}% of its maximum",
                th.criterion_min_ratio.source,
            )
        )
    if barred:
        reasons.append(
            Reason(
                "head_disciplined",
                "Người đứng đầu cấp ủy hoặc chính quyền cấp xã bị xử lý kỷ luật hoặc truy cứu trách nhiệm hình sự trong năm",
                "The head of the commune's Party committee or government was disciplined or prosecuted in the year",
                th.disqualifier.source,
            )
        )
    return Assessment(total, per, cmax, meets_total, failing, bool(barred), tuple(reasons))  # fmt: skip
