"""Signed notes, checkpoints, cosignatures and tlog-proofs: vectors, round trips, tampering."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from verify.errors import MalformedInput, NoteError, VerificationError
from verify.merkle import (
    NodeId,
    TreeBuilder,
    assemble,
    inclusion_plan,
    leaf_hash,
    verify_inclusion,
)
from verify.note import (
    Checkpoint,
    TlogProof,
    Verifier,
    add_signatures,
    cosign,
    cosignature_vkey,
    format_checkpoint,
    format_tlog_proof,
    generate_cosigner_key,
    generate_signer_key,
    make_cosigner_key,
    make_signer_key,
    open_note,
    parse_checkpoint,
    parse_tlog_proof,
    parse_verifier_key,
    sign_note,
    verifier_key_of,
)

SHARED = next(p for p in Path(__file__).resolve().parents if (p / "shared" / "vectors").is_dir()) / "shared" / "vectors"
XMOD = json.loads((SHARED / "signed_note_xmod.json").read_text())
C2SP = json.loads((SHARED / "c2sp_checkpoint_example.json").read_text())
PETER = XMOD["signed_note"]

LOG_KEY = make_signer_key("example.org/log", bytes(range(32)))
LOG = parse_verifier_key(verifier_key_of(LOG_KEY))
WITNESS_KEY = make_cosigner_key("witness.example/w1", bytes(range(32, 64)))
WITNESS = parse_verifier_key(cosignature_vkey(WITNESS_KEY))
BODY = format_checkpoint(Checkpoint("example.org/log", 5, leaf_hash(b"root")))


def flipped_notes(note: str) -> list[str]:
    """Every single-bit change of the note's UTF-8 bytes, decoded without loss."""
    raw = note.encode()
    out = []
    for i in range(len(raw)):
        for bit in range(8):
            changed = raw[:i] + bytes([raw[i] ^ (1 << bit)]) + raw[i + 1 :]
            out.append(changed.decode("utf-8", "surrogateescape"))
    return out


# --- Go's x/mod vectors ---


def test_go_signer_key_gives_the_published_verifier_key_and_note() -> None:
    assert verifier_key_of(PETER["signer_key"]) == PETER["verifier_key"]
    assert sign_note(PETER["text"], PETER["signer_key"]) == PETER["note"]
    peter = parse_verifier_key(PETER["verifier_key"])
    assert (peter.name, peter.key_id.hex(), peter.kind) == ("PeterNeumann", "c74f20a3", "ed25519")
    expected_id = hashlib.sha256(b"PeterNeumann\n\x01" + peter.public_key).digest()[:4]
    assert peter.key_id == expected_id
    opened = open_note(PETER["note"], [peter])
    assert opened.text == PETER["text"]
    assert [s.verifier for s in opened.verified] == [peter] and opened.unknown == []
    assert opened.verified[0].timestamp is None


def test_go_tree_note_parses_with_record_hash_of_hello_world() -> None:
    tree = XMOD["tree_note"]
    cp = parse_checkpoint(tree["text"])
    assert cp.origin == "go.sum database tree"
    assert cp.size == tree["tree_size"] == 123456789012
    assert cp.root == leaf_hash(tree["root_is_leaf_hash_of"].encode())  # tlog.RecordHash
    assert format_checkpoint(cp) == tree["text"]


def test_every_bit_flip_in_a_signed_note_fails() -> None:
    peter = parse_verifier_key(PETER["verifier_key"])
    for bad in flipped_notes(PETER["note"]):
        try:
            opened = open_note(bad, [peter])
        except VerificationError:
            continue  # malformed, or a known key whose signature fails
        # Otherwise the flip changed the name or key id: the line is no longer ours.
        assert opened.verified == [], bad


# --- C2SP checkpoint example ---


