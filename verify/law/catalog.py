"""Danh mục tiêu chí, chỉ tiêu (criteria catalog): the law's scoring table, as data.

A catalog is a JSON document in ``domain/catalogs/``. Every value that is law carries its
provenance, ``{"value": ..., "status": "confirmed" | "provisional", "source": ...}``;
criteria, indicators and input specs carry a ``provenance`` block (``status``, ``source``)
for their names and kind. Decimals are canonical strings ("6.75", never 6.75 or "6.750").

``load_catalog`` is strict: unknown or missing keys, duplicate ids, non-NFC text, maxima
that are not multiples of 0.25 or do not sum (indicators to their criterion, criteria to
the total) all raise ``CatalogError``. ``catalog_to_doc`` gives back the exact document,
so ``digest`` (SHA-256 of its RFC 8785 form) is stable across a load/dump round trip.

A correction of the law (``verify.law.correction.apply_correction``) is a new catalog
version, never an edit. The catalogs shipped with the package are in ``domain.catalog``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cached_property
from typing import Any, Generic, NoReturn, TypeVar

from verify.canonical import canonical_json
from verify.refusals import CatalogError

T = TypeVar("T")
STEP = Decimal("0.25")  # scores move in quarter points
_PROV_KEYS = {"value", "status", "source"}
_FROZEN_KEYS = {"id", "catalog_id", "version", "regime"}  # never changed by a correction


@dataclass(frozen=True)
class Provenanced(Generic[T]):
    """A value of law with its source (nguồn): confirmed from the text, or provisional."""

    value: T
    status: str
    source: str

    @property
    def provisional(self) -> bool:
        return self.status == "provisional"


@dataclass(frozen=True)
class MonthDay:
    """A yearly date such as 10/01; ``in_year(N + 1)`` gives the deadline for year N."""

    month: int
    day: int

    def in_year(self, year: int) -> date:
        return date(year, self.month, self.day)


@dataclass(frozen=True)
class Band:
    """Percentage from ``min_percent`` (inclusive) up to the next band gives ``points``."""

    min_percent: Decimal
    points: Decimal


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    name_vi: str
    name_en: str
    points: Decimal | None = None


@dataclass(frozen=True)
class InputSpec:
    """How an indicator is measured: yesno, number, ratio (bands or linear) or checklist.

    Band points are stated for ``band_scale_max`` points and scale linearly to the
    indicator's maximum (``Indicator.band_points``).
    """

    kind: str
    provenance: Provenanced[None]
    bands: tuple[Band, ...] = ()
    band_scale_max: Decimal | None = None
    linear: bool = False
    items: tuple[ChecklistItem, ...] = ()


@dataclass(frozen=True)
class Indicator:
    """Chỉ tiêu (indicator)."""

    id: str
    criterion_id: str
    name_vi: str
    name_en: str
    max_points: Provenanced[Decimal]
    input: InputSpec
    not_arising: Provenanced[str]  # "full": không phát sinh gives full points; "none": refused
    provenance: Provenanced[None]

    def band_points(self, band: Band) -> Decimal:
        scale = self.input.band_scale_max or Decimal(1)
        return band.points * self.max_points.value / scale


@dataclass(frozen=True)
class Criterion:
    """Tiêu chí (criterion)."""

    id: str
    name_vi: str
    name_en: str
    max_points: Provenanced[Decimal]
    indicators: tuple[Indicator, ...]
    provenance: Provenanced[None]


@dataclass(frozen=True)
class Authority:
    """Who appraises (thẩm định) and who decides (quyết định công nhận), at which level."""

    appraiser: Provenanced[str]
    decider: Provenanced[str]
    level: Provenanced[str]


@dataclass(frozen=True)
class Thresholds:
    """Điều kiện công nhận (recognition conditions)."""

    total_min: Provenanced[Decimal]
    criterion_min_ratio: Provenanced[Decimal]
    disqualifier: Provenanced[bool]


@dataclass(frozen=True)
class Rules:
    """Procedure figures: days, counts, yearly deadlines (of year N+1), council quorum."""

    posting_days: Provenanced[int]
    radio_min_broadcasts: Provenanced[int]
    submission_deadline: Provenanced[MonthDay]
    supplement_working_days: Provenanced[int]
    circulation_working_days: Provenanced[int]
    council_max_members: Provenanced[int]
    quorum: Provenanced[Fraction]
    decision_deadline: Provenanced[MonthDay]
    publication_working_days: Provenanced[int]
    report_district_to_province: Provenanced[MonthDay | None]
    report_province_to_ministry: Provenanced[MonthDay | None]
    council_majority: Provenanced[Fraction | None]


@dataclass(frozen=True)
class Catalog:
    catalog_id: str
    version: int
    title_vi: str
    title_en: str
    regime: str
    year_from: int
    year_to: int | None
    legal_basis: tuple[str, ...]
    authority: Authority
    thresholds: Thresholds
    rules: Rules
    criteria: tuple[Criterion, ...]

    @cached_property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for c in self.criteria for i in c.indicators)

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.indicators)

    @cached_property
    def _by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def indicator(self, indicator_id: str) -> Indicator:
        found = self._by_id.get(indicator_id)
        if found is None:
            _fail(indicator_id, "unknown")
        return found

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        _fail(criterion_id, "unknown")

    @property
    def max_total(self) -> Decimal:
        return sum((c.max_points.value for c in self.criteria), Decimal(0))

    def applies_to(self, year: int) -> bool:
        return self.year_from <= year and (self.year_to is None or year <= self.year_to)

    @cached_property
    def digest(self) -> str:
        from verify.law.correction import catalog_to_doc

        return hashlib.sha256(canonical_json(catalog_to_doc(self))).hexdigest()


_MSG: dict[str, tuple[str, str]] = {
    "object": ("must be an object with exactly the listed keys", "phải là đối tượng có đúng các trường quy định"),
    "list": ("must be a non-empty list", "phải là danh sách khác rỗng"),
    "text": ("must be a non-empty NFC string", "phải là chuỗi khác rỗng, dạng chuẩn NFC"),
    "int": ("must be a non-negative integer", "phải là số nguyên không âm"),
    "bool": ("must be true or false", "phải là true hoặc false"),
    "decimal": ("must be a canonical non-negative decimal string", "phải là số thập phân không âm, dạng chuỗi chuẩn"),
    "step": ("points must be a multiple of 0.25", "điểm phải là bội số của 0,25"),
    "fraction": ('must be a fraction such as "2/3" in (0, 1]', 'phải là phân số như "2/3", trong khoảng (0, 1]'),
    "day": ("not a calendar day", "không phải ngày hợp lệ"),
    "status": ("status must be confirmed or provisional", "trạng thái phải là confirmed hoặc provisional"),
    "kind": ("unknown input kind", "loại dữ liệu đầu vào không hợp lệ"),
    "ratio": ("a ratio has either bands with band_scale_max, or linear: true", "tỷ lệ phải có bands kèm band_scale_max, hoặc linear: true"),
    "bands": ("bands must descend strictly from ≤ 100 % to 0 % and scale to multiples of 0.25 within the maximum", "các mức phải giảm dần từ ≤ 100 % đến 0 % và quy đổi thành bội số của 0,25 không vượt điểm tối đa"),
    "items": ("checklist items: unique ids; points on all items or none, summing to the maximum", "danh mục kiểm: mã không trùng; điểm ghi cho tất cả các mục hoặc không mục nào, tổng bằng điểm tối đa"),
    "not_arising": ("not_arising must be full or none", "không phát sinh phải là full hoặc none"),
    "id_prefix": ("an indicator id must start with its criterion id and a dot", "mã chỉ tiêu phải bắt đầu bằng mã tiêu chí và dấu chấm"),
    "sum": ("indicator maxima do not sum to the criterion maximum", "tổng điểm tối đa của các chỉ tiêu khác điểm tối đa của tiêu chí"),
    "duplicate": ("duplicate criterion or indicator id", "mã tiêu chí hoặc chỉ tiêu bị trùng"),
    "years": ("years.to is before years.from", "năm kết thúc trước năm bắt đầu"),
    "catalog": ("version ≥ 1, criterion_min_ratio ≤ 1 and total_min ≤ the maximum total", "phiên bản ≥ 1, tỷ lệ tối thiểu ≤ 1 và tổng điểm tối thiểu ≤ tổng điểm tối đa"),
    "unknown": ("no such criterion or indicator", "không có tiêu chí hoặc chỉ tiêu này"),
    "no_year": ("no catalog applies to this year", "không có danh mục nào áp dụng cho năm này"),
    "many_years": ("several catalogs apply to this year", "có nhiều danh mục cùng áp dụng cho năm này"),
    "empty": ("a correction must change something", "đính chính phải thay đổi ít nhất một giá trị"),
    "path": ("not a correctable value in the catalog", "không phải giá trị được phép đính chính trong danh mục"),
    "shape": ("replacement has the wrong shape", "giá trị thay thế sai cấu trúc"),
}  # fmt: skip


def _fail(path: str, what: str) -> NoReturn:
    en, vi = _MSG[what]
    raise CatalogError(f"catalog {path}: {en}", f"danh mục {path}: {vi}", path=path, problem=what)


def _need(ok: bool, path: str, what: str) -> None:
    if not ok:
        _fail(path, what)


# --- strict readers: each takes the node and its dotted path (for error messages) ---


def _obj(node: Any, path: str, keys: set[str], optional: frozenset[str] = frozenset()) -> Any:
    _need(isinstance(node, dict) and keys <= node.keys() <= keys | optional, path, "object")
    return node


def _list(node: Any, path: str) -> list[Any]:
    _need(isinstance(node, list) and len(node) > 0, path, "list")
    return list(node)


def _str(node: Any, path: str) -> str:
    ok = isinstance(node, str) and node != "" and unicodedata.normalize("NFC", node) == node
    _need(ok, path, "text")
    return str(node)


def _int(node: Any, path: str) -> int:
    _need(type(node) is int and node >= 0, path, "int")
    return int(node)


def _bool(node: Any, path: str) -> bool:
    _need(isinstance(node, bool), path, "bool")
    return bool(node)


def dec_str(d: Decimal) -> str:
    """Canonical text of a decimal: no exponent, no trailing zeros ("6.75", "10")."""
    text = format(d.normalize(), "f")
    return "0" if text == "-0" else text


def _dec(node: Any, path: str) -> Decimal:
    try:
        d = Decimal(node) if isinstance(node, str) else Decimal("NaN")
    except InvalidOperation:
        d = Decimal("NaN")
    _need(d.is_finite() and d >= 0 and dec_str(d) == node, path, "decimal")
    return d


def _points(node: Any, path: str) -> Decimal:
    d = _dec(node, path)
    _need(d % STEP == 0, path, "step")
    return d


def _fraction(node: Any, path: str) -> Fraction:
    try:
        f = Fraction(node) if isinstance(node, str) else Fraction(0)
    except (ValueError, ZeroDivisionError):
        f = Fraction(0)
    _need(str(f) == node and 0 < f <= 1, path, "fraction")
    return f


def _monthday(node: Any, path: str) -> MonthDay:
    o = _obj(node, path, {"month", "day"})
    md = MonthDay(_int(o["month"], path + ".month"), _int(o["day"], path + ".day"))
    try:
        md.in_year(2024)  # a leap year, so 29/02 passes
    except ValueError:
        _fail(path, "day")
    return md


def _provenance(node: Any, path: str, keys: frozenset[str] = frozenset()) -> Provenanced[None]:
    o = _obj(node, path, {"status", "source"}, keys)
    _need(o["status"] in ("confirmed", "provisional"), path + ".status", "status")
    return Provenanced(None, o["status"], _str(o["source"], path + ".source"))


def _prov(
    node: Any, path: str, read: Callable[[Any, str], T], nullable: bool = False
) -> Provenanced[T]:
    meta = _provenance(_obj(node, path, _PROV_KEYS), path, frozenset({"value"}))
    value = None if nullable and node["value"] is None else read(node["value"], path + ".value")
    return Provenanced(value, meta.status, meta.source)  # type: ignore[arg-type]


_SHAPES = {
    "yesno": frozenset(),
    "number": frozenset(),
    "ratio": frozenset({"bands", "band_scale_max", "linear"}),
    "checklist": frozenset({"items"}),
}


def _input(node: Any, path: str, max_points: Decimal) -> InputSpec:
    kind = node.get("kind") if isinstance(node, dict) else None
    _need(kind in _SHAPES, path + ".kind", "kind")
    o = _obj(node, path, {"kind", "provenance"}, _SHAPES[str(kind)])
    prov = _provenance(o["provenance"], path + ".provenance")
    if kind == "ratio":
        linear = "linear" in o
        _need(linear != ("bands" in o) and ("bands" in o) == ("band_scale_max" in o), path, "ratio")
        if linear:
            _need(o["linear"] is True, path + ".linear", "ratio")
            return InputSpec("ratio", prov, linear=True)
        scale = _dec(o["band_scale_max"], path + ".band_scale_max")
        _need(scale > 0, path + ".band_scale_max", "bands")
        bands = []
        for n, raw in enumerate(_list(o["bands"], path + ".bands")):
            p, b = f"{path}.bands.{n}", _obj(raw, f"{path}.bands.{n}", {"min_percent", "points"})
            bands.append(
                Band(_dec(b["min_percent"], p + ".min_percent"), _dec(b["points"], p + ".points"))
            )
        mins = [b.min_percent for b in bands]
        ok = mins == sorted(set(mins), reverse=True) and mins[0] <= 100 and mins[-1] == 0
        scaled = [b.points * max_points / scale for b in bands]
        ok = ok and all(x <= max_points and x % STEP == 0 for x in scaled)
        _need(ok, path + ".bands", "bands")
        return InputSpec("ratio", prov, bands=tuple(bands), band_scale_max=scale)
    if kind == "checklist":
        items = []
        for n, raw in enumerate(_list(o["items"], path + ".items")):
            p = f"{path}.items.{n}"
            it = _obj(raw, p, {"id", "name_vi", "name_en"}, frozenset({"points"}))
            pts = _points(it["points"], p + ".points") if "points" in it else None
            names = _str(it["name_vi"], p + ".name_vi"), _str(it["name_en"], p + ".name_en")
            items.append(ChecklistItem(_str(it["id"], p + ".id"), *names, points=pts))
        given = [i.points for i in items if i.points is not None]
        ok = len({i.id for i in items}) == len(items)
        _need(
            ok and (not given or (len(given) == len(items) and sum(given) == max_points)),
            path + ".items",
            "items",
        )
        return InputSpec("checklist", prov, items=tuple(items))
    return InputSpec(str(kind), prov)


def _indicator(node: Any, path: str, criterion_id: str) -> Indicator:
    keys = {"id", "name_vi", "name_en", "max_points", "input", "not_arising", "provenance"}
    o = _obj(node, path, keys)
    iid = _str(o["id"], path + ".id")
    _need(
        iid.startswith(criterion_id + ".") and iid != criterion_id + ".", path + ".id", "id_prefix"
    )
    p = f"{path}[{iid}]"
    max_points = _prov(o["max_points"], p + ".max_points", _points)
    na = _prov(o["not_arising"], p + ".not_arising", _str)
    _need(na.value in ("full", "none"), p + ".not_arising", "not_arising")
    return Indicator(
        iid, criterion_id, _str(o["name_vi"], p + ".name_vi"), _str(o["name_en"], p + ".name_en"),
        max_points, _input(o["input"], p + ".input", max_points.value), na,
        _provenance(o["provenance"], p + ".provenance"),
    )  # fmt: skip


def _criterion(node: Any, path: str) -> Criterion:
    o = _obj(node, path, {"id", "name_vi", "name_en", "max_points", "indicators", "provenance"})
    cid = _str(o["id"], path + ".id")
    p = f"{path}[{cid}]"
    max_points = _prov(o["max_points"], p + ".max_points", _points)
    raw = _list(o["indicators"], p + ".indicators")
    inds = tuple(_indicator(x, f"{p}.indicators.{n}", cid) for n, x in enumerate(raw))
    _need(sum(i.max_points.value for i in inds) == max_points.value, p, "sum")
    names = _str(o["name_vi"], p + ".name_vi"), _str(o["name_en"], p + ".name_en")
    return Criterion(cid, *names, max_points, inds, _provenance(o["provenance"], p + ".provenance"))


_RULES: dict[str, tuple[Callable[[Any, str], Any], bool]] = {
    "posting_days": (_int, False),
    "radio_min_broadcasts": (_int, False),
    "submission_deadline": (_monthday, False),
    "supplement_working_days": (_int, False),
    "circulation_working_days": (_int, False),
    "council_max_members": (_int, False),
    "quorum": (_fraction, False),
    "decision_deadline": (_monthday, False),
    "publication_working_days": (_int, False),
    "report_district_to_province": (_monthday, True),
    "report_province_to_ministry": (_monthday, True),
    "council_majority": (_fraction, True),
}


def load_catalog(doc: Mapping[str, Any]) -> Catalog:
    """Validate a catalog document strictly and build the ``Catalog``."""
    top = {"catalog_id", "version", "title_vi", "title_en", "regime", "years", "legal_basis"}
    o = _obj(dict(doc), "(root)", top | {"authority", "thresholds", "rules", "criteria"})
    years = _obj(o["years"], "years", {"from", "to"})
    y_from = _int(years["from"], "years.from")
    y_to = None if years["to"] is None else _int(years["to"], "years.to")
    _need(y_to is None or y_to >= y_from, "years", "years")
    a = _obj(o["authority"], "authority", {"appraiser", "decider", "level"})
    t = _obj(o["thresholds"], "thresholds", {"total_min", "criterion_min_ratio", "disqualifier"})
    r = _obj(o["rules"], "rules", set(_RULES))
    criteria = tuple(
        _criterion(c, f"criteria.{n}") for n, c in enumerate(_list(o["criteria"], "criteria"))
    )
    ids = [c.id for c in criteria] + [i.id for c in criteria for i in c.indicators]
    _need(len(set(ids)) == len(ids), "criteria", "duplicate")
    catalog = Catalog(
        catalog_id=_str(o["catalog_id"], "catalog_id"),
        version=_int(o["version"], "version"),
        title_vi=_str(o["title_vi"], "title_vi"),
        title_en=_str(o["title_en"], "title_en"),
        regime=_str(o["regime"], "regime"),
        year_from=y_from,
        year_to=y_to,
        legal_basis=tuple(_str(x, f"legal_basis.{n}") for n, x in enumerate(_list(o["legal_basis"], "legal_basis"))),
        authority=Authority(*(_prov(a[k], f"authority.{k}", _str) for k in ("appraiser", "decider", "level"))),
        thresholds=Thresholds(
            _prov(t["total_min"], "thresholds.total_min", _dec),
            _prov(t["criterion_min_ratio"], "thresholds.criterion_min_ratio", _dec),
            _prov(t["disqualifier"], "thresholds.disqualifier", _bool),
        ),
        rules=Rules(**{k: _prov(r[k], f"rules.{k}", read, nul) for k, (read, nul) in _RULES.items()}),
        criteria=criteria,
    )  # fmt: skip
    th = catalog.thresholds
    ok = th.criterion_min_ratio.value <= 1 and th.total_min.value <= catalog.max_total
    _need(ok and catalog.version >= 1, "(root)", "catalog")
    return catalog


def catalog_for_year(year: int, catalogs: Sequence[Catalog]) -> Catalog:
    """The catalog for evaluation year ``year``: the highest version of the one regime that applies."""
    hits = [c for c in catalogs if c.applies_to(year)]
    _need(bool(hits), str(year), "no_year")
    _need(len({c.catalog_id for c in hits}) == 1, str(year), "many_years")
    return max(hits, key=lambda c: c.version)
