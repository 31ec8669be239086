"""Transparency log policies (C2SP tlog-policy): trusted logs, witnesses, the quorum.

The syntax (https://c2sp.org/tlog-policy)::

    # comment lines start with "#" (after optional whitespace)
    log <vkey> [<url>]
    witness <name> <vkey> [<url>]
    group <name> all|any|<k> <name>...
    quorum <name>                     # or the predefined "none"

Items are separated by ASCII spaces and tabs only; the only control characters allowed
are tab and newline. Keys are signed-note verifier keys: Ed25519 (type 0x01) for logs,
cosignature/v1 (type 0x04) for witnesses, and no key may be listed twice (same public key,
whatever its name). A log's key name is its origin line. Groups and the quorum name only
what preceding lines defined, and a name is a group member at most once in the whole
file. Exactly one quorum line; logs may be absent (known from elsewhere). Names are
opaque: no Unicode folding.

``check(policy, note)`` says which log signed a checkpoint note, which witnesses
cosigned it and whether they make the quorum.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from verify.bundle.errors import Unusable
from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.errors import LocalizedError
from verify.note import Verifier, open_note, parse_verifier_key, split_note

MAX_LINES = 10_000
MAX_ENTRIES = 1_000  # logs, witnesses and groups each; the spec asks for at least 32
_BAD_CHAR = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_SPACE = re.compile("[ \t]+")


@dataclass(frozen=True)
class Group:
    name: str
    k: int
    members: tuple[str, ...]


@dataclass
class Policy:
    logs: list[Verifier] = field(default_factory=list)
    witnesses: dict[str, Verifier] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    quorum: str = "none"
    log_urls: dict[str, str] = field(default_factory=dict)  # log key name -> URL
    witness_urls: dict[str, str] = field(default_factory=dict)  # witness name -> URL

    def satisfied(self, cosigned: Iterable[str]) -> bool:
        """Whether the witnesses named in ``cosigned`` (verified cosignatures) make a quorum."""
        have = set(cosigned)

        def acts(name: str) -> bool:
            if name == "none":
                return True
            if name in self.witnesses:
                return name in have
            g = self.groups[name]
            return sum(1 for m in g.members if acts(m)) >= g.k

        return acts(self.quorum)

    def describe(self, name: str | None = None) -> str:
        name = self.quorum if name is None else name
        if name in self.groups:
            g = self.groups[name]
            return f"{g.k}/{len(g.members)} ({', '.join(self.describe(m) for m in g.members)})"
        return name

    def logs_for(self, origin: str) -> list[Verifier]:
        """The log keys trusted for checkpoints with this origin line."""
        return [v for v in self.logs if v.name == origin]


def _bad(n: int, en: str, vi: str) -> Unusable:
    return Unusable(f"witness policy, line {n}: {en}", f"chính sách nhân chứng, dòng {n}: {vi}")


def _key(text: str, n: int, kind: str) -> Verifier:
    try:
        v = parse_verifier_key(text)
    except LocalizedError:
        raise _bad(n, "not a verifier key", "không phải khoá xác minh") from None
    if v.kind != kind:
        raise _bad(n, f"the key must be of type {kind}", f"khoá phải thuộc loại {kind}")
    return v


def _threshold(text: str, n_members: int, n: int) -> int:
    if text == "all":
        return n_members
    if text == "any":
        return 1
    if text.isascii() and text.isdigit() and str(int(text)) == text and 1 <= int(text) <= n_members:
        return int(text)
    raise _bad(n, "threshold must be all, any or 1..n", "ngưỡng phải là all, any hoặc 1..n")


def parse_policy(text: str | bytes) -> Policy:
    """Parse a tlog-policy file; ``Unusable`` (with the line number) if it is not one."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")  # non-ASCII octets are opaque
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline ending the last line
    if len(lines) > MAX_LINES:
        raise _bad(MAX_LINES, "too many lines", "quá nhiều dòng")
    p = Policy()
    names: set[str] = {"none"}
    used: set[str] = set()  # names already listed as a group member
    seen_keys: dict[str, set[bytes]] = {"log": set(), "witness": set()}
    quorum_seen = False
    for n, raw in enumerate(lines, 1):
        if _BAD_CHAR.search(raw):
            raise _bad(n, "control character", "có ký tự điều khiển")
        words = [w for w in _SPACE.split(raw) if w]
        if not words or words[0].startswith("#"):
            continue
        kw, args = words[0], words[1:]
        if kw in ("log", "witness"):
            offset = 0 if kw == "log" else 1
            if not offset + 1 <= len(args) <= offset + 2:
                raise _bad(n, f"cannot read {kw!r}", f"không đọc được {kw!r}")
            key = _key(args[offset], n, "ed25519" if kw == "log" else "cosignature/v1")
            if key.public_key in seen_keys[kw]:
                raise _bad(n, f"duplicate {kw} key", f"khoá {kw} bị lặp")
            seen_keys[kw].add(key.public_key)
            url = args[offset + 1] if len(args) > offset + 1 else None
            if kw == "log":
                p.logs.append(key)
                if url:
                    p.log_urls.setdefault(key.name, url)
            else:
                name = args[0]
                if name in names:
                    raise _bad(n, f"{name} is defined twice", f"{name} được định nghĩa hai lần")
                p.witnesses[name] = key
                names.add(name)
                if url:
                    p.witness_urls[name] = url
        elif kw == "group" and len(args) >= 3:
            name, members = args[0], tuple(args[2:])
            if name in names:
                raise _bad(n, f"{name} is defined twice", f"{name} được định nghĩa hai lần")
            bad = [m for m in members if m not in names or m == "none" or m in used]
            if bad or len(set(members)) != len(members):
                raise _bad(n, "group members must be names defined above, each a member once",
                           "thành viên nhóm phải là tên đã định nghĩa ở trên, mỗi tên chỉ một lần")  # fmt: skip
            p.groups[name] = Group(name, _threshold(args[1], len(members), n), members)
            names.add(name)
            used.update(members)
        elif kw == "quorum" and len(args) == 1:
            if quorum_seen or args[0] not in names:
                raise _bad(n, "one quorum line naming a defined name",
                           "cần đúng một dòng quorum với tên đã định nghĩa")  # fmt: skip
            p.quorum, quorum_seen = args[0], True
        else:
            raise _bad(n, f"cannot read {kw!r}", f"không đọc được {kw!r}")
        if max(len(p.logs), len(p.witnesses), len(p.groups)) > MAX_ENTRIES:
            raise _bad(n, "too many entries", "quá nhiều mục")
    if not quorum_seen:
        raise _bad(len(lines), "no quorum line", "thiếu dòng quorum")
    return p


@dataclass(frozen=True)
class Verdict:
    """What a policy says of one checkpoint note."""

    checkpoint: Checkpoint
    log: Verifier | None  # the policy's log key (named as the origin) that signed it
    cosigned: tuple[str, ...]  # names of the witnesses whose cosignature verified
    quorum_met: bool

    @property
    def ok(self) -> bool:
        return self.log is not None and self.quorum_met


def check(policy: Policy, note: str) -> Verdict:
    """Verify a checkpoint note under ``policy``.

    Signatures by keys outside the policy are ignored; a signature by a policy key that
    does not verify raises ``NoteError`` (signed-note: a known key's bad signature is an
    error, not an absence).
    """
    text, _ = split_note(note)
    cp = parse_checkpoint(text)
    logs = policy.logs_for(cp.origin)
    opened = open_note(note, [*logs, *policy.witnesses.values()])
    verified = {sig.verifier for sig in opened.verified}
    log = next((v for v in logs if v in verified), None)
    names = tuple(sorted(n for n, v in policy.witnesses.items() if v in verified))
    return Verdict(cp, log, names, policy.satisfied(names))
