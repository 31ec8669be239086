"""C2SP checkpoints (tlog-checkpoint) and offline proofs (tlog-proof), parsed strictly.

Also the strict text helpers the signed-note code shares. ``verify.note`` re-exports
everything public here, so callers may import either module.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from verify.errors import MalformedInput, NoteError

HASH_SIZE = 32
MAX_NOTE_BYTES = 1 << 20
MAX_EXTENSIONS = 16
MAX_SIZE = (1 << 63) - 1
MAX_PROOF_HASHES = 63  # an inclusion proof in a tree below 2^63 leaves is shorter
PROOF_HEADER = "c2sp.org/tlog-proof@v1"


def b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 (RFC 4648 §4): canonical and padded, nothing else."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or base64.b64encode(raw).decode("ascii") != text:
        raise MalformedInput(f"bad base64 in {what}", f"base64 không hợp lệ ở {what}", what=what)
    return raw


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def check_text(text: str, what: str) -> None:
    """signed-note "Format": valid UTF-8, no ASCII control character but newline."""
    if not isinstance(text, str):
        raise MalformedInput(f"{what} is not text", f"{what} không phải văn bản", what=what)
    bad = next((i for i, c in enumerate(text) if c < " " and c != "\n"), None)
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        bad, size = -1, 0
    if bad is not None or size > MAX_NOTE_BYTES:
        raise MalformedInput(
            f"{what}: control character, invalid UTF-8 or too long",
            f"{what}: có ký tự điều khiển, UTF-8 không hợp lệ hoặc quá dài",
            what=what,
            position=bad,
        )


def decimal(text: str, what: str, limit: int = MAX_SIZE) -> int:
    """ASCII decimal with no leading zeroes ("0" for zero), at most ``limit``."""
    ok = len(text) <= 20 and text.isascii() and text.isdigit()
    if not ok or str(int(text)) != text or int(text) > limit:
        raise MalformedInput(
            f"bad decimal in {what}",
            f"số thập phân không chuẩn ở {what}",
            what=what,
            value=text[:40],
        )
    return int(text)


def _bad_checkpoint(en: str, vi: str, **evidence: object) -> NoteError:
    return NoteError(f"bad checkpoint: {en}", f"điểm kiểm tra (checkpoint) sai: {vi}", **evidence)


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed tree head (tlog-checkpoint "Note text")."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for line in (self.origin, *self.extensions):
            check_text(line, "checkpoint")
            if not line or "\n" in line:  # every line non-empty, one line each
                raise _bad_checkpoint("empty or multi-line field", "trường rỗng hoặc nhiều dòng")
        if not isinstance(self.size, int) or not 0 <= self.size <= MAX_SIZE:
            raise _bad_checkpoint("tree size out of range", "kích thước cây ngoài khoảng")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise _bad_checkpoint("root is not 32 bytes", "gốc cây không dài 32 byte")
        if len(self.extensions) > MAX_EXTENSIONS:
            raise _bad_checkpoint("too many extension lines", "quá nhiều dòng mở rộng")


def format_checkpoint(cp: Checkpoint) -> str:
    """tlog-checkpoint: origin, decimal size, base64 root, extension lines, each + "\\n"."""
    lines = [cp.origin, str(cp.size), b64encode(cp.root), *cp.extensions]
    return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Strict inverse of ``format_checkpoint`` (the note text, not the signed note)."""
    check_text(text, "checkpoint")
    lines = text[:-1].split("\n")
    if not text.endswith("\n") or len(lines) < 3:
        raise _bad_checkpoint(
            "needs three lines ending in newline", "cần ba dòng, kết thúc bằng xuống dòng"
        )
    size = decimal(lines[1], "checkpoint size")
    root = b64decode(lines[2], "checkpoint root")
    return Checkpoint(lines[0], size, root, tuple(lines[3:]))


@dataclass(frozen=True)
class TlogProof:
    """An offline inclusion proof (C2SP tlog-proof)."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None  # opaque and unauthenticated; never trust it


def _bad_proof(en: str, vi: str, **evidence: object) -> NoteError:
    return NoteError(f"bad tlog-proof: {en}", f"bằng chứng tlog-proof sai: {vi}", **evidence)


def _check_checkpoint_note(note: str) -> None:
    # Form only: text, a blank line, "— " signature lines. Signatures are checked
    # when the note is opened with trusted keys (verify.note.open_note).
    check_text(note, "checkpoint note")
    split = note.rfind("\n\n")
    sigs = note[split + 2 :]
    if split < 0 or not sigs.endswith("\n"):
        raise _bad_proof(
            "checkpoint is not a signed note", "điểm kiểm tra không phải ghi chú có chữ ký"
        )
    if not all(line.startswith("\u2014 ") for line in sigs[:-1].split("\n")):
        raise _bad_proof("bad signature line", "dòng chữ ký sai")
    parse_checkpoint(note[: split + 1])


def format_tlog_proof(
    index: int, proof: Sequence[bytes], checkpoint_note: str, extra: bytes | None = None
) -> str:
    """tlog-proof "Format": header, optional extra, index, hashes, blank line, checkpoint."""
    if not isinstance(index, int) or not 0 <= index <= MAX_SIZE or len(proof) > MAX_PROOF_HASHES:
        raise _bad_proof(
            "index or proof length out of range", "chỉ số hoặc độ dài bằng chứng ngoài khoảng"
        )
    if any(not isinstance(h, bytes) or len(h) != HASH_SIZE for h in proof) or extra == b"":
        raise _bad_proof(
            "hash not 32 bytes or empty extra", "giá trị băm không dài 32 byte hoặc extra rỗng"
        )
    _check_checkpoint_note(checkpoint_note)
    lines = [PROOF_HEADER]
    if extra is not None:
        lines.append("extra " + b64encode(extra))
    lines.append(f"index {index}")
    lines.extend(b64encode(h) for h in proof)
    return "".join(line + "\n" for line in lines) + "\n" + checkpoint_note


def parse_tlog_proof(text: str) -> TlogProof:
    """Strict inverse of ``format_tlog_proof``; the checkpoint is kept verbatim."""
    check_text(text, "tlog-proof")
    head, sep, note = text.partition("\n\n")  # the first blank line ends the proof lines
    lines = head.split("\n")
    if not sep or lines[0] != PROOF_HEADER or len(lines) < 2:
        raise _bad_proof("missing header or blank line", "thiếu dòng đầu hoặc dòng trống")
    extra = None
    if lines[1].startswith("extra "):
        extra = b64decode(lines.pop(1)[len("extra ") :], "tlog-proof extra")
    if len(lines) < 2 or not lines[1].startswith("index "):
        raise _bad_proof("missing index line", "thiếu dòng index")
    index = decimal(lines[1][len("index ") :], "tlog-proof index")
    hashes = lines[2:]
    if len(hashes) > MAX_PROOF_HASHES:
        raise _bad_proof("too many hashes", "quá nhiều giá trị băm", count=len(hashes))
    proof = tuple(b64decode(h, "tlog-proof hash") for h in hashes)
    if any(len(h) != HASH_SIZE for h in proof) or extra == b"":
        raise _bad_proof(
            "hash not 32 bytes or empty extra", "giá trị băm không dài 32 byte hoặc extra rỗng"
        )
    _check_checkpoint_note(note)
    return TlogProof(index, proof, note, extra)
