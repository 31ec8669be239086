"""Writing the signed payload: Unicode NFC at the boundary, RFC 8785 via ``rfc8785``.

The format and its strict parser are in ``verify.process.payload``; what is built here is
parsed back before it is signed, so the writer can never produce what a verifier refuses.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

import rfc8785

from verify.process.payload import SCHEMA_VERSION, format_time, parse_payload


def nfc(value: Any) -> Any:
    """Normalise every string to Unicode NFC (the signed form)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [nfc(v) for v in value]
    return value


def build_payload(
    type: str,
    unit: str,
    year: int | None,
    prev: str | None,
    signers: list[str] | tuple[str, ...],
    time: datetime,
    data: dict[str, Any],
) -> bytes:
    doc = {
        "type": type,
        "v": SCHEMA_VERSION,
        "unit": unit,
        "year": year,
        "prev": prev,
        "signers": list(signers),
        "time": format_time(time),
        "data": nfc(data),
    }
    raw = bytes(rfc8785.dumps(doc))
    parse_payload(raw)  # refuse at write time what a verifier would refuse
    return raw
