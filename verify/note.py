"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 and cosignature/v1 keys.

Key strings follow Go's ``golang.org/x/mod/sumdb/note``:
signer "PRIVATE+KEY+<name>+<hex key id>+base64(type || seed)",
verifier "<name>+<hex key id>+base64(type || public key)", where the key id is
SHA-256(name || 0x0A || type || public key)[:4] (signed-note "Signatures").
Checkpoints (tlog-checkpoint) and offline proofs (tlog-proof) live in
``verify.checkpoint`` and are re-exported here.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from verify.checkpoint import Checkpoint as Checkpoint  # re-exported
from verify.checkpoint import TlogProof as TlogProof
from verify.checkpoint import b64decode, check_text
from verify.checkpoint import format_checkpoint as format_checkpoint
from verify.checkpoint import format_tlog_proof as format_tlog_proof
from verify.checkpoint import parse_checkpoint as parse_checkpoint
from verify.checkpoint import parse_tlog_proof as parse_tlog_proof
from verify.errors import MalformedInput, NoteError

ED25519 = 0x01  # signed-note "Signature types"
COSIGNATURE_V1 = 0x04  # timestamped Ed25519 witness cosignatures (tlog-cosignature)
KINDS = {ED25519: "ed25519", COSIGNATURE_V1: "cosignature/v1"}
MAX_SIGNATURES = 100  # signed-note: verifiers MUST accept at least 16
MAX_TIMESTAMP = (1 << 63) - 1  # tlog-cosignature: timestamp MUST NOT exceed 2^63 - 1
SIG_PREFIX = "\u2014 "  # em dash, space


def valid_name(name: str) -> bool:
    """signed-note: key names are non-empty, without Unicode spaces or "+"."""
    return bool(name) and "+" not in name and not any(c.isspace() or c < " " for c in name)


