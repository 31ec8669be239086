"""Canonical JSON (RFC 8785, JCS) for the value space this project signs.

The value space: objects with ASCII string keys, arrays, strings, ``true``/``false``,
``null`` and integers with ``|x| < 2**53``. Strings must be Unicode NFC, carry no
C0 control character other than ``\\n`` and ``\\t``, and no lone surrogate. No floats.

On this value space ``json.dumps(obj, ensure_ascii=False, sort_keys=True,
separators=(",", ":"))`` encoded as UTF-8 is exactly the JCS output, because:

- RFC 8785 §3.2.3 sorts keys by UTF-16 code units; for ASCII keys that is the same
  order as Python's code point sort.
- RFC 8785 §3.2.2.3 serialises numbers as ECMAScript does; for integers below 2**53
  that is plain decimal with no exponent, which is what ``int.__repr__`` gives.
- RFC 8785 §3.2.2.2 writes strings as UTF-8 and escapes only ``"``, ``\\`` and
  control characters (``\\n``, ``\\t`` in short form, others as lowercase ``\\u00xx``);
  ``ensure_ascii=False`` does the same.
- §3.2.1: no whitespace between tokens; ``separators=(",", ":")``.

The writer (``canonical_json``) and the reader (``parse_canonical``) check the same
value space, so whatever one side signs the other side accepts.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, NoReturn

from verify.errors import MalformedInput

try:  # an optional accelerator: the same bytes accepted and refused, only faster
    import orjson
except ImportError:  # pragma: no cover - the standalone verifier runs without it
    orjson = None  # type: ignore[assignment]

MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_SAFE_INT = 2**53 - 1

# C0 controls other than \t (0x09) and \n (0x0a), and UTF-16 surrogates.
_BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff]")
# Strings (closing quote optional, so the scan stays linear), removed before the depth
# pre-scan looks at the brackets that remain.
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
# Escapes that canonical JSON uses only for characters outside the value space.
_FORBIDDEN_ESCAPE = re.compile(rb"\\[ubfr]")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
# Valid JSON whose object keys are all ASCII: runs outside strings, strings that are not
# keys (no colon follows), and ASCII keys. Possessive, so the scan stays linear.
_VALUE_STR = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"(?!:)'
_ASCII_KEY = (
    rb'"[\x00-\x21\x23-\x5b\x5d-\x7f]*+(?:\\[\x00-\x7f][\x00-\x21\x23-\x5b\x5d-\x7f]*+)*+":'
)
_ASCII_KEYS = re.compile(rb'(?:[^"]++|' + _VALUE_STR + rb"|" + _ASCII_KEY + rb")*+", re.DOTALL)


def _refuse(en: str, vi: str, **evidence: Any) -> NoReturn:
    raise MalformedInput(en, vi, **evidence)


def _check_str(s: str, *, key: bool = False) -> None:
    if s.isascii():  # ASCII text is always NFC: only control characters to look for
        bad_ascii = _BAD_CHARS.search(s)
        if bad_ascii is None:
            return
    if key and not s.isascii():
        _refuse(
            "object key is not ASCII",
            "khóa của đối tượng JSON không phải ký tự ASCII",
            key=s[:64],
        )
    bad = _BAD_CHARS.search(s)
    if bad is not None:
        _refuse(
            "string contains a control character or lone surrogate",
            "chuỗi chứa ký tự điều khiển hoặc ký tự thay thế (surrogate) đơn lẻ",
            char=f"U+{ord(bad.group()):04X}",
            offset=bad.start(),
        )
    if not unicodedata.is_normalized("NFC", s):
        _refuse(
            "string is not Unicode NFC",
            "chuỗi không ở dạng chuẩn hoá Unicode NFC",
            string=s[:64],
        )


def _check_int(n: int) -> None:
    if not -MAX_SAFE_INT <= n <= MAX_SAFE_INT:
        _refuse(
            "integer outside the range ±(2**53 - 1)",
            "số nguyên nằm ngoài khoảng ±(2**53 - 1)",
            value=str(n)[:32],
        )


def _check_value(obj: object, depth: int, max_depth: int, max_items: int) -> None:
    """Walk ``obj`` and refuse anything outside the value space."""
    if obj is None or isinstance(obj, bool):
        return
    if isinstance(obj, int):
        _check_int(obj)
    elif isinstance(obj, str):
        _check_str(obj)
    elif isinstance(obj, float):
        _refuse(
            "floating-point numbers are not allowed in signed data",
            "không được dùng số thực (dấu phẩy động) trong dữ liệu được ký",
            value=repr(obj),
        )
    elif isinstance(obj, dict | list | tuple):
        if depth >= max_depth:
            _refuse(
                "JSON nested too deeply",
                "JSON lồng nhau quá sâu",
                max_depth=max_depth,
            )
        if len(obj) > max_items:
            _refuse(
                "JSON array or object has too many items",
                "mảng hoặc đối tượng JSON có quá nhiều phần tử",
                items=len(obj),
                max_items=max_items,
            )
        if isinstance(obj, dict):
            for k, v in obj.items():
                if not isinstance(k, str):
                    _refuse(
                        "object key is not a string",
                        "khóa của đối tượng JSON không phải chuỗi ký tự",
                        key=repr(k)[:64],
                    )
                _check_str(k, key=True)
                _check_value(v, depth + 1, max_depth, max_items)
        else:
            for v in obj:
                _check_value(v, depth + 1, max_depth, max_items)
    else:
        _refuse(
            "value of this type cannot be signed",
            "không thể ký giá trị thuộc kiểu dữ liệu này",
            type=type(obj).__name__,
        )


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 canonical bytes of ``obj``; MalformedInput if outside the value space.

    Tuples are written as arrays.
    """
    _check_value(obj, 0, MAX_DEPTH, MAX_ITEMS)
    text = json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            _refuse("duplicate object key", "khóa của đối tượng JSON bị trùng", key=k[:64])
        out[k] = v
    return out


