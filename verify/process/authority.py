"""Cấp có thẩm quyền (the competent level): who appraises and decides for a unit and year.

Decision 25/2021: the district (its justice office, council and chairman).
Decision 27/2025: the province (provisional: Sở Tư pháp appraises, the chairman decides).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from verify.law.catalog import Catalog
from verify.process.officials import Unit
from verify.refusals import NotAllowed


class HasUnits(Protocol):
    def unit_in(self, code: str, year: int | None) -> Unit | None: ...


@dataclass(frozen=True)
class Authority:
    level: str  # district | province
    level_vi: str
    round_unit: str  # the code of the district or province holding the round
    justice: str  # the role that receives dossiers
    decider: str  # the role that decides recognition


def authority_of(
    catalog: Catalog, registry: HasUnits, unit_code: str | None, year: int | None = None
) -> Authority:
    level = catalog.authority.level.value
    if level == "district":
        justice, decider, level_vi = "district_justice", "district_chairman", "huyện"
    else:
        justice, decider, level_vi = "province_justice", "province_chairman", "tỉnh"
    if unit_code is None:
        return Authority(level, level_vi, "", justice, decider)
    unit = registry.unit_in(unit_code, year)
    parent = None
    if unit is not None:
        parent = unit.district if level == "district" else unit.province
    if parent is None:
        raise NotAllowed(
            f"{unit_code} has no {level} in the registry",
            f"{unit_code} không thuộc đơn vị cấp {level_vi} nào trong sổ đăng ký",
            unit=unit_code,
        )
    return Authority(level, level_vi, parent, justice, decider)
