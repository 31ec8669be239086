"""parse_canonical (with its fast acceptance path) accepts exactly what the full check accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.canonical import parse_canonical, parse_strict
from verify.errors import MalformedInput

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
@given(values, st.sampled_from(["canonical", "spaced", "ascii", "nfd", "sorted-off"]))
def test_canonical_parse_agrees_with_the_full_check(v: Any, how: str) -> None:
    import unicodedata

    if how == "canonical":
        s = json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    elif how == "spaced":
        s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    elif how == "ascii":
        s = json.dumps(v, sort_keys=True, separators=(",", ":"))
    elif how == "nfd":
        s = unicodedata.normalize("NFD", json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    else:
        s = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    data = s.encode()
    try:
        expected = _full(data)
    except MalformedInput:
        with pytest.raises(MalformedInput):
            parse_canonical(data)
        return
    assert parse_canonical(data) == expected


def test_what_the_fast_path_cannot_accept_is_refused_by_the_full_check() -> None:
    for data in (b'{"a":1,"a":1}', b'"\\u0001"', b'"a\\u00e9"', '"e\u0301"'.encode(),
                 b'{"\xc3\xa9":1}', b"1.5", b"[" * 40 + b"]" * 40, b'"\\ud800"', b'"\\r"'):  # fmt: skip
        with pytest.raises(MalformedInput):
            parse_canonical(data)
