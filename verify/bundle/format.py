"""Audit bundle format, version 1: records, the strict streaming reader and the writer.

One record per line, each line the RFC 8785 canonical JSON of one object followed by
"\\n" (docs/bundle.md is the specification)::

    header        {"complete", "created", "format", "ledger", "log_key", "log_size",
                   "origin", "scope", "version"}
    checkpoint    {"note", "record"}                 first: the bundle's own checkpoint
    consistency   {"old_size", "proof", "record"}    after an older checkpoint
    registry      {"record"}                         the registry chain follows
    group         {"record", "round", "year"}        one appraisal round and its evaluations
    envelope      {"envelope", "index", "proof"?, "record"}
    end           {"envelopes", "groups", "record"}  the trailer: nothing may follow

``envelope`` is the exact stored DSSE envelope (canonical JSON, ASCII) as a JSON string;
``proof`` is its RFC 6962 inclusion proof (base64 hashes) and is absent exactly when the
bundle is ``complete`` (the whole log: the verifier rebuilds the tree instead).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from verify.bundle.errors import BundleError, Truncated, Unusable
from verify.canonical import canonical_json, parse_canonical
from verify.checkpoint import b64decode
from verify.errors import MalformedInput

FORMAT = "minhbach-audit-bundle"
VERSION = 1
MEDIA_TYPE = "application/vnd.minhbach.audit-bundle+jsonl"
MAX_LINE = 256 * 1024  # an envelope is at most 65,535 bytes; escaping can double it
MAX_PROOF = 64
SCOPE_KINDS = ("unit", "province", "log")


@dataclass(frozen=True)
class Scope:
    """What the bundle covers: one unit-year, a province-year, or the whole log."""

    kind: str
    unit: str | None = None
    year: int | None = None

    def doc(self) -> dict[str, Any]:
        if self.kind == "log":
            return {"kind": "log"}
        return {"kind": self.kind, "unit": self.unit, "year": self.year}


@dataclass(frozen=True)
class Header:
    scope: Scope
    ledger: str  # the registry's unit: the province code of this log
    origin: str
    log_size: int
    complete: bool
    created: str
    log_key: str | None  # a hint only: the verifier pins keys given on its command line

    def doc(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "created": self.created,
            "format": FORMAT,
            "ledger": self.ledger,
            "log_key": self.log_key,
            "log_size": self.log_size,
            "origin": self.origin,
            "scope": self.scope.doc(),
            "version": VERSION,
        }


@dataclass(frozen=True)
class CheckpointRecord:
    note: str


@dataclass(frozen=True)
class ConsistencyRecord:
    old_size: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class RegistryRecord:
    pass


@dataclass(frozen=True)
class GroupRecord:
    round: str
    year: int


@dataclass(frozen=True)
class EnvelopeRecord:
    index: int
    raw: bytes
    proof: tuple[bytes, ...] | None
    line: int  # line number in the file, for evidence


@dataclass(frozen=True)
class EndRecord:
    envelopes: int
    groups: int


Record = (
    CheckpointRecord | ConsistencyRecord | RegistryRecord | GroupRecord | EnvelopeRecord | EndRecord
)


def _bad(en: str, vi: str, **evidence: Any) -> BundleError:
    return BundleError(en, vi, **evidence)


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode("ascii")


# -- writing ---------------------------------------------------------------------------
def header_line(h: Header) -> bytes:
    return canonical_json(h.doc()) + b"\n"


def checkpoint_line(note: str) -> bytes:
    return canonical_json({"note": note, "record": "checkpoint"}) + b"\n"


def consistency_line(old_size: int, proof: list[bytes]) -> bytes:
    doc = {"old_size": old_size, "proof": [_b64(h) for h in proof], "record": "consistency"}
    return canonical_json(doc) + b"\n"


def registry_line() -> bytes:
    return b'{"record":"registry"}\n'


def group_line(round_unit: str, year: int) -> bytes:
    return canonical_json({"record": "group", "round": round_unit, "year": year}) + b"\n"


def envelope_line(index: int, envelope: bytes, proof: list[bytes] | None) -> bytes:
    # The envelope is canonical ASCII JSON; json.dumps escapes only its quotes and
    # backslashes, which is the RFC 8785 form of the string. Keys in sorted order.
    text = json.dumps(envelope.decode("ascii"))
    if proof is None:
        return b'{"envelope":%s,"index":%d,"record":"envelope"}\n' % (text.encode(), index)
    hashes = ",".join(f'"{_b64(h)}"' for h in proof)
    return b'{"envelope":%s,"index":%d,"proof":[%s],"record":"envelope"}\n' % (
        text.encode(),
        index,
        hashes.encode(),
    )


def end_line(envelopes: int, groups: int) -> bytes:
    return canonical_json({"envelopes": envelopes, "groups": groups, "record": "end"}) + b"\n"


# -- reading ---------------------------------------------------------------------------
def _int(v: Any, what: str, limit: int = (1 << 63) - 1) -> int:
    if type(v) is not int or not 0 <= v <= limit:
        raise _bad(f"{what} must be a non-negative integer", f"{what} phải là số nguyên không âm")
    return v


def _proof(v: Any) -> tuple[bytes, ...]:
    if not isinstance(v, list) or len(v) > MAX_PROOF or not all(isinstance(h, str) for h in v):
        raise _bad("proof must be a list of base64 hashes", "proof phải là danh sách giá trị băm")
    out = tuple(b64decode(h, "proof") for h in v)
    if any(len(h) != 32 for h in out):
        raise _bad("a proof hash is not 32 bytes", "một giá trị băm trong proof không dài 32 byte")
    return out


def parse_header(line: bytes) -> Header:
    """The first line; anything wrong here makes the file unusable (exit status 2)."""
    try:
        doc = parse_canonical(line.removesuffix(b"\n"))
    except MalformedInput as e:
        raise Unusable(
            "not an audit bundle: the first line is not canonical JSON",
            "không phải gói kiểm toán: dòng đầu không phải JSON chuẩn tắc",
            **e.evidence,
        ) from None
    keys = {"complete", "created", "format", "ledger", "log_key", "log_size", "origin"}
    keys |= {"scope", "version"}
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise Unusable(
            f"not an audit bundle (format must be {FORMAT})",
            f"không phải gói kiểm toán (format phải là {FORMAT})",
        )
    if doc.get("version") != VERSION:
        raise Unusable(
            f"unsupported bundle version {doc.get('version')!r}; this verifier reads {VERSION}",
            f"phiên bản gói {doc.get('version')!r} không được hỗ trợ; trình xác minh này đọc {VERSION}",
            version=str(doc.get("version"))[:16],
        )
    if set(doc) != keys:
        raise Unusable(
            "bundle header must have exactly the keys " + ", ".join(sorted(keys)),
            "phần đầu gói phải có đúng các khoá " + ", ".join(sorted(keys)),
        )
    try:
        sc = doc["scope"]
        kind = sc["kind"] if isinstance(sc, dict) else None
        if kind == "log" and set(sc) == {"kind"}:
            scope = Scope("log")
        elif kind in ("unit", "province") and set(sc) == {"kind", "unit", "year"}:
            scope = Scope(kind, str(sc["unit"]), _int(sc["year"], "scope year", 2100))
        else:
            raise _bad("bad scope", "phạm vi sai")
        strings = (doc["ledger"], doc["origin"], doc["created"])
        if not all(isinstance(s, str) and s for s in strings):
            raise _bad(
                "ledger, origin and created must be text", "ledger, origin, created phải là chuỗi"
            )
        if doc["log_key"] is not None and not isinstance(doc["log_key"], str):
            raise _bad("log_key must be text or null", "log_key phải là chuỗi hoặc null")
        if type(doc["complete"]) is not bool or doc["complete"] != (scope.kind == "log"):
            raise _bad("complete must be true exactly for the whole log", "complete sai")
        return Header(
            scope, doc["ledger"], doc["origin"], _int(doc["log_size"], "log_size"),
            doc["complete"], doc["created"], doc["log_key"],
        )  # fmt: skip
    except BundleError as e:
        raise Unusable(e.en, e.vi, **e.evidence) from None


# The canonical record of a complete bundle whose envelope is printable ASCII without
# backslashes: exactly what ``envelope_line`` writes for it (only quotes are escaped).
# ``_complete_line`` applies it by byte operations (tested to agree with it).
_COMPLETE_LINE = re.compile(
    rb'\{"envelope":"([ !#-\[\]-~]*+(?:\\"[ !#-\[\]-~]*+)*+)",'
    rb'"index":(0|[1-9][0-9]{0,18}),"record":"envelope"\}\n'
)
_MAX_INDEX = (1 << 63) - 1
_LINE_HEAD = b'{"envelope":"'
_LINE_INDEX = b'","index":'
_LINE_TAIL = b',"record":"envelope"}\n'
# Printable ASCII but the quote and the backslash: the characters of ``_COMPLETE_LINE``'s
# envelope text besides its escaped quotes.
_LINE_TEXT = bytes(c for c in range(0x20, 0x7F) if c not in b'"\\')


def _complete_line(line: bytes) -> tuple[int, bytes] | None:
    """``_COMPLETE_LINE.fullmatch`` by byte operations, about ten times faster: the index
    and the envelope, or None. The last ``","index":`` is the regex's (only digits
    follow it); what the envelope text keeps once its ``\\"`` are removed must be
    ``_LINE_TEXT``."""
    if not (line.startswith(_LINE_HEAD) and line.endswith(_LINE_TAIL)):
        return None
    end = len(line) - len(_LINE_TAIL)
    k = line.rfind(_LINE_INDEX, len(_LINE_HEAD), end)
    if k < 0:
        return None
    digits = line[k + len(_LINE_INDEX) : end]
    if not (0 < len(digits) <= 19 and digits.isdigit()) or (digits[0] == 0x30 and digits != b"0"):
        return None
    index = int(digits)
    text = line[len(_LINE_HEAD) : k]
    if index > _MAX_INDEX or text.replace(b'\\"', b"").translate(None, _LINE_TEXT):
        return None
    return index, text.replace(b'\\"', b'"')


def _envelope_record(line: bytes, n: int, complete: bool) -> EnvelopeRecord:
    """The hot path: the canonical shape (``_complete_line``), else json.loads and then
    byte equality with the canonical re-encoding."""
    fast = _complete_line(line) if complete else None
    if fast is not None:
        return EnvelopeRecord(fast[0], fast[1], None, n)
    try:
        doc = json.loads(line)
    except (ValueError, RecursionError):
        raise _bad("a record is not JSON", "một bản ghi không phải JSON", line=n) from None
    if not isinstance(doc, dict):
        raise _bad("a record is not a JSON object", "bản ghi không phải đối tượng JSON", line=n)
    want = {"envelope", "index", "record"} | (set() if complete else {"proof"})
    env = doc.get("envelope")
    if set(doc) != want or not isinstance(env, str) or not env.isascii():
        raise _bad(
            "envelope record must have exactly " + ", ".join(sorted(want)),
            "bản ghi phong bì phải có đúng các khoá " + ", ".join(sorted(want)),
            line=n,
        )
    index = _int(doc["index"], "index")
    proof = None if complete else _proof(doc["proof"])
    raw = env.encode("ascii")
    if envelope_line(index, raw, None if proof is None else list(proof)) != line:
        raise _bad("record is not canonical JSON", "bản ghi không ở dạng JSON chuẩn tắc", line=n)
    return EnvelopeRecord(index, raw, proof, n)


def parse_record(line: bytes, n: int, complete: bool) -> Record:
    if line.startswith(b'{"envelope":'):
        return _envelope_record(line, n, complete)
    try:
        doc = parse_canonical(line[:-1])
    except MalformedInput as e:
        raise _bad("a record is not canonical JSON", "bản ghi không ở dạng JSON chuẩn tắc", line=n,
                   **e.evidence) from None  # fmt: skip
    kind = doc.get("record") if isinstance(doc, dict) else None
    keys = set(doc) if isinstance(doc, dict) else set()
    if kind == "checkpoint" and keys == {"note", "record"} and isinstance(doc["note"], str):
        return CheckpointRecord(doc["note"])
    if kind == "consistency" and keys == {"old_size", "proof", "record"}:
        return ConsistencyRecord(_int(doc["old_size"], "old_size"), _proof(doc["proof"]))
    if kind == "registry" and keys == {"record"}:
        return RegistryRecord()
    if kind == "group" and keys == {"record", "round", "year"} and isinstance(doc["round"], str):
        return GroupRecord(doc["round"], _int(doc["year"], "year", 2100))
    if kind == "end" and keys == {"envelopes", "groups", "record"}:
        return EndRecord(_int(doc["envelopes"], "envelopes"), _int(doc["groups"], "groups"))
    raise _bad("unknown or malformed record", "bản ghi không xác định hoặc sai dạng", line=n,
               record=str(kind)[:32])  # fmt: skip


class Reader:
    """Reads a bundle line by line; memory is one line, whatever the file's size."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.line_no = 0
        self.bytes_read = 0
        first = self._line()
        if first is None:
            raise Unusable("the file is empty", "tệp rỗng")
        self.header = parse_header(first)

    def _line(self) -> bytes | None:
        line = self.f.readline(MAX_LINE + 1)
        if not line:
            return None
        self.line_no += 1
        self.bytes_read += len(line)
        if len(line) > MAX_LINE:
            raise _bad("a line is too long", "một dòng quá dài", line=self.line_no)
        if not line.endswith(b"\n"):
            raise Truncated(
                "the bundle ends in the middle of a line",
                "gói kết thúc giữa chừng một dòng (bị cắt cụt)",
                line=self.line_no,
            )
        return line

    def records(self) -> Iterator[Record]:
        """Every record after the header, up to and including the trailer."""
        complete = self.header.complete
        while True:
            line = self._line()
            if line is None:
                raise Truncated(
                    "the bundle has no trailer: it was cut short",
                    "gói không có bản ghi kết thúc: đã bị cắt cụt",
                    line=self.line_no,
                )
            rec = parse_record(line, self.line_no, complete)
            yield rec
            if isinstance(rec, EndRecord):
                if self.f.read(1):
                    raise _bad("data after the trailer", "có dữ liệu sau bản ghi kết thúc",
                               line=self.line_no + 1)  # fmt: skip
                return