def _no_float(s: str) -> NoReturn:
    _refuse(
        "floating-point numbers are not allowed in signed data",
        "không được dùng số thực (dấu phẩy động) trong dữ liệu được ký",
        value=s[:32],
    )


def _no_constant(s: str) -> NoReturn:
    _refuse("NaN and Infinity are not JSON", "NaN và Infinity không phải JSON hợp lệ", value=s)


def _safe_int(s: str) -> int:
    # Check the length first: int() of a huge digit string is slow or raises ValueError.
    if len(s.lstrip("-")) > 16:
        _check_int(MAX_SAFE_INT + 1)
    n = int(s)
    _check_int(n)
    return n


_FAST_DECODE = json.JSONDecoder(
    parse_float=_no_float, parse_int=_safe_int, parse_constant=_no_constant
).decode


def _check_depth(data: bytes, max_depth: int) -> None:
    """Refuse deep nesting before json.loads recurses into it."""
    if data.count(b"[") + data.count(b"{") <= max_depth:  # cannot nest deeper than that
        return
    brackets = _STRINGS.sub(b"", data).translate(None, _NOT_BRACKETS)
    if len(brackets) <= max_depth:
        return
    depth = 0
    for c in brackets:
        if c in b"[{":
            depth += 1
            if depth > max_depth:
                _refuse("JSON nested too deeply", "JSON lồng nhau quá sâu", max_depth=max_depth)
        else:
            depth -= 1


def parse_strict(data: bytes, *, max_depth: int = MAX_DEPTH, max_items: int = MAX_ITEMS) -> Any:
    """Parse UTF-8 JSON inside the value space, in any whitespace and key order."""
    _check_depth(data, max_depth)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedInput(
            "input is not valid UTF-8",
            "dữ liệu không phải UTF-8 hợp lệ",
            offset=e.start,
        ) from None
    try:
        obj = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_int=_safe_int,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as e:
        raise MalformedInput(
            f"invalid JSON: {e.msg}",
            "dữ liệu không phải JSON hợp lệ",
            position=e.pos,
        ) from None
    except RecursionError:  # _check_depth makes this unreachable; kept as a guard
        _refuse("JSON nested too deeply", "JSON lồng nhau quá sâu", max_depth=max_depth)
    _check_value(obj, 0, max_depth, max_items)
    return obj


def _check_containers(obj: object, max_depth: int, max_items: int) -> bool:
    """The structural half of ``_check_value``: depth, sizes, ASCII string keys, no
    floats, safe integers. False when something is outside the value space."""
    stack: list[tuple[object, int]] = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth >= max_depth or len(node) > max_items:
                return False
            for k, v in node.items():
                if not (isinstance(k, str) and k.isascii()):
                    return False
                if isinstance(v, dict | list):
                    stack.append((v, depth + 1))
                elif isinstance(v, int) and not isinstance(v, bool):
                    if not -MAX_SAFE_INT <= v <= MAX_SAFE_INT:
                        return False
                elif not (v is None or isinstance(v, str | bool)):
                    return False
        elif isinstance(node, list):
            if depth >= max_depth or len(node) > max_items:
                return False
            for v in node:
                if isinstance(v, dict | list):
                    stack.append((v, depth + 1))
                elif isinstance(v, int) and not isinstance(v, bool):
                    if not -MAX_SAFE_INT <= v <= MAX_SAFE_INT:
                        return False
                elif not (v is None or isinstance(v, str | bool)):
                    return False
        elif not (node is None or isinstance(node, str | bool | int)):
            return False
    return True


_CANONICAL_DUMPS = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _dumps(obj: Any) -> bytes:
    return _CANONICAL_DUMPS.encode(obj).encode("utf-8")


# A digit followed by a fraction or an exponent: a float, if it stands outside strings.
_FLOATISH = re.compile(rb"[0-9][.eE]")
_ORJSON_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER if orjson else 0