def test_c2sp_example_parses_and_stays_unverified_under_other_keys() -> None:
    opened = open_note(C2SP["note"], [LOG, parse_verifier_key(PETER["verifier_key"])])
    assert opened.verified == []
    assert opened.unknown == [C2SP["note"].split("\n\n")[1]]
    cp = parse_checkpoint(opened.text)
    assert (cp.origin, cp.size) == (C2SP["origin"], C2SP["tree_size"])
    assert cp.root == base64.b64decode(C2SP["root_base64"]) and cp.extensions == ()


def test_a_key_sharing_only_the_name_is_ignored_but_a_known_key_must_verify() -> None:
    line = C2SP["note"].split("\n\n")[1]
    kid = base64.b64decode(line.split(" ")[2])[:4]
    same_name = parse_verifier_key(verifier_key_of(make_signer_key(C2SP["origin"], b"\x07" * 32)))
    assert open_note(C2SP["note"], [same_name]).verified == []
    impostor = Verifier(C2SP["origin"], kid, same_name.public_key, "ed25519")
    with pytest.raises(NoteError):
        open_note(C2SP["note"], [impostor])


# --- Cosignatures (tlog-cosignature, cosignature/v1) ---


def test_cosignature_keys_use_type_0x04() -> None:
    assert WITNESS.kind == "cosignature/v1"
    assert (
        WITNESS.key_id
        == hashlib.sha256(b"witness.example/w1\n\x04" + WITNESS.public_key).digest()[:4]
    )
    assert base64.b64decode(cosignature_vkey(WITNESS_KEY).split("+")[2])[0] == 0x04
    with pytest.raises(MalformedInput):
        cosignature_vkey(LOG_KEY)
    with pytest.raises(MalformedInput):
        sign_note(BODY, WITNESS_KEY)  # cosigner keys only make cosignatures
    with pytest.raises(MalformedInput):
        cosign(BODY, LOG_KEY, 1)


def test_cosignature_round_trip_with_log_signature() -> None:
    line = cosign(BODY, WITNESS_KEY, 1679315147)
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == WITNESS.key_id and int.from_bytes(raw[4:12], "big") == 1679315147
    assert len(raw) == 4 + 8 + 64 and line.endswith("\n")
    # tlog-cosignature "Ed25519 signed message": header line, time line, note body.
    message = b"cosignature/v1\ntime 1679315147\n" + BODY.encode()
    public = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64))).public_key()
    public.verify(raw[12:], message)
    note = add_signatures(sign_note(BODY, LOG_KEY), [line])
    opened = open_note(note, [LOG, WITNESS])
    assert [(s.verifier, s.timestamp) for s in opened.verified] == [
        (LOG, None),
        (WITNESS, 1679315147),
    ]
    # Recosigning later replaces the witness's older line.
    again = add_signatures(note, [cosign(BODY, WITNESS_KEY, 1679315200)])
    assert [s.timestamp for s in open_note(again, [WITNESS]).verified] == [1679315200]
    assert again.count("witness.example/w1") == 1


def test_cosignature_tampering_fails() -> None:
    note = add_signatures(sign_note(BODY, LOG_KEY), [cosign(BODY, WITNESS_KEY, 1679315147)])
    for bad in flipped_notes(note):
        try:
            opened = open_note(bad, [LOG, WITNESS])
        except VerificationError:
            continue
        assert len(opened.verified) < 2, bad  # the flipped line became unknown
    # The cosigned checkpoint with another time, or read as a plain Ed25519 signature, fails.
    line = cosign(BODY, WITNESS_KEY, 1679315147)
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[11] ^= 1
    forged = f"\u2014 witness.example/w1 {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError):
        open_note(BODY + "\n" + forged, [WITNESS])
    plain = Verifier(WITNESS.name, WITNESS.key_id, WITNESS.public_key, "ed25519")
    with pytest.raises(NoteError):
        open_note(BODY + "\n" + line, [plain])


# --- Malformed notes ---


