"""parse_canonical (with its fast acceptance path) accepts exactly what the full check accepts,
with orjson (the optional accelerator) and without it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import canonical
from verify.canonical import load_accepted, parse_canonical, parse_strict
from verify.errors import MalformedInput

BACKENDS = ["orjson", "json"]


@contextlib.contextmanager
def _backend(name: str) -> Iterator[None]:
    if name == "orjson":
        assert canonical.orjson is not None, "the test environment installs orjson"
        yield
    else:
        with mock.patch.object(canonical, "orjson", None):
            yield


text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | text,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(text, kids, max_size=4),
    max_leaves=12,
)


def _full(data: bytes) -> Any:
    obj = parse_strict(data)
    canonical = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if canonical.encode() != data:
        raise MalformedInput("not canonical", "không chuẩn tắc")
    return obj


@settings(max_examples=400, deadline=None)
@given(values, st.sampled_from(["canonical", "spaced", "ascii", "nfd", "sorted-off"]),
       st.sampled_from(BACKENDS))  # fmt: skip
def test_canonical_parse_agrees_with_the_full_check(v: Any, how: str, backend: str) -> None:
    import unicodedata

    if how == "canonical":
        s = json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    elif how == "spaced":
        s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    elif how == "ascii":
        s = json.dumps(v, sort_keys=True, separators=(",", ":"))
    elif how == "nfd":
        s = unicodedata.normalize(
            "NFD", json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        )
    else:
        s = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    data = s.encode()
    with _backend(backend):
        try:
            expected = _full(data)
        except MalformedInput:
            with pytest.raises(MalformedInput):
                parse_canonical(data)
            return
        assert parse_canonical(data) == expected
        assert load_accepted(data) == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_what_the_fast_path_cannot_accept_is_refused_by_the_full_check(backend: str) -> None:
    for data in (b'{"a":1,"a":1}', b'"\\u0001"', b'"a\\u00e9"', '"e\u0301"'.encode(),
                 b'{"\xc3\xa9":1}', b"1.5", b"[" * 40 + b"]" * 40, b'"\\ud800"', b'"\\r"'):  # fmt: skip
        with _backend(backend), pytest.raises(MalformedInput):
            parse_canonical(data)


# Floats that survive orjson's round trip byte for byte, beside text that looks like them.
FLOATS = [b"1.5", b"[0.1]", b'{"a":1.5}', b'{"a":"x","b":2.25}', b'{"a":"1.5","b":1e-7}',
          b'{"a":"q\\"","b":[3.5]}', b'[1,2,-0.5]', b'{"a":12345678.9}']  # fmt: skip
NOT_FLOATS = [b'{"a":"1.5"}', b'{"TC2.1":"e"}', b'{"a":"2e5","b":25}', b'["1.0",1,"x\\"1.5"]',
              b'{"a":"\\"1.5\\"","b":true,"c":false}', b'{"a":[1,2,3]}']  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
def test_floats_are_refused_however_canonical_they_look(backend: str) -> None:
    with _backend(backend):
        for data in FLOATS:
            with pytest.raises(MalformedInput, match="floating-point"):
                parse_canonical(data)
        for data in NOT_FLOATS:
            assert parse_canonical(data) == json.loads(data)


def test_the_float_scan_sees_only_numbers() -> None:
    assert all(canonical._has_float(d) for d in FLOATS)
    assert not any(canonical._has_float(d) for d in NOT_FLOATS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_integers_at_the_edge_of_the_safe_range(backend: str) -> None:
    with _backend(backend):
        for n in (2**53 - 1, -(2**53 - 1), 0, 10**15):
            assert parse_canonical(str(n).encode()) == n
        for text in (b"9007199254740992", b"-9007199254740992", b"9223372036854775808",
                     b"18446744073709551616", b"-0", b"[-0]", b"1" * 40):  # fmt: skip
            with pytest.raises(MalformedInput):
                parse_canonical(text)
