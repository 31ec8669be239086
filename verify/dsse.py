"""DSSE v1: in-toto's Dead Simple Signing Envelope.

Spec: https://github.com/secure-systems-lab/dsse (``protocol.md`` for PAE and
signing, ``envelope.md`` for the JSON envelope). Signatures cover
``PAE(payloadType, payload)``, never the envelope JSON, so the payload bytes are
signed exactly as stored.

This module is stricter than the spec's envelope.md, which lets parsers accept
URL-safe or unpadded base64: here every field has exactly one spelling, and the stored
envelope is the canonical JSON (RFC 8785) of its fields, so its SHA-256 names it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NoReturn

from verify.canonical import canonical_json, parse_canonical, parse_strict
from verify.errors import BadSignature, MalformedInput, UnknownKey
from verify.keys import PublicKey, decode_base64

PAYLOAD_TYPE = "application/vnd.minhbach.event+json"
MAX_BYTES = 1_048_576
MAX_SIGNATURES = 8

_KEYID = re.compile(r"[0-9a-f]{64}")
# The canonical envelope's shape, byte for byte: the three fields in sorted order, our
# payload type, 1 to 8 signatures of {keyid, sig}, strings of base64 characters only (no
# escapes, no whitespace). Whether they are canonical base64 is checked by decoding.
# ``_parse_fast`` applies it in pieces (tested to agree with it).
_B64 = rb"[A-Za-z0-9+/=]*+"
_SIG = rb'\{"keyid":"[0-9a-f]{64}","sig":"' + _B64 + rb'"\}'
_SIG_LIST = _SIG + rb"(?:," + _SIG + rb"){0,7}"
_CANONICAL = re.compile(
    rb'\{"payload":"(' + _B64 + rb')","payloadType":"application/vnd\.minhbach\.event\+json",'
    rb'"signatures":\[(' + _SIG_LIST + rb")\]\}"
)
# ``_CANONICAL`` in three pieces, so that the payload's base64 (most of the bytes) is
# scanned once, by the strict decoder, instead of also by the regex.
_HEAD = b'{"payload":"'
_MIDDLE = b'","payloadType":"application/vnd.minhbach.event+json","signatures":['
_SIGS = re.compile(_SIG_LIST)
_SIG_FIELDS = re.compile(rb'"keyid":"([0-9a-f]{64})","sig":"([^"]*)"')


def pae(payload_type: str, payload: bytes) -> bytes:
    """Pre-Authentication Encoding (DSSE protocol.md, "Signature definition").

    PAE(type, body) = "DSSEv1" + SP + LEN(type) + SP + type + SP + LEN(body) + SP + body,
    LEN being the byte length as ASCII decimal without leading zeros.
    """
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


@dataclass(frozen=True)
class Signature:
    keyid: str
    sig: bytes


@dataclass(frozen=True)
class Envelope:
    """Phong bì ký (signed envelope): a payload and its signatures."""

    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    @cached_property
    def raw(self) -> bytes:
        """The canonical envelope bytes: what is stored, hashed and logged."""
        return encode_envelope(self.payload_type, self.payload, self.signatures)

    @property
    def digest(self) -> bytes:
        """SHA-256 of ``raw``."""
        return hashlib.sha256(self.raw).digest()

    @property
    def hash_hex(self) -> str:
        return self.digest.hex()

    def pae(self) -> bytes:
        """The bytes every signature covers."""
        return pae(self.payload_type, self.payload)


def _refuse(en: str, vi: str, **evidence: Any) -> NoReturn:
    raise MalformedInput(en, vi, **evidence)


def _check_keyids(keyids: list[str]) -> None:
    for i, k in enumerate(keyids):
        if not _KEYID.fullmatch(k):
            _refuse(
                "keyid must be 64 lowercase hex digits",
                "keyid phải gồm 64 chữ số hex viết thường",
                index=i,
                keyid=k[:80],
            )
    if len(set(keyids)) != len(keyids):
        dup = next(k for k in keyids if keyids.count(k) > 1)
        _refuse(
            "the same keyid signs twice",
            "một keyid xuất hiện hai lần trong các chữ ký",
            keyid=dup,
        )


def encode_envelope(payload_type: str, payload: bytes, signatures: Iterable[Signature]) -> bytes:
    """Canonical JSON of the envelope (envelope.md fields), signatures in the given order."""
    sigs = list(signatures)
    if not sigs:
        _refuse("envelope has no signature", "phong bì không có chữ ký nào")
    _check_keyids([s.keyid for s in sigs])
    return canonical_json(
        {
            "payload": _b64(payload),
            "payloadType": payload_type,
            "signatures": [{"keyid": s.keyid, "sig": _b64(s.sig)} for s in sigs],
        }
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64_exact(text: bytes) -> bytes | None:
    """``text`` decoded if it is canonical standard base64 (what ``decode_base64`` accepts)."""
    try:
        data = binascii.a2b_base64(text, strict_mode=True)
    except binascii.Error:
        return None
    return data if binascii.b2a_base64(data, newline=False) == text else None


def _parse_fast(data: bytes, max_signatures: int) -> Envelope | None:
    """The envelope if ``data`` has exactly the canonical shape and every check of the
    full path holds by construction (the shape) or below; None for the full path."""
    if not (data.startswith(_HEAD) and data.endswith(b"]}")):
        return None
    k = data.find(_MIDDLE, len(_HEAD))
    if k < 0 or _SIGS.fullmatch(data, k + len(_MIDDLE), len(data) - 2) is None:
        return None
    # Strict decoding refuses every character outside the alphabet, as ``_B64`` does.
    payload = _b64_exact(data[len(_HEAD) : k])
    fields = _SIG_FIELDS.findall(data, k + len(_MIDDLE))
    if payload is None or len(fields) > max_signatures:
        return None
    sigs = []
    for keyid, text in fields:
        sig = _b64_exact(text)
        if sig is None:
            return None
        sigs.append(Signature(keyid.decode("ascii"), sig))
    if len({s.keyid for s in sigs}) != len(sigs):
        return None
    env = Envelope(PAYLOAD_TYPE, payload, tuple(sigs))
    env.__dict__["raw"] = data
    return env


def _field(obj: dict[str, Any], name: str, kind: type) -> Any:
    value = obj[name]
    if not isinstance(value, kind):
        _refuse(
            f"envelope field {name} has the wrong type",
            f"trường {name} của phong bì có kiểu dữ liệu sai",
            field=name,
            expected=kind.__name__,
        )
    return value


def _exact_keys(obj: object, keys: set[str], what: str) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != keys:
        _refuse(
            f"{what} must be a JSON object with exactly the keys {', '.join(sorted(keys))}",
            f"{what} phải là đối tượng JSON có đúng các khóa {', '.join(sorted(keys))}",
            keys=sorted(obj)[:8] if isinstance(obj, dict) else None,
        )
    return obj


def parse_envelope(
    data: bytes,
    *,
    require_canonical: bool = True,
    max_bytes: int = MAX_BYTES,
    max_signatures: int = MAX_SIGNATURES,
) -> Envelope:
    """Strictly parse a DSSE envelope.

    With ``require_canonical`` (the default, for stored envelopes) ``data`` must be the
    canonical bytes. Without it (for the HTTP API) any whitespace and key order is
    accepted, and the returned envelope's ``raw`` is the canonical re-encoding.
    """
    # 1. Size cap before any parsing.
    if len(data) > max_bytes:
        _refuse(
            "envelope is too large",
            "phong bì quá lớn",
            size=len(data),
            max_bytes=max_bytes,
        )
    # 2. Strict JSON (canonical if required). Canonical input is the common case even
    #    when not required (our own writers send it), so try that first: its exact shape
    #    at C speed, else the canonical JSON parse.
    fast = _parse_fast(data, max_signatures)
    if fast is not None:
        return fast
    canonical = True
    try:
        doc = parse_canonical(data)
    except MalformedInput:
        if require_canonical:
            raise
        doc, canonical = parse_strict(data), False
    # 3. Exactly the three fields of envelope.md.
    obj = _exact_keys(doc, {"payload", "payloadType", "signatures"}, "envelope")
    # 4. Our payload type only.
    payload_type = _field(obj, "payloadType", str)
    if payload_type != PAYLOAD_TYPE:
        _refuse(
            f"payloadType must be {PAYLOAD_TYPE}",
            f"payloadType phải là {PAYLOAD_TYPE}",
            payload_type=payload_type[:80],
        )
    # 5. Payload: strict base64.
    payload = decode_base64(_field(obj, "payload", str), field="payload")
    # 6. Signatures: 1..max_signatures, each {keyid, sig}, keyids distinct.
    entries = _field(obj, "signatures", list)
    if not 1 <= len(entries) <= max_signatures:
        _refuse(
            f"envelope must carry 1 to {max_signatures} signatures",
            f"phong bì phải có từ 1 đến {max_signatures} chữ ký",
            count=len(entries),
        )
    sigs: list[Signature] = []
    for entry in entries:
        e = _exact_keys(entry, {"keyid", "sig"}, "signature")
        keyid = _field(e, "keyid", str)
        sig = decode_base64(_field(e, "sig", str), field="sig")
        sigs.append(Signature(keyid, sig))
    _check_keyids([s.keyid for s in sigs])
    env = Envelope(payload_type, payload, tuple(sigs))
    # 7. Canonical input with exactly these fields is its own canonical encoding.
    if canonical:
        env.__dict__["raw"] = data
    return env


def verify_signatures(env: Envelope, keys: Mapping[str, PublicKey]) -> None:
    """Check that every signature is by a key in ``keys`` and verifies over PAE.

    ``keys`` maps key id to key: it is the caller's list of trusted keys.
    """
    if not env.signatures:
        _refuse("envelope has no signature", "phong bì không có chữ ký nào")
    _check_keyids([s.keyid for s in env.signatures])
    message = env.pae()
    for index, s in enumerate(env.signatures):
        key = keys.get(s.keyid)
        if key is None:
            raise UnknownKey(
                f"signature {index + 1} is by a key that is not trusted",
                f"chữ ký thứ {index + 1} thuộc một khóa không có trong danh sách khóa tin cậy",
                keyid=s.keyid,
                index=index,
            )
        try:
            key.verify(s.sig, message)
        except BadSignature as e:
            raise BadSignature(
                f"signature {index + 1} does not verify",
                f"chữ ký thứ {index + 1} không hợp lệ",
                keyid=s.keyid,
                index=index,
                alg=key.alg,
                envelope=env.hash_hex,
            ) from e