@pytest.mark.parametrize(
    "note",
    [
        "text\n",  # no signature block
        "text\n\n",  # empty signature block
        "text\n\n\u2014 PeterNeumann AAAA\n",  # signature shorter than 5 bytes
        "text\n\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQ=\n",  # hyphen, not em dash
        "text\n\n\u2014 Peter Neumann x08go/ZJkuBS9UG/SffcvIAQ=\n",  # space in name
        "text\n\n\u2014 Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQ=\n",  # plus in name
        "text\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQ\n",  # unpadded base64
        "text\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQ=",  # no final newline
        "text\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQ=\n\n",
        "te\txt\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQ=\n",  # control character
        "te\udcffxt\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQ=\n",  # not UTF-8
        "text\n\n" + "\u2014 a x08go/ZJkuBS9UG/SffcvIAQ=\n" * 101,  # too many signatures
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(VerificationError):
        open_note(note, [parse_verifier_key(PETER["verifier_key"])])


def test_signing_refuses_text_without_final_newline_and_bad_keys() -> None:
    with pytest.raises(MalformedInput):
        sign_note("no newline", LOG_KEY)
    with pytest.raises(MalformedInput):
        sign_note("text\n", LOG_KEY.replace("example.org", "example.com"))  # id mismatch
    with pytest.raises(MalformedInput):
        make_signer_key("bad name", bytes(32))
    with pytest.raises(MalformedInput):
        make_signer_key("name", bytes(31))
    for vkey in ["PeterNeumann+c74f20a3", "PeterNeumann+c74f20a4+" + PETER["verifier_key"][22:]]:
        with pytest.raises(MalformedInput):
            parse_verifier_key(vkey)


def test_generated_keys_sign_and_verify() -> None:
    skey, ckey = generate_signer_key("a.example/log"), generate_cosigner_key("b.example/w")
    note = add_signatures(sign_note(BODY, skey), [cosign(BODY, ckey, 0)])
    verifiers = [
        parse_verifier_key(verifier_key_of(skey)),
        parse_verifier_key(cosignature_vkey(ckey)),
    ]
    assert len(open_note(note, verifiers).verified) == 2


# --- Checkpoints ---


@given(
    st.text(
        st.characters(min_codepoint=0x20, blacklist_categories=["Cs"]), min_size=1, max_size=40
    ),
    st.integers(0, (1 << 63) - 1),
    st.binary(min_size=32, max_size=32),
    st.lists(
        st.text(st.characters(min_codepoint=0x20, blacklist_categories=["Cs"]), min_size=1),
        max_size=3,
    ),
)
def test_checkpoint_format_then_parse_is_identity(
    origin: str, size: int, root: bytes, ext: list[str]
) -> None:
    cp = Checkpoint(origin, size, root, tuple(ext))
    assert parse_checkpoint(format_checkpoint(cp)) == cp


ROOT64 = C2SP["root_base64"]


@pytest.mark.parametrize(
    "text",
    [
        f"o\n020\n{ROOT64}\n",  # leading zero
        f"o\n+20\n{ROOT64}\n",
        f"o\n 20\n{ROOT64}\n",
        f"o\n2_0\n{ROOT64}\n",
        f"o\n٢٠\n{ROOT64}\n",  # non-ASCII digits
        f"o\n-1\n{ROOT64}\n",
        f"o\n{1 << 63}\n{ROOT64}\n",
        f"o\n{'9' * 5000}\n{ROOT64}\n",
        f"o\n20\n{ROOT64}",  # no final newline
        f"o\n20\n{ROOT64[:-1]}\n",  # unpadded
        f"o\n20\n{base64.b64encode(bytes(31)).decode()}\n",  # 31-byte root
        f"o\n20\n{ROOT64[:-2]}J=\n",  # non-canonical final bits
        f"\n20\n{ROOT64}\n",  # empty origin
        f"o\n20\n{ROOT64}\n\n",  # empty extension line
        "o\n20\n",
        f"o\r\n20\n{ROOT64}\n",
    ],
)
def test_parse_checkpoint_refuses_non_canonical_text(text: str) -> None:
    with pytest.raises(VerificationError):
        parse_checkpoint(text)


# --- tlog-proof ---


def _logged(n: int, index: int) -> tuple[list[bytes], str, bytes]:
    tree, store = TreeBuilder(), dict[NodeId, bytes]()
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(n)]
    for h in leaves:
        store.update(tree.append(h))
    body = format_checkpoint(Checkpoint("example.org/log", n, tree.root()))
    note = add_signatures(sign_note(body, LOG_KEY), [cosign(body, WITNESS_KEY, 1700000000)])
    return assemble(inclusion_plan(index, n), store), note, leaves[index]


def test_tlog_proof_round_trip_and_offline_verification() -> None:
    proof, note, leaf = _logged(1000, 737)
    text = format_tlog_proof(737, proof, note)
    assert text.startswith("c2sp.org/tlog-proof@v1\nindex 737\n")
    parsed = parse_tlog_proof(text)
    assert parsed == TlogProof(737, tuple(proof), note, None)
    opened = open_note(parsed.checkpoint_note, [LOG, WITNESS])
    assert len(opened.verified) == 2
    cp = parse_checkpoint(opened.text)
    verify_inclusion(parsed.index, cp.size, leaf, parsed.proof, cp.root)
    with_extra = format_tlog_proof(737, proof, note, extra=b"\x00vrf")
    assert with_extra.split("\n")[1] == "extra AHZyZg=="
    assert parse_tlog_proof(with_extra).extra == b"\x00vrf"


def test_tlog_proof_for_a_one_leaf_tree_has_no_hashes() -> None:
    proof, note, _ = _logged(1, 0)
    assert parse_tlog_proof(format_tlog_proof(0, proof, note)).proof == ()


def test_parse_tlog_proof_is_strict() -> None:
    proof, note, _ = _logged(8, 3)
    good = format_tlog_proof(3, proof, note)
    lines = good.split("\n")
    bad = [
        good.replace("tlog-proof@v1", "tlog-proof@v2"),
        good.replace("index 3", "index 03"),
        good.replace("index 3", "index  3"),
        good.replace("index 3\n", ""),
        good.replace(lines[2], lines[2][:-1]),  # unpadded hash
        good.replace(lines[2], base64.b64encode(bytes(31)).decode()),
        good.replace("\n\n", "\n", 1),  # no blank line before the checkpoint
        good.replace("index 3\n", "index 3\nextra AA==\n"),  # extra after index
        "\n".join([lines[0], "extra ", *lines[1:]]),  # empty extra
        good.split("\n\n")[0] + "\n\n" + BODY,  # checkpoint without signatures
        good.replace("example.org/log\n8", "example.org/log\n08"),
    ]
    for text in bad:
        with pytest.raises(VerificationError):
            parse_tlog_proof(text)
    with pytest.raises(VerificationError):
        format_tlog_proof(3, [b"short"], note)


def test_a_repeated_signature_by_a_known_key_is_checked_too() -> None:
    note = sign_note(BODY, LOG_KEY)
    line = note.split("\n\n")[1]
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[-1] ^= 1
    bad = f"\u2014 example.org/log {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError):
        open_note(note + bad, [LOG])  # Go's note.Open would skip it; the ledger does not
    assert len(open_note(note + line, [LOG]).verified) == 1  # an identical repeat is fine


@given(st.text(max_size=300))
def test_parsers_raise_only_verification_errors_on_arbitrary_text(text: str) -> None:
    peter = parse_verifier_key(PETER["verifier_key"])
    for parse in (
        parse_checkpoint,
        parse_tlog_proof,
        parse_verifier_key,
        lambda t: open_note(t, [peter]),
        lambda t: open_note(PETER["note"] + t, [peter]),
        lambda t: parse_checkpoint("o\n" + t + "\n"),
    ):
        with contextlib.suppress(VerificationError):
            parse(text)
