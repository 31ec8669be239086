"""RFC 8785 canonical JSON: the shared vectors, rfc8785 agreement, strict parsing."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from verify.canonical import MAX_SAFE_INT, canonical_json, parse_canonical
from verify.errors import MalformedInput

JCS = next(p for p in Path(__file__).resolve().parents if (p / "shared" / "vectors").is_dir()) / "shared" / "vectors" / "jcs"  # ../shared/vectors

# Vectors whose input is inside our value space, and why the others are not.
INSIDE = {"arrays"}
OUTSIDE = {
    "french": "non-ASCII object keys",
    "structures": "the float 56.0",
    "unicode": "NFD text (A + combining ring)",
    "values": "floats and a control character",
    "weird": "non-ASCII keys and a carriage return",
}
# Vectors whose canonical *output* parses to a value inside the value space.
OUTPUT_INSIDE = {"arrays", "structures"}
NAMES = sorted(INSIDE | set(OUTSIDE))


def vector(name: str) -> tuple[bytes, bytes]:
    return (JCS / "input" / f"{name}.json").read_bytes(), (
        JCS / "output" / f"{name}.json"
    ).read_bytes()


def test_every_vector_is_classified() -> None:
    assert sorted(p.stem for p in (JCS / "input").glob("*.json")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_vector_output_matches_outhex_and_rfc8785(name: str) -> None:
    src, out = vector(name)
    assert out.hex() == "".join((JCS / "outhex" / f"{name}.txt").read_text().split())
    assert rfc8785.dumps(json.loads(src)) == out


@pytest.mark.parametrize("name", sorted(INSIDE))
def test_vector_inside_value_space_is_canonicalised(name: str) -> None:
    src, out = vector(name)
    assert canonical_json(json.loads(src)) == out
    assert parse_canonical(out) == json.loads(src)
    with pytest.raises(MalformedInput):
        parse_canonical(src)  # the input has whitespace


@pytest.mark.parametrize("name", sorted(OUTSIDE))
def test_vector_outside_value_space_is_refused(name: str) -> None:
    src, _ = vector(name)
    with pytest.raises(MalformedInput):
        canonical_json(json.loads(src))


@pytest.mark.parametrize("name", sorted(OUTPUT_INSIDE))
def test_vector_output_round_trips(name: str) -> None:
    _, out = vector(name)
    assert canonical_json(parse_canonical(out)) == out


@pytest.mark.parametrize("name", sorted(set(NAMES) - OUTPUT_INSIDE))
def test_vector_output_outside_value_space_is_refused_by_parser(name: str) -> None:
    _, out = vector(name)
    with pytest.raises(MalformedInput):
        parse_canonical(out)


# --- the value space, as hypothesis strategies -------------------------------------

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐƯƠ"
)
ALLOWED_CONTROL = "\n\t"


def _nfc_clean(s: str) -> str:
    return unicodedata.normalize("NFC", s)


texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + ALLOWED_CONTROL + ' "\\/'),
        st.characters(exclude_categories=("Cs", "Cc")),
    ),
    max_size=20,
).map(_nfc_clean)
keys = st.text(
    alphabet=st.sampled_from([chr(c) for c in range(0x20, 0x7F)] + list(ALLOWED_CONTROL)),
    max_size=8,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-MAX_SAFE_INT, max_value=MAX_SAFE_INT),
    texts,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)


@given(values)
def test_canonical_json_agrees_with_rfc8785(x: Any) -> None:
    assert canonical_json(x) == rfc8785.dumps(x)


@given(values)
def test_parse_canonical_inverts_canonical_json(x: Any) -> None:
    assert parse_canonical(canonical_json(x)) == x


def _variants(x: Any) -> list[bytes]:
    def dumps(obj: Any, **kw: Any) -> bytes:
        opts: dict[str, Any] = {"ensure_ascii": False, "sort_keys": True, "separators": (",", ":")}
        opts.update(kw)
        return json.dumps(obj, **opts).encode("utf-8")

    def reverse_keys(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: reverse_keys(obj[k]) for k in sorted(obj, reverse=True)}
        if isinstance(obj, list):
            return [reverse_keys(v) for v in obj]
        return obj

    c = canonical_json(x)
    return [
        b" " + c,
        c + b"\n",
        dumps(x, separators=(", ", ": ")),
        dumps(x, indent=1),
        dumps(x, ensure_ascii=True),  # "\u1ea1" instead of the UTF-8 bytes of "ạ"
        dumps(reverse_keys(x), sort_keys=False),
        c.replace(b"/", b"\\/"),
    ]


@given(values)
def test_every_non_canonical_variant_is_refused(x: Any) -> None:
    c = canonical_json(x)
    for v in _variants(x):
        if v != c:
            with pytest.raises(MalformedInput):
                parse_canonical(v)


def _nfd(obj: Any) -> Any:
    if isinstance(obj, str):
        return unicodedata.normalize("NFD", obj)
    if isinstance(obj, dict):
        return {k: _nfd(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nfd(v) for v in obj]
    return obj


@given(values)
def test_nfd_text_is_refused(x: Any) -> None:
    d = _nfd(x)
    if d != x:
        raw = json.dumps(d, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        with pytest.raises(MalformedInput):
            parse_canonical(raw.encode("utf-8"))
        with pytest.raises(MalformedInput):
            canonical_json(d)


def test_vietnamese_name_in_nfd_is_refused() -> None:
    nfc = "Nguyễn Thị Hạnh"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    assert parse_canonical(canonical_json({"name": nfc})) == {"name": nfc}
    with pytest.raises(MalformedInput):
        parse_canonical(json.dumps({"name": nfd}, ensure_ascii=False).encode())


def test_escaped_non_ascii_is_refused() -> None:
    assert parse_canonical('"ạ"'.encode()) == "ạ"
    with pytest.raises(MalformedInput) as e:
        parse_canonical(b'"\\u1ea1"')
    assert e.value.evidence["offset"] == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"1.0",
        b"1e2",
        b"-0",
        b"[1.5]",
        b"NaN",
        b"Infinity",
        b"9007199254740992",
        b"-9007199254740992",
        b"1" * 5000,
        b'{"a":1,"a":1}',
        b'{"\xc3\xa9":1}',  # non-ASCII key
        b'"\\u0001"',
        b'"\\r"',
        b'"\\ud800"',
        b'"\\ud83d\\ude02"',  # escaped pair: the canonical form is raw UTF-8
        b'"\xed\xa0\x80"',  # a surrogate in UTF-8: invalid
        b'"\xff"',
        b"\xef\xbb\xbf{}",  # BOM
        b"[" * 100_000 + b"]" * 100_000,
        b'"' + b'\\"' * 100_000,  # unterminated, many escaped quotes
        b"",
        b"{}x",
        b"'a'",
    ],
)
def test_strict_parser_refuses(raw: bytes) -> None:
    with pytest.raises(MalformedInput):
        parse_canonical(raw)


def test_depth_and_size_caps() -> None:
    deep = b"[" * 32 + b"]" * 32
    assert parse_canonical(deep) is not None
    with pytest.raises(MalformedInput):
        parse_canonical(b"[" * 33 + b"]" * 33)
    with pytest.raises(MalformedInput):
        parse_canonical(canonical_json(list(range(11))), max_items=10)
    with pytest.raises(MalformedInput):
        canonical_json(_nest(33))
    assert canonical_json(_nest(32)) == deep


def _nest(n: int) -> Any:
    x: Any = []
    for _ in range(n - 1):
        x = [x]
    return x


@pytest.mark.parametrize(
    "obj",
    [
        1.0,
        float("nan"),
        2**53,
        -(2**53),
        {1: "a"},
        {"é": 1},
        "a\rb",
        "\x00",
        "\ud800",
        b"x",
        {1, 2},
    ],
)
def test_canonical_json_refuses_outside_value_space(obj: Any) -> None:
    with pytest.raises(MalformedInput):
        canonical_json(obj)


def test_allowed_controls_and_escapes() -> None:
    assert canonical_json({"a\n": 'x\ty"\\'}) == b'{"a\\n":"x\\ty\\"\\\\"}'
    assert canonical_json([True, False, None, -5, (1, 2)]) == b"[true,false,null,-5,[1,2]]"
