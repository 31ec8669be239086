"""The byte-operation fast paths agree with the regexes that specify them: the bundle's
envelope line (``format._complete_line`` and ``_COMPLETE_LINE``), the canonical envelope
(``dsse._parse_fast`` and ``_CANONICAL``), the non-ASCII key scan
(``canonical._non_ascii_key`` and ``_ASCII_KEYS``), and the float scan
(``canonical._has_float`` and a search outside the strings ``_STRINGS`` finds)."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from verify import canonical, dsse
from verify.bundle import format as fmt

KEYID = "ab" * 32
SIG = base64.b64encode(bytes(64)).decode()


def _line(envelope: str, index: str) -> bytes:
    return b'{"envelope":"%s","index":%s,"record":"envelope"}\n' % (
        envelope.encode("latin-1"),
        index.encode(),
    )


def _by_regex(line: bytes) -> tuple[int, bytes] | None:
    m = fmt._COMPLETE_LINE.fullmatch(line)
    if m is None or int(m.group(2)) > fmt._MAX_INDEX:
        return None
    return int(m.group(2)), m.group(1).replace(b'\\"', b'"')


pieces = st.sampled_from(['\\"', '"', "\\", "a", "=", " ", "~", "\x7f", "\x1f", "é", '","index":1',
                          ',"record":"envelope"}'])  # fmt: skip
envelope_text = st.lists(pieces | st.text("ab{}:,", max_size=3), max_size=8).map("".join)
indexes = st.sampled_from(["0", "7", "00", "01", "12", "-1", "", "1.0", "9" * 19, "9" * 20,
                           "9223372036854775807", "9223372036854775808", "٣"])  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(envelope_text, indexes)
def test_the_envelope_line_fast_path_is_the_regex(text: str, index: str) -> None:
    line = _line(text, index)
    assert fmt._complete_line(line) == _by_regex(line)
    assert fmt._complete_line(line[:-1]) is None is _by_regex(line[:-1])


def test_the_envelope_line_fast_path_reads_what_the_writer_writes() -> None:
    env = b'{"payload":"e30=","payloadType":"x","signatures":[]}'
    assert fmt._complete_line(fmt.envelope_line(42, env, None)) == (42, env)


def _envelope(payload: str, sigs: list[tuple[str, str]], middle: str | None = None) -> bytes:
    mid = middle or '","payloadType":"application/vnd.minhbach.event+json","signatures":['
    body = ",".join(f'{{"keyid":"{k}","sig":"{s}"}}' for k, s in sigs)
    return ('{"payload":"' + payload + mid + body + "]}").encode("latin-1")


b64_texts = st.sampled_from(["e30=", "", "e30", "e3=0", "e30=\n", "e3 0=", 'e3"0', "e30==",
                             base64.b64encode(b"payload bytes").decode(), "YQ", "YR=="])  # fmt: skip
sig_lists = st.lists(st.tuples(st.sampled_from([KEYID, "cd" * 32, "AB" * 32, "ab"]),
                               st.sampled_from([SIG, "", "AA", "AA=="])), max_size=9)  # fmt: skip
middles = st.sampled_from([None, '","payloadType":"text/plain","signatures":[',
                           '","payloadType":"application/vnd.minhbach.event+json","signatures":[ '])  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(b64_texts, sig_lists, middles)
def test_the_envelope_fast_path_accepts_only_the_canonical_shape(
    payload: str, sigs: list[tuple[str, str]], middle: str | None
) -> None:
    data = _envelope(payload, sigs, middle)
    env = dsse._parse_fast(data, dsse.MAX_SIGNATURES)
    if dsse._CANONICAL.fullmatch(data) is None:
        assert env is None
        return
    fields = [payload] + [sig for _, sig in sigs]
    if all(_canonical_b64(f) for f in fields) and len({k for k, _ in sigs}) == len(sigs):
        assert env is not None
        assert env.payload == base64.b64decode(payload, validate=True)
        assert [(s.keyid, base64.b64encode(s.sig).decode()) for s in env.signatures] == sigs
        assert env.raw == data
    else:
        assert env is None  # the full path decides, and says why


def _canonical_b64(text: str) -> bool:
    try:
        return base64.b64encode(base64.b64decode(text, validate=True)).decode() == text
    except ValueError:
        return False


def nested(scalars: st.SearchStrategy[Any], keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """JSON values: ``scalars`` in lists and objects keyed by ``keys``, a few levels deep."""
    return st.recursive(
        scalars,
        lambda kids: st.lists(kids, max_size=3) | st.dictionaries(keys, kids, max_size=3),
        max_leaves=10,
    )


def compact(v: Any) -> bytes:
    return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


text = st.text(st.sampled_from(['"', "\\", "a", "é", ":", "\n", "ấ", "1"]), max_size=6)


@settings(max_examples=600, deadline=None)
@given(nested(st.none() | st.integers(-5, 5) | text, text))
def test_the_non_ascii_key_scan_is_the_grammar(v: Any) -> None:
    data = compact(v)
    assert canonical._non_ascii_key(data) == (canonical._ASCII_KEYS.fullmatch(data) is None)


# Strings full of what floats are made of, numbers of every kind, nested.
float_text = st.text(st.sampled_from(['"', "\\", ":", ",", "[", "1", "0", ".", "e", "E", "-", "a", "é"]),
                     max_size=8)  # fmt: skip
numbers = st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=800, deadline=None)
@given(nested(st.none() | numbers | float_text, float_text))
def test_the_float_scan_is_the_search_outside_strings(v: Any) -> None:
    data = compact(v)
    outside = canonical._STRINGS.sub(b"", data)
    assert canonical._has_float(data) == (canonical._FLOATISH.search(outside) is not None)
