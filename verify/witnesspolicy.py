"""A witness policy: which log keys to trust and which cosignatures make a quorum.

Interim, self-contained parser for the verifier (issue 4), to be replaced by the
transparency log's own policy module (issue 3) when it lands. The syntax is the
line-based policy of Sigsum and C2SP (``log``, ``witness``, ``group``, ``quorum``), with
keys written as C2SP signed-note verifier keys (``name+hexid+base64``)::

    # comments run to the end of the line
    log minhbach.example/96+1a2b3c4d+AQ...                  [url]
    witness w1 witness.example/w1+5e6f7a8b+BA...          [url]
    witness w2 witness.example/w2+...
    group two-of-them 2 w1 w2        # also "all" or "any"
    quorum two-of-them               # or "none"

Names must be defined before they are used, so groups cannot be circular; there is
exactly one quorum line; ``none`` is predefined and needs no cosignature.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from verify.bundle.errors import Unusable
from verify.errors import LocalizedError
from verify.note import Verifier, parse_verifier_key

MAX_LINES = 10_000


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


def _bad(n: int, en: str, vi: str) -> Unusable:
    return Unusable(f"witness policy, line {n}: {en}", f"chính sách nhân chứng, dòng {n}: {vi}")


def _key(text: str, n: int) -> Verifier:
    try:
        return parse_verifier_key(text)
    except LocalizedError:
        raise _bad(n, "not a verifier key", "không phải khoá xác minh") from None


def parse_policy(text: str) -> Policy:
    p = Policy()
    names: set[str] = {"none"}
    quorum_seen = False
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        raise _bad(MAX_LINES, "too many lines", "quá nhiều dòng")
    for n, raw in enumerate(lines, 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        kw, args = words[0], words[1:]
        if kw == "log" and 1 <= len(args) <= 2:
            p.logs.append(_key(args[0], n))
        elif kw == "witness" and 2 <= len(args) <= 3:
            if args[0] in names:
                raise _bad(n, f"{args[0]} is defined twice", f"{args[0]} được định nghĩa hai lần")
            p.witnesses[args[0]] = _key(args[1], n)
            names.add(args[0])
        elif kw == "group" and len(args) >= 3:
            name, k_text, members = args[0], args[1], tuple(args[2:])
            if name in names:
                raise _bad(n, f"{name} is defined twice", f"{name} được định nghĩa hai lần")
            unknown = [m for m in members if m not in names or m == "none"]
            if unknown or len(set(members)) != len(members):
                raise _bad(n, "group members must be distinct names defined above",
                           "thành viên nhóm phải là các tên khác nhau đã định nghĩa ở trên")  # fmt: skip
            if k_text == "all":
                k = len(members)
            elif k_text == "any":
                k = 1
            elif (
                k_text.isdigit() and str(int(k_text)) == k_text and 1 <= int(k_text) <= len(members)
            ):
                k = int(k_text)
            else:
                raise _bad(
                    n, "threshold must be all, any or 1..n", "ngưỡng phải là all, any hoặc 1..n"
                )
            p.groups[name] = Group(name, k, members)
            names.add(name)
        elif kw == "quorum" and len(args) == 1:
            if quorum_seen or args[0] not in names:
                raise _bad(n, "one quorum line naming a defined name",
                           "cần đúng một dòng quorum với tên đã định nghĩa")  # fmt: skip
            p.quorum, quorum_seen = args[0], True
        else:
            raise _bad(n, f"cannot read {kw!r}", f"không đọc được {kw!r}")
    if not quorum_seen:
        raise _bad(len(lines), "no quorum line", "thiếu dòng quorum")
    if not p.logs:
        raise _bad(len(lines), "no log line", "thiếu dòng log")
    return p
