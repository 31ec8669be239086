"""The signed payload of every event: RFC 8785 canonical JSON inside a DSSE envelope.

Schema (version 1)::

    {"type": "SelfScoreRecorded", "v": 1, "unit": "32014", "year": 2023,
     "prev": "<hex SHA-256 of the previous envelope of this chain>" | null,
     "signers": ["<key id>", ...], "time": "2024-01-05T03:00:00Z", "data": {...}}

``unit``/``year`` name the chain the event belongs to (an evaluation, a district's
appraisal round, or the registry when ``year`` is null); ``prev`` links the chain;
``signers`` are the key ids whose signatures the envelope must carry; ``time`` is the
time claimed by the signer (UTC, seconds precision).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from verify.canonical import load_accepted, parse_canonical
from verify.errors import MalformedInput
from verify.refusals import BadEvent

SCHEMA_VERSION = 1
_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_UNIT = re.compile(r"^(VN|\d{2}|\d{3}|\d{5})$")
_KEYS = {"type", "v", "unit", "year", "prev", "signers", "time", "data"}


@dataclass(frozen=True)
class Payload:
    type: str
    v: int
    unit: str
    year: int | None
    prev: str | None
    signers: tuple[str, ...]
    time: datetime
    data: dict[str, Any]


def format_time(t: datetime) -> str:
    if t.tzinfo is None:
        raise BadEvent("time must carry a time zone", "thời điểm phải có múi giờ")
    return t.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(s: object, field: str = "time") -> datetime:
    if not isinstance(s, str) or not _TIME_RE.match(s):
        raise BadEvent(
            f"{field} must be UTC time like 2024-01-05T03:00:00Z",
            f"{field} phải là thời điểm UTC dạng 2024-01-05T03:00:00Z",
            field=field,
            value=str(s)[:64],
        )
    try:
        return datetime.fromisoformat(s)  # "Z" is UTC (Python ≥ 3.11)
    except ValueError:
        raise BadEvent(
            f"{field} is not a real date/time", f"{field} không phải ngày giờ hợp lệ", value=s
        ) from None


def parse_payload(raw: bytes) -> Payload:
    """Strictly parse a payload: canonical JSON, known keys, well-formed header fields."""
    try:
        doc = parse_canonical(raw)
    except MalformedInput as e:
        raise BadEvent(
            "payload is not canonical JSON (RFC 8785): " + e.en,
            "nội dung không phải JSON chuẩn hoá (RFC 8785): " + e.vi,
            **e.evidence,
        ) from None
    if not isinstance(doc, dict) or set(doc) != _KEYS:
        raise BadEvent(
            "payload must have exactly the keys " + ", ".join(sorted(_KEYS)),
            "nội dung phải có đúng các trường " + ", ".join(sorted(_KEYS)),
        )
    if doc["v"] != SCHEMA_VERSION:
        raise BadEvent(
            f"unsupported schema version {doc['v']!r}",
            f"phiên bản lược đồ không được hỗ trợ: {doc['v']!r}",
        )
    if not isinstance(doc["type"], str) or not doc["type"].isascii():
        raise BadEvent("type must be a string", "loại sự kiện phải là chuỗi ký tự")
    if not isinstance(doc["unit"], str) or not _UNIT.match(doc["unit"]):
        raise BadEvent(
            "unit must be a unit code (2, 3 or 5 digits)",
            "đơn vị phải là mã đơn vị hành chính (2, 3 hoặc 5 chữ số)",
            unit=str(doc["unit"])[:16],
        )
    year = doc["year"]
    if year is not None and (type(year) is not int or not 2000 <= year <= 2100):
        raise BadEvent("year must be between 2000 and 2100", "năm phải trong khoảng 2000–2100")
    prev = doc["prev"]
    if prev is not None and (not isinstance(prev, str) or not _HEX64.match(prev)):
        raise BadEvent("prev must be a 64-hex hash or null", "prev phải là mã băm 64 ký tự hex")
    signers = doc["signers"]
    if (
        not isinstance(signers, list)
        or not 1 <= len(signers) <= 8
        or not all(isinstance(s, str) and _HEX64.match(s) for s in signers)
        or len(set(signers)) != len(signers)
    ):
        raise BadEvent(
            "signers must list 1 to 8 distinct key ids",
            "signers phải liệt kê từ 1 đến 8 mã khoá khác nhau",
        )
    if not isinstance(doc["data"], dict):
        raise BadEvent("data must be an object", "data phải là một đối tượng JSON")
    return Payload(
        type=doc["type"],
        v=doc["v"],
        unit=doc["unit"],
        year=year,
        prev=prev,
        signers=tuple(signers),
        time=parse_time(doc["time"]),
        data=doc["data"],
    )


@lru_cache(maxsize=65_536)
def _accepted_time(s: str) -> datetime:
    return datetime.fromisoformat(s)  # signing times repeat: the cache is cheaper


def accepted_payload(raw: bytes) -> Payload:
    """The payload of bytes that ``parse_payload`` has already accepted (in a verifier's
    worker process, or by the judge before the ledger stored it): the same value, with no
    check repeated."""
    doc = load_accepted(raw)
    return Payload(
        doc["type"],
        doc["v"],
        doc["unit"],
        doc["year"],
        doc["prev"],
        tuple(doc["signers"]),
        _accepted_time(doc["time"]),
        doc["data"],
    )