def key_id(name: str, kind: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([kind]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A trusted public key: name, 4-byte key id, raw Ed25519 key, kind."""

    name: str
    key_id: bytes
    public_key: bytes
    kind: str  # "ed25519" or "cosignature/v1"

    @property
    def vkey(self) -> str:
        kind = ED25519 if self.kind == "ed25519" else COSIGNATURE_V1
        encoded = base64.b64encode(bytes([kind]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


_KEY_VI = {"signer": "khoá ký", "verifier": "khoá xác minh", "cosigner": "khoá đồng ký"}


def _bad_key(what: str) -> MalformedInput:
    return MalformedInput(f"malformed {what} key", f"{_KEY_VI[what]} sai định dạng", what=what)


def _make_key(name: str, kind: int, seed: bytes) -> str:
    if not valid_name(name) or not isinstance(seed, bytes) or len(seed) != 32:
        raise _bad_key("signer")
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    encoded = base64.b64encode(bytes([kind]) + seed).decode("ascii")
    return f"PRIVATE+KEY+{name}+{key_id(name, kind, public).hex()}+{encoded}"


def make_signer_key(name: str, seed: bytes) -> str:
    """Ed25519 signer key (type 0x01) from a 32-byte RFC 8032 seed."""
    return _make_key(name, ED25519, seed)


def generate_signer_key(name: str) -> str:
    return make_signer_key(name, os.urandom(32))


def parse_signer_key(skey: str) -> tuple[str, int, Ed25519PrivateKey]:
    """(name, type byte, private key) of a signer key; the key id must match."""
    parts = skey.split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or not valid_name(parts[2]):
        raise _bad_key("signer")
    raw = b64decode(parts[4], "signer key")
    if len(raw) != 33 or raw[0] not in KINDS:
        raise _bad_key("signer")
    private = Ed25519PrivateKey.from_private_bytes(raw[1:])
    if key_id(parts[2], raw[0], private.public_key().public_bytes_raw()).hex() != parts[3]:
        raise _bad_key("signer")
    return parts[2], raw[0], private


def verifier_key_of(signer_key: str) -> str:
    name, kind, private = parse_signer_key(signer_key)
    public = private.public_key().public_bytes_raw()
    return Verifier(name, key_id(name, kind, public), public, KINDS[kind]).vkey


def parse_verifier_key(vkey: str) -> Verifier:
    """Parse "<name>+<hex id>+base64(type || key)"; types 0x01 and 0x04 only."""
    parts = vkey.split("+", 2)
    if len(parts) != 3 or not valid_name(parts[0]):
        raise _bad_key("verifier")
    raw = b64decode(parts[2], "verifier key")
    if len(raw) != 33 or raw[0] not in KINDS or key_id(parts[0], raw[0], raw[1:]).hex() != parts[1]:
        raise _bad_key("verifier")
    return Verifier(parts[0], bytes.fromhex(parts[1]), raw[1:], KINDS[raw[0]])


def signature_line(name: str, kid: bytes, signature: bytes) -> str:
    """signed-note: "— <key name> base64(key id || signature)" and a newline."""
    return f"{SIG_PREFIX}{name} {base64.b64encode(kid + signature).decode('ascii')}\n"


def parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    """(name, key id, signature) of one signature line, without its newline."""
    name, _, encoded = line.removeprefix(SIG_PREFIX).partition(" ")
    if not line.startswith(SIG_PREFIX) or not valid_name(name):
        raise NoteError("malformed signature line", "dòng chữ ký sai định dạng", line=line[:200])
    raw = b64decode(encoded, "signature line")
    if len(raw) < 5:
        raise NoteError("signature too short", "chữ ký quá ngắn", line=line[:200])
    return name, raw[:4], raw[4:]


def split_note(note: str) -> tuple[str, list[str]]:
    """(text, signature lines each ending in newline); checks form, not signatures."""
    check_text(note, "note")
    split = note.rfind("\n\n")  # the last blank line separates text and signatures
    text, sigs = note[: split + 1], note[split + 2 :]
    if split < 0 or not sigs.endswith("\n"):
        raise NoteError("note has no signature block", "ghi chú không có khối chữ ký")
    lines = [line + "\n" for line in sigs[:-1].split("\n")]
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures", "quá nhiều chữ ký", count=len(lines))
    for line in lines:
        parse_signature_line(line[:-1])
    return text, lines


def _check_body(text: str) -> None:
    check_text(text, "note text")
    if not text.endswith("\n"):
        raise MalformedInput(
            "note text must end in newline", "văn bản ghi chú phải kết thúc bằng xuống dòng"
        )


def sign_note(text: str, signer_key: str) -> str:
    """Sign ``text`` with an Ed25519 signer key; returns the signed note."""
    _check_body(text)
    name, kind, private = parse_signer_key(signer_key)
    if kind != ED25519:
        raise _bad_key("signer")
    kid = key_id(name, kind, private.public_key().public_bytes_raw())
    return text + "\n" + signature_line(name, kid, private.sign(text.encode("utf-8")))


def add_signatures(note: str, lines: Sequence[str]) -> str:
    """Add signature lines to a note; a new line replaces one with the same name and id."""
    text, existing = split_note(note)
    added = [line if line.endswith("\n") else line + "\n" for line in lines]
    keys = {parse_signature_line(line[:-1])[:2] for line in added}
    kept = [line for line in existing if parse_signature_line(line[:-1])[:2] not in keys]
    merged = list(dict.fromkeys(kept + added))
    if len(merged) > MAX_SIGNATURES:
        raise NoteError("too many signatures", "quá nhiều chữ ký", count=len(merged))
    return text + "\n" + "".join(merged)


def cosignature_message(timestamp: int, body: str) -> bytes:
    """tlog-cosignature "Ed25519 signed message": header, time line, note body."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


@dataclass(frozen=True)
class NoteSignature:
    verifier: Verifier
    signature: bytes  # the signature bytes after the key id
    timestamp: int | None  # cosignature/v1 only: POSIX seconds


@dataclass(frozen=True)
class OpenedNote:
    text: str
    verified: list[NoteSignature]
    unknown: list[str]  # signature lines from keys not given, each ending in newline


def _check_signature(v: Verifier, text: str, sig: bytes) -> int | None:
    """Verify one signature; return its timestamp for cosignatures."""
    timestamp, message = None, text.encode("utf-8")
    if v.kind == "cosignature/v1":
        # tlog-cosignature: timestamped_signature = u64 timestamp (big-endian) || sig[64]
        timestamp, sig = int.from_bytes(sig[:8], "big"), sig[8:]
        message = cosignature_message(timestamp, text)
    try:
        if len(sig) != 64 or (timestamp or 0) > MAX_TIMESTAMP:
            raise InvalidSignature
        Ed25519PublicKey.from_public_bytes(v.public_key).verify(sig, message)
    except (InvalidSignature, ValueError):
        raise NoteError(
            "signature from a known key does not verify",
            "chữ ký của một khoá đã biết không hợp lệ",
            key_name=v.name,
            key_id=v.key_id.hex(),
        ) from None
    return timestamp


def open_note(note: str, verifiers: Sequence[Verifier]) -> OpenedNote:
    """Parse a note and check every signature by a given key (signed-note "Signatures").

    A known (name, key id) whose signature fails raises ``NoteError``; other lines are
    returned in ``unknown``. ``verified`` may be empty: callers require what they trust.
    """
    # 1. Index the trusted keys by (name, key id); two different keys there are ambiguous.
    known: dict[tuple[str, bytes], Verifier] = {}
    for trusted in verifiers:
        if known.setdefault((trusted.name, trusted.key_id), trusted) != trusted:
            raise NoteError(
                "ambiguous verifier keys", "khoá xác minh trùng tên và mã", key_name=trusted.name
            )
    # 2. Split text from signature lines, checking their form.
    text, lines = split_note(note)
    verified: dict[tuple[str, bytes], NoteSignature] = {}
    unknown: list[str] = []
    for line in lines:
        name, kid, sig = parse_signature_line(line[:-1])
        v = known.get((name, kid))
        if v is None:
            # 3. Unknown keys are ignored (kept once), even if name or id match a known key.
            if line not in unknown:
                unknown.append(line)
            continue
        # 4. Every signature from a known key must verify, repeats included.
        timestamp = _check_signature(v, text, sig)
        verified.setdefault((name, kid), NoteSignature(v, sig, timestamp))
    return OpenedNote(text, list(verified.values()), unknown)


def make_cosigner_key(name: str, seed: bytes) -> str:
    """cosignature/v1 signer key: type 0x04, key id over 0x04 || public key."""
    return _make_key(name, COSIGNATURE_V1, seed)


def generate_cosigner_key(name: str) -> str:
    return make_cosigner_key(name, os.urandom(32))


def cosignature_vkey(cosigner_key: str) -> str:
    """Verifier key (type 0x04, tlog-cosignature) of a cosigner key."""
    if parse_signer_key(cosigner_key)[1] != COSIGNATURE_V1:
        raise _bad_key("cosigner")
    return verifier_key_of(cosigner_key)


def cosign(checkpoint_body: str, signer_key: str, timestamp: int) -> str:
    """A cosignature/v1 signature line (ending in newline) over a checkpoint body."""
    parse_checkpoint(checkpoint_body)
    name, kind, private = parse_signer_key(signer_key)
    if (
        kind != COSIGNATURE_V1
        or not isinstance(timestamp, int)
        or not 0 <= timestamp <= MAX_TIMESTAMP
    ):
        raise _bad_key("cosigner")
    signature = private.sign(cosignature_message(timestamp, checkpoint_body))
    kid = key_id(name, kind, private.public_key().public_bytes_raw())
    return signature_line(name, kid, timestamp.to_bytes(8, "big") + signature)