def _has_float(data: bytes) -> bool:
    """Whether canonical JSON ``data`` holds a number with a fraction or an exponent.

    Hashes in hex (``"3e…"``) put digits before a letter e in most payloads, so the
    strings are taken out first: with an escaped quote by their grammar; without one,
    every quote delimits a string, so every other piece is outside them."""
    escaped = b'\\"' in data
    outside = _STRINGS.sub(b"", data) if escaped else b" ".join(data.split(b'"')[::2])
    return _FLOATISH.search(outside) is not None


# A key's last non-ASCII byte, then the rest of the key and its colon. Exact when no
# quote is escaped: every quote then ends or starts a string, and every non-ASCII byte
# is inside one. Each try stops at the next quote or non-ASCII byte: linear.
_NON_ASCII_KEY_END = re.compile(rb'[\x80-\xff][^"\x80-\xff]*+":')


def _non_ascii_key(data: bytes) -> bool:
    """Whether valid JSON ``data`` has an object key that is not ASCII."""
    if b'\\"' in data:
        return _ASCII_KEYS.fullmatch(data) is None
    return _NON_ASCII_KEY_END.search(data) is not None


def _parse_canonical_orjson(data: bytes, max_depth: int, max_items: int) -> Any:
    """``_parse_canonical_fast`` with orjson, including the canonical comparison.

    On the value space orjson's sorted compact output is byte for byte ``_dumps``': ASCII
    keys sort the same, only ``"``, ``\\`` and control characters are escaped, integers
    are plain decimal (``OPT_STRICT_INTEGER`` refuses those beyond 2**53 - 1). orjson has
    no hook to refuse floats, and a float such as ``1.5`` survives the round trip, so
    they are looked for in the text; duplicate keys, NaN, overlong integers and every
    other difference make the round trip fail. Failures return None for the full check.
    """
    if _FORBIDDEN_ESCAPE.search(data):
        return None
    try:
        obj = orjson.loads(data)
        if orjson.dumps(obj, option=_ORJSON_CANONICAL) != data:
            return None
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, RecursionError):
        return None
    if _has_float(data):
        return None
    if not data.isascii():
        if not unicodedata.is_normalized("NFC", data.decode("utf-8")):
            return None
        if _non_ascii_key(data):
            return None
    if len(data) >= 2 * max_items + 3 and not _check_containers(obj, max_depth, max_items):
        return None
    return obj


def _parse_canonical_fast(data: bytes, max_depth: int, max_items: int) -> Any:
    """The common case of canonical input, checked on the whole text at C speed.

    In canonical JSON the escapes ``\\u``, ``\\b``, ``\\f`` and ``\\r`` only ever encode
    a control character or a surrogate, all outside the value space, and raw control
    characters cannot occur, so text without them holds no forbidden character. JSON punctuation is ASCII and
    composes with nothing, so the text is NFC exactly when every string in it is.
    Duplicate keys cannot survive the round trip below. Anything else returns None and
    goes through the full check, which says precisely what is wrong.
    """
    if _FORBIDDEN_ESCAPE.search(data):
        return None
    try:
        text = data.decode("utf-8")
        obj = _FAST_DECODE(text)
    except (UnicodeDecodeError, json.JSONDecodeError, MalformedInput, RecursionError):
        return None
    if not unicodedata.is_normalized("NFC", text):
        return None
    # What ``_check_containers`` checks, cheaply where it is already known: json.loads
    # with these hooks yields only the value space's types and safe integers;
    # ``_check_depth`` has bounded the depth; a container of more than ``max_items``
    # items takes at least 2 * max_items + 3 bytes; ASCII text has ASCII keys.
    if not text.isascii() and _ASCII_KEYS.fullmatch(data) is None:
        return None
    if len(data) >= 2 * max_items + 3 and not _check_containers(obj, max_depth, max_items):
        return None
    return obj


def load_accepted(data: bytes) -> Any:
    """The value of ``data`` that ``parse_canonical`` has already accepted (for instance in
    another process): no check is repeated."""
    if orjson is not None:
        return orjson.loads(data)
    return json.loads(data)


def parse_canonical(data: bytes, *, max_depth: int = MAX_DEPTH, max_items: int = MAX_ITEMS) -> Any:
    """Parse ``data``, which must be exactly ``canonical_json`` of its own value."""
    _check_depth(data, max_depth)
    if orjson is not None:
        obj = _parse_canonical_orjson(data, max_depth, max_items)
        if obj is not None:
            return obj  # already compared with its canonical encoding
    else:
        obj = _parse_canonical_fast(data, max_depth, max_items)
    if obj is None:
        obj = parse_strict(data, max_depth=max_depth, max_items=max_items)
    canonical = _dumps(obj)
    if canonical != data:
        at = next(
            (i for i, (a, b) in enumerate(zip(data, canonical, strict=False)) if a != b),
            min(len(data), len(canonical)),
        )
        _refuse(
            "JSON is not canonical (RFC 8785)",
            "JSON không ở dạng chuẩn tắc (RFC 8785)",
            offset=at,
            expected=canonical[at : at + 16].decode("utf-8", "replace"),
            actual=data[at : at + 16].decode("utf-8", "replace"),
        )
    return obj
