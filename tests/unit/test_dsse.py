"""DSSE v1 envelopes: PAE, strict parsing, multi-signature, tampering."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.canonical import canonical_json
from verify.dsse import (
    PAYLOAD_TYPE,
    Envelope,
    Signature,
    encode_envelope,
    pae,
    parse_envelope,
    verify_signatures,
)
from verify.errors import BadSignature, LocalizedError, MalformedInput, UnknownKey
from verify.keys import PublicKey, public_key_from_crypto

ED = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
EC = ec.derive_private_key(123456789, ec.SECP256R1())
ED_PUB = public_key_from_crypto(ED.public_key())
EC_PUB = public_key_from_crypto(EC.public_key())
KEYS = {ED_PUB.key_id: ED_PUB, EC_PUB.key_id: EC_PUB}
PAYLOAD = canonical_json({"type": "SelfScoreRecorded", "unit": "32014", "ghi_chu": "Đạt chuẩn"})


def signed(payload: bytes, *signers: Any) -> bytes:
    sigs = []
    for private in signers:
        msg = pae(PAYLOAD_TYPE, payload)
        if isinstance(private, ec.EllipticCurvePrivateKey):
            sig = private.sign(msg, ec.ECDSA(hashes.SHA256()))
        else:
            sig = private.sign(msg)
        sigs.append(Signature(public_key_from_crypto(private.public_key()).key_id, sig))
    return encode_envelope(PAYLOAD_TYPE, payload, sigs)


def doc(raw: bytes) -> dict[str, Any]:
    d: dict[str, Any] = json.loads(raw)
    return d


def test_pae_known_answer_from_the_dsse_spec() -> None:
    assert (
        pae("http://example.com/HelloWorld", b"hello world")
        == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_pae_counts_bytes_not_characters() -> None:
    assert pae("t", "ạ".encode()) == b"DSSEv1 1 t 3 " + "ạ".encode()
    assert pae("", b"") == b"DSSEv1 0  0 "


def test_envelope_layout_is_canonical_json_of_the_dsse_fields() -> None:
    raw = signed(PAYLOAD, ED)
    d = doc(raw)
    assert list(d) == ["payload", "payloadType", "signatures"]
    assert base64.b64decode(d["payload"]) == PAYLOAD
    assert d["payloadType"] == PAYLOAD_TYPE
    assert d["signatures"][0]["keyid"] == ED_PUB.key_id
    assert raw == canonical_json(d)


@settings(max_examples=50)
@given(
    payload=st.binary(max_size=200),
    sigs=st.lists(
        st.tuples(st.binary(min_size=32, max_size=32), st.binary(max_size=80)),
        min_size=1,
        max_size=8,
        unique_by=lambda t: t[0],
    ),
)
def test_encode_then_parse_is_identity(payload: bytes, sigs: list[tuple[bytes, bytes]]) -> None:
    signatures = tuple(Signature(k.hex(), s) for k, s in sigs)
    raw = encode_envelope(PAYLOAD_TYPE, payload, signatures)
    env = parse_envelope(raw)
    assert env == Envelope(PAYLOAD_TYPE, payload, signatures)
    assert env.raw == raw
    assert len(env.digest) == 32 and env.hash_hex == env.digest.hex()


def test_single_signature_verifies() -> None:
    env = parse_envelope(signed(PAYLOAD, ED))
    verify_signatures(env, KEYS)
    assert env.payload == PAYLOAD


def test_multi_signature_envelope_ed25519_and_ecdsa() -> None:
    env = parse_envelope(signed(PAYLOAD, ED, EC))
    assert [s.keyid for s in env.signatures] == [ED_PUB.key_id, EC_PUB.key_id]
    verify_signatures(env, KEYS)
    with pytest.raises(UnknownKey) as e:
        verify_signatures(env, {ED_PUB.key_id: ED_PUB})
    assert e.value.evidence == {"keyid": EC_PUB.key_id, "index": 1}


def test_signature_swapped_between_signers_fails() -> None:
    env = parse_envelope(signed(PAYLOAD, ED, EC))
    a, b = env.signatures
    swapped = Envelope(
        PAYLOAD_TYPE, PAYLOAD, (Signature(a.keyid, b.sig), Signature(b.keyid, a.sig))
    )
    with pytest.raises(BadSignature) as e:
        verify_signatures(swapped, KEYS)
    assert e.value.evidence["index"] == 0 and e.value.evidence["keyid"] == a.keyid


def test_signature_over_another_payload_type_fails() -> None:
    sig = ED.sign(pae("application/json", PAYLOAD))
    env = Envelope(PAYLOAD_TYPE, PAYLOAD, (Signature(ED_PUB.key_id, sig),))
    with pytest.raises(BadSignature):
        verify_signatures(env, KEYS)


def test_every_single_bit_flip_is_caught() -> None:
    raw = signed(b'{"a":1}', ED)
    verify_signatures(parse_envelope(raw), KEYS)
    caught = 0
    for i in range(len(raw) * 8):
        bad = bytearray(raw)
        bad[i // 8] ^= 1 << (i % 8)
        with pytest.raises((MalformedInput, BadSignature, UnknownKey)):
            verify_signatures(parse_envelope(bytes(bad)), KEYS)
        caught += 1
    assert caught == len(raw) * 8


def test_missing_signature_is_refused() -> None:
    d = doc(signed(PAYLOAD, ED))
    d["signatures"] = []
    with pytest.raises(MalformedInput):
        parse_envelope(canonical_json(d))
    with pytest.raises(MalformedInput):
        encode_envelope(PAYLOAD_TYPE, PAYLOAD, [])
    with pytest.raises(MalformedInput):
        verify_signatures(Envelope(PAYLOAD_TYPE, PAYLOAD, ()), KEYS)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(extra="x"),
        lambda d: d["signatures"][0].update(extra="x"),
        lambda d: d["signatures"][0].update(public_key="x"),
        lambda d: d.pop("payloadType"),
        lambda d: d["signatures"][0].pop("keyid"),
        lambda d: d.update(payloadType="application/vnd.in-toto+json"),
        lambda d: d.update(payload=d["payload"].rstrip("=")),
        lambda d: d.update(payload=d["payload"].replace("+", "-").replace("/", "_") + "-"),
        lambda d: d.update(payload=1),
        lambda d: d.update(signatures={"keyid": "x"}),
        lambda d: d["signatures"].append("x"),
        lambda d: d["signatures"][0].update(keyid=d["signatures"][0]["keyid"].upper()),
        lambda d: d["signatures"][0].update(keyid=d["signatures"][0]["keyid"][:-1]),
        lambda d: d["signatures"][0].update(sig=d["signatures"][0]["sig"] + "\n"),
    ],
    ids=[
        "extra-field",
        "extra-signature-field",
        "public-key-field",
        "no-payload-type",
        "no-keyid",
        "other-payload-type",
        "unpadded-payload",
        "urlsafe-payload",
        "payload-not-string",
        "signatures-not-list",
        "signature-not-object",
        "uppercase-keyid",
        "short-keyid",
        "sig-with-newline",
    ],
)
def test_malformed_envelopes_are_refused(mutate: Any) -> None:
    d = doc(signed(PAYLOAD, ED))
    mutate(d)
    with pytest.raises(MalformedInput):
        parse_envelope(canonical_json(d))
    with pytest.raises(MalformedInput):
        parse_envelope(json.dumps(d).encode(), require_canonical=False)


def test_duplicate_keyid_is_refused() -> None:
    d = doc(signed(PAYLOAD, ED))
    d["signatures"].append(dict(d["signatures"][0]))
    with pytest.raises(MalformedInput) as e:
        parse_envelope(canonical_json(d))
    assert e.value.evidence["keyid"] == ED_PUB.key_id
    sig = Signature(ED_PUB.key_id, b"x")
    with pytest.raises(MalformedInput):
        encode_envelope(PAYLOAD_TYPE, PAYLOAD, [sig, sig])


def test_too_many_signatures_are_refused() -> None:
    sigs = [Signature(f"{i:064x}", b"s") for i in range(9)]
    raw = encode_envelope(PAYLOAD_TYPE, PAYLOAD, sigs)
    with pytest.raises(MalformedInput):
        parse_envelope(raw)
    assert len(parse_envelope(raw, max_signatures=9).signatures) == 9


def test_oversized_envelope_is_refused() -> None:
    raw = signed(b"x" * 1_000_000, ED)
    assert len(raw) > 1_048_576
    with pytest.raises(MalformedInput) as e:
        parse_envelope(raw)
    assert e.value.evidence["size"] == len(raw)
    small = signed(PAYLOAD, ED)
    with pytest.raises(MalformedInput):
        parse_envelope(small, max_bytes=len(small) - 1)
    assert parse_envelope(small, max_bytes=len(small)).raw == small


def test_non_canonical_envelope_needs_require_canonical_false() -> None:
    raw = signed(PAYLOAD, ED, EC)
    loose = json.dumps(doc(raw), indent=2).encode()
    reordered = json.dumps(dict(reversed(list(doc(raw).items())))).encode()
    for variant in (loose, reordered, b" " + raw):
        with pytest.raises(MalformedInput):
            parse_envelope(variant)
        env = parse_envelope(variant, require_canonical=False)
        assert env.raw == raw
        verify_signatures(env, KEYS)


def test_only_localized_errors_escape_on_garbage() -> None:
    for data in (b"", b"\xff", b"[]", b"null", b'{"payload":', b"{}" * 10, "ạ".encode()):
        with pytest.raises(LocalizedError):
            parse_envelope(data)


def test_key_mapping_entry_under_other_id_still_checks_the_signature() -> None:
    raw = signed(PAYLOAD, ED)
    env = parse_envelope(raw)
    wrong: dict[str, PublicKey] = {ED_PUB.key_id: EC_PUB}
    with pytest.raises(BadSignature):
        verify_signatures(env, wrong)
