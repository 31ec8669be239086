"""The verifier's fast paths accept exactly what the full checks accept, with the same result,
and leave everything else to the full checks, which refuse it with the same errors:
the canonical DSSE envelope shape (``verify.dsse``), the canonical envelope record
(``verify.bundle.format``) and the registry view's query caches (``RegistryAt``)."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from verify import dsse
from verify.bundle import format as fmt
from verify.canonical import canonical_json, parse_canonical
from verify.dsse import PAYLOAD_TYPE, Signature, encode_envelope, parse_envelope
from verify.errors import LocalizedError, MalformedInput

KID = [f"{i:064x}" for i in range(10)]


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except LocalizedError as e:
        return "refused", (type(e), e.code, e.en, e.evidence)


def _envelope_variants() -> list[bytes]:
    good = encode_envelope(PAYLOAD_TYPE, b'{"a":1}', [Signature(KID[0], b"sig")])
    two = encode_envelope(PAYLOAD_TYPE, b"", [Signature(KID[1], b"x" * 64), Signature(KID[2], b"")])
    d = json.loads(good)
    out = [good, two, good.replace(b"payloadType", b"payloadtype"), good + b" ", b" " + good]
    for payload in ("QR==", "QQ=", "QQ", "Q===", "QUJD", "QUJDRA==", "", "QUJD\n", "-_8="):
        out.append(canonical_json({**d, "payload": payload}))
    for sig in ("c2lh", "c2lg", "c2ln=", "c2lnAA==", "c2lnAB==", "", "====", "c2ln\\/"):
        out.append(canonical_json({**d, "signatures": [{"keyid": KID[0], "sig": sig}]}))
    sigs = [{"keyid": k, "sig": "c2ln"} for k in KID[:9]]
    out += [
        canonical_json({**d, "signatures": sigs}),  # nine: too many
        canonical_json({**d, "signatures": sigs[:8]}),
        canonical_json({**d, "signatures": [sigs[0], sigs[0]]}),  # the same keyid twice
        canonical_json({**d, "signatures": []}),
        canonical_json({**d, "signatures": [{"keyid": KID[0].upper(), "sig": "c2ln"}]}),
        canonical_json({**d, "signatures": [{"keyid": KID[0], "sig": "c2ln", "x": 1}]}),
        canonical_json({**d, "payloadType": "application/vnd.in-toto+json"}),
        canonical_json({**d, "extra": 1}),
        json.dumps(d).encode(),  # spaced
        json.dumps(d, sort_keys=True).encode().replace(b" ", b""),
    ]
    return out


@pytest.mark.parametrize("require_canonical", [True, False])
@pytest.mark.parametrize("max_signatures", [1, 2, 8, 9])
def test_envelope_fast_path_agrees_with_the_full_parse(
    monkeypatch: pytest.MonkeyPatch, require_canonical: bool, max_signatures: int
) -> None:
    kw = {"require_canonical": require_canonical, "max_signatures": max_signatures}
    variants = _envelope_variants()
    fast = [_outcome(lambda v=v: parse_envelope(v, **kw)) for v in variants]
    monkeypatch.setattr(dsse, "_parse_fast", lambda data, n: None)
    full = [_outcome(lambda v=v: parse_envelope(v, **kw)) for v in variants]
    for v, a, b in zip(variants, fast, full, strict=True):
        assert a == b, v
        if a[0] == "ok":
            assert a[1].raw == b[1].raw


def test_envelope_fast_path_takes_the_canonical_envelopes() -> None:
    good = encode_envelope(PAYLOAD_TYPE, b'{"a":1}', [Signature(KID[0], b"sig")])
    assert dsse._parse_fast(good, 8) is not None
    for bad in (good.replace(b'"c2ln"', b'"c2l="'), good + b"\n", good.replace(b"fQ==", b"fR==")):
        assert dsse._parse_fast(bad, 8) is None


def _record_variants() -> list[bytes]:
    rnd = random.Random(4)
    chars = [chr(c) for c in range(0x20, 0x7F)] + ['"', "\\", "\n", "\x7f", "é", "\u2028"]
    out = []
    for _ in range(3000):
        env = "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 24)))
        index = rnd.choice([0, 1, 12, 10**18, (1 << 63) - 1, 1 << 63])
        line = b'{"envelope":%s,"index":%d,"record":"envelope"}\n' % (
            json.dumps(env).encode(),
            index,
        )
        out += [
            line,
            line.replace(b'"index":', b'"index":0'),
            line.replace(b'"index":', b'"index":-'),
            line.replace(b'\\"', b"\\u0022"),
            line.replace(b"}\n", b"} \n"),
            line[:-1] + b"\r\n",
        ]
    return out


def test_record_fast_path_agrees_with_the_full_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    variants = _record_variants()
    fast = [_outcome(lambda v=v: fmt._envelope_record(v, 7, True)) for v in variants]
    assert sum(a[0] == "ok" for a in fast) > 1000

    class _Never:
        @staticmethod
        def fullmatch(line: bytes) -> None:
            return None

    monkeypatch.setattr(fmt, "_COMPLETE_LINE", _Never)
    full = [_outcome(lambda v=v: fmt._envelope_record(v, 7, True)) for v in variants]
    assert fast == full


@pytest.mark.parametrize(
    "text",
    [
        '{"a":{"b":["é",{"c":"ß"}]}}',
        '{"a\\"":"é"}',
        '{"a":"é\\":"}',
        '{"a":["x\\\\",{"é":1}]}',
        '{"z":{"y":{"é":1}}}',
        '{"a":"\\\\","é":2}',
        '{"a":"é","b\\\\":{"c":"\\"é\\""}}',
    ],
)
def test_keys_outside_ascii_are_refused_with_the_full_error(text: str) -> None:
    data = text.encode()
    try:
        parse_canonical(data)
    except MalformedInput as e:
        assert "not ASCII" in e.en or "canonical" in e.en
    else:
        assert all(k.isascii() for k in _keys(json.loads(text)))


def _keys(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        return [*obj, *(k for v in obj.values() for k in _keys(v))]
    if isinstance(obj, list):
        return [k for v in obj for k in _keys(v)]
    return []


def test_payload_base64_in_envelope_is_decoded_exactly() -> None:
    payload = "Nội dung".encode()
    raw = encode_envelope(PAYLOAD_TYPE, payload, [Signature(KID[3], b"\x00\xff")])
    env = parse_envelope(raw)
    assert env.payload == payload and env.signatures[0].sig == b"\x00\xff" and env.raw == raw
    assert json.loads(raw)["payload"] == base64.b64encode(payload).decode()


@pytest.mark.parametrize("orjson_installed", [True, False])
def test_the_main_process_reads_a_checked_payload_as_the_worker_did(
    monkeypatch: pytest.MonkeyPatch, orjson_installed: bool
) -> None:
    """``accepted_payload`` (no checks, in the main process) gives exactly the ``Payload``
    that ``parse_payload`` (every check, in a worker) gave for the same bytes."""
    from verify import canonical
    from verify.process.payload import accepted_payload, parse_payload

    if not orjson_installed:
        monkeypatch.setattr(canonical, "orjson", None)
    base = {"type": "SelfScoreRecorded", "v": 1, "unit": "32014", "year": 2023,
            "prev": "ab" * 32, "signers": [KID[0], KID[1]], "time": "2024-01-05T03:00:00Z"}  # fmt: skip
    datas: list[dict[str, Any]] = [
        {}, {"indicator": "TC2.1", "value": {"kind": "ratio", "num": 3, "den": 4}},
        {"note": "Ủy ban nhân dân xã \"Tân Lộc\"\n\tđã niêm yết", "items": [True, None, -7]},
    ]  # fmt: skip
    for data in datas:
        raw = canonical_json({**base, "data": data})
        strict = parse_payload(raw)
        fast = accepted_payload(raw)
        assert fast == strict and type(fast.signers) is tuple and fast.time == strict.time
    registry = canonical_json({**base, "year": None, "prev": None, "unit": "96", "data": {}})
    assert accepted_payload(registry) == parse_payload(registry)
