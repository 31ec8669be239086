"""api.unitdata against the real package data (values checked in the packages' files)."""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter

import pytest

from api import unitdata as ud


def _by_code(units: list[ud.Unit]) -> dict[str, ud.Unit]:
    return {u.code: u for u in units}


def test_current_ca_mau() -> None:
    prov, communes = ud.current_province("96")
    assert prov.name == "Tỉnh Cà Mau"
    assert (prov.kind, prov.level, prov.valid_from) == ("province", "province", "2025-07-01")
    assert len(communes) == 64
    assert Counter(u.kind for u in communes) == {"xa": 55, "phuong": 9}
    assert [u.code for u in communes] == sorted(u.code for u in communes)
    by = _by_code(communes)
    assert by["32002"].name == "Phường An Xuyên"
    assert by["31825"].name == "Phường Bạc Liêu"  # legacy Bạc Liêu (95) is now in 96
    assert by["32248"].name == "Xã Đất Mũi"
    assert all(u.level == "commune" and u.province_code == "96" for u in communes)
    assert all(u.district_code is None and u.valid_until is None for u in communes)


def test_legacy_ca_mau() -> None:
    prov, districts, communes = ud.legacy_province("96")
    assert (prov.name, prov.valid_until, prov.successor) == ("Tỉnh Cà Mau", None, "96")
    assert len(districts) == 9
    assert len(communes) == 100
    d = _by_code(districts)
    assert d["964"].name == "Thành phố Cà Mau"
    assert d["973"].name == "Huyện Ngọc Hiển"
    assert all(x.kind == "district" and x.valid_until == "2025-06-30" for x in districts)
    c = _by_code(communes)
    assert (c["31999"].name, c["31999"].kind, c["31999"].district_code) == (
        "Phường 9",
        "phuong",
        "964",
    )
    assert (c["32191"].name, c["32191"].kind) == ("Thị trấn Năm Căn", "thi_tran")  # case fixed
    assert (c["32248"].name, c["32248"].district_code) == ("Xã Đất Mũi", "973")
    assert Counter(u.kind for u in communes) == {"xa": 82, "phuong": 9, "thi_tran": 9}
    assert {u.district_code for u in communes} == set(d)


def test_legacy_bac_lieu_closed_into_ca_mau() -> None:
    prov, _, communes = ud.legacy_province("95")
    assert (prov.name, prov.valid_until, prov.successor) == ("Tỉnh Bạc Liêu", "2025-06-30", "96")
    current = _by_code(ud.current_province("96")[1])
    assert all(u.successor in current for u in communes)


def test_national_counts_and_codes() -> None:
    communes = ud.all_current_communes()
    assert len(communes) == 3321
    assert len({u.code for u in communes}) == 3321
    assert all(re.fullmatch(r"\d{5}", u.code) for u in communes)
    assert all(re.fullmatch(r"\d{2}", u.province_code) for u in communes)
    assert Counter(u.kind for u in communes) == {"xa": 2621, "phuong": 687, "dac_khu": 13}
    assert len({u.province_code for u in communes}) == 34
    legacy = ud.legacy_province_codes()
    assert len(legacy) == 63
    codes: list[str] = []
    for p in legacy:
        _, districts, cs = ud.legacy_province(p)
        assert all(re.fullmatch(r"\d{3}", x.code) for x in districts)
        assert all(re.fullmatch(r"\d{5}", x.code) for x in cs)
        codes += [x.code for x in cs]
    assert len(codes) == len(set(codes)) == 10035


@pytest.mark.parametrize(
    ("legacy", "successor", "name"),
    [
        ("31999", "32002", "Phường An Xuyên"),  # Phường 9
        ("32005", "32002", "Phường An Xuyên"),  # Phường 1
        ("32002", "32002", "Phường An Xuyên"),  # Phường 2 keeps its code
        ("32044", "32044", "Xã Nguyễn Phích"),  # Thị trấn U Minh
        ("32245", "32244", "Xã Phan Ngọc Hiển"),  # legacy Xã Tân Ân (split; default part)
        ("32248", "32248", "Xã Đất Mũi"),
    ],
)
def test_successor_in_ca_mau(legacy: str, successor: str, name: str) -> None:
    assert ud.successor_of(legacy) == successor
    assert _by_code(ud.current_province("96")[1])[successor].name == name


def test_every_legacy_ca_mau_commune_has_a_current_successor() -> None:
    current = _by_code(ud.current_province("96")[1])
    for u in ud.legacy_province("96")[2]:
        assert u.successor == ud.successor_of(u.code)
        assert u.successor in current
        assert u.valid_until == (None if u.successor == u.code else "2025-06-30")


def test_split_commune_and_unknown_code() -> None:
    assert ud.successors_of("32191") == ["32191", "32201"]  # Thị trấn Năm Căn, split
    assert ud.successors_of("32245") == ["32244", "32248"]  # Xã Tân Ân
    assert ud.successor_of("99999") is None
    assert ud.successors_of("99999") == []


def test_island_district_becomes_special_zone() -> None:
    # Huyện Côn Đảo (legacy 77) had no communes; it is now Đặc khu Côn Đảo in 79.
    districts = _by_code(ud.legacy_province("77")[1])
    assert districts["755"].successor == "26732"
    zone = _by_code(ud.current_province("79")[1])["26732"]
    assert (zone.name, zone.kind) == ("Đặc khu Côn Đảo", "dac_khu")


def test_names_nfc_and_clean() -> None:
    units = list(ud.all_current_communes())
    for p in ud.legacy_province_codes():
        prov, districts, communes = ud.legacy_province(p)
        units += [prov, *districts, *communes]
    for u in units:
        assert u.name == unicodedata.normalize("NFC", u.name)
        assert u.name == u.name.strip() and "  " not in u.name


def test_fast_after_first_load() -> None:
    ud.legacy_province("96")
    start = time.perf_counter()
    for _ in range(100):
        ud.current_province("96")
        ud.legacy_province("96")
        ud.successor_of("31999")
    ud.all_current_communes()
    assert time.perf_counter() - start < 1.0
