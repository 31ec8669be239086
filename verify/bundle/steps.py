"""The numbered verification steps and what the verifier found: the report's data.

Steps (each reported as passed, warning, failed, skipped or, for step 8, findings):

1. the bundle parses strictly (format, order, groups, trailer);
2. every signature verifies (DSSE v1 over PAE, with the key its key id names);
3. every signer was enrolled, unrevoked and allowed by role and unit at that point in
   the log (the ledger's own judge, ``verify.process.judge``);
4. every chain is unbroken and every step is one the ledger accepts;
5. every envelope is included in the checkpoint (RFC 6962 / RFC 9162 §2.1.3);
6. the checkpoint is signed by the log key and meets the witness policy (C2SP
   signed-note, tlog-checkpoint, tlog-cosignature);
7. the checkpoints are mutually consistent (RFC 9162 §2.1.4);
8. the lawfulness checks of DOMAIN.md §5 under the catalog version in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verify.errors import LocalizedError

MAX_FAILURES = 100  # per step; the count is always complete

TITLES: dict[int, tuple[str, str, str]] = {
    1: ("parse", "Gói kiểm toán đọc được đúng định dạng, nghiêm ngặt",
        "The bundle parses strictly"),
    2: ("signatures", "Mọi chữ ký số đều hợp lệ", "Every signature verifies"),
    3: ("signers", "Mọi người ký đã được đăng ký, khoá chưa bị thu hồi, đúng vai trò và đơn vị "
        "tại thời điểm đó trong sổ",
        "Every signer was enrolled, unrevoked and allowed by role and unit at that point in the log"),
    4: ("chains", "Mọi chuỗi hồ sơ liền mạch, mọi bước đều được sổ cái chấp nhận",
        "Every chain is unbroken and every step is one the ledger accepts"),
    5: ("inclusion", "Mọi phong bì đều nằm trong cây Merkle của điểm kiểm tra",
        "Every envelope is included in the checkpoint"),
    6: ("checkpoint", "Điểm kiểm tra được ký bằng khoá của sổ và đáp ứng chính sách nhân chứng",
        "The checkpoint is signed by the log key and meets the witness policy"),
    7: ("consistency", "Các điểm kiểm tra nhất quán với nhau",
        "The checkpoints are mutually consistent"),
    8: ("lawfulness", "Tính hợp pháp (DOMAIN.md §5) theo phiên bản bộ tiêu chí đang áp dụng",
        "Lawfulness (DOMAIN.md §5) under the catalog version in force"),
}  # fmt: skip

EXIT_OK, EXIT_INTEGRITY, EXIT_UNUSABLE, EXIT_FINDINGS = 0, 1, 2, 3


@dataclass
class Note:
    """Something the reader should know about a step that is not a failure."""

    code: str
    vi: str
    en: str
    warning: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "vi": self.vi, "en": self.en, "warning": self.warning}


def evidence(context: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    """Where in the bundle (``context``: the leaf ``position``, the ``line``...), then what
    the error found. An error may use the same name for something else (a JSON parse error's
    ``position`` is a character offset; an X.509 error's, a certificate's place in its
    chain): it is kept as ``error_<name>``, so the place in the bundle is never lost."""
    out = dict(context)
    for k, v in found.items():
        out[f"error_{k}" if k in context else k] = v
    return out


@dataclass
class Step:
    n: int
    checked: int = 0
    failure_count: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    ran: bool = False

    @property
    def id(self) -> str:
        return TITLES[self.n][0]

    def fail(self, e: LocalizedError, **context: Any) -> None:
        self.ran = True
        self.failure_count += 1
        if len(self.failures) < MAX_FAILURES:
            self.failures.append(
                {"code": e.code, "vi": e.vi, "en": e.en, "evidence": evidence(context, e.evidence)}
            )

    def note(self, code: str, vi: str, en: str, *, warning: bool = False) -> None:
        self.notes.append(Note(code, vi, en, warning))

    def status(self, findings: int = 0) -> str:
        if self.failure_count:
            return "failed"
        if not self.ran:
            return "skipped"
        if self.n == 8 and findings:
            return "findings"
        return "warning" if any(n.warning for n in self.notes) else "passed"


@dataclass
class Result:
    """Everything the verifier found, in the order the report shows it."""

    bundle: str
    header: dict[str, Any] | None = None
    steps: dict[int, Step] = field(default_factory=lambda: {n: Step(n) for n in TITLES})
    findings: list[dict[str, Any]] = field(default_factory=list)
    unusable: dict[str, Any] | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if self.unusable is not None:
            return EXIT_UNUSABLE
        if any(s.failure_count for s in self.steps.values()):
            return EXIT_INTEGRITY
        return EXIT_FINDINGS if self.findings else EXIT_OK

    @property
    def verdict(self) -> str:
        return {
            EXIT_OK: "authentic_and_lawful",
            EXIT_INTEGRITY: "integrity_failure",
            EXIT_UNUSABLE: "unusable_input",
            EXIT_FINDINGS: "authentic_with_findings",
        }[self.exit_code]

    def first_failure(self) -> dict[str, Any] | None:
        for s in self.steps.values():
            if s.failures:
                return s.failures[0]
        return None

    def failure_codes(self) -> list[str]:
        return [f["code"] for s in self.steps.values() for f in s.failures]

    def as_dict(self) -> dict[str, Any]:
        return {
            "verifier": "minhbach-verify",
            "bundle": self.bundle,
            "header": self.header,
            "result": self.verdict,
            "exit_code": self.exit_code,
            "unusable": self.unusable,
            "steps": [
                {
                    "n": s.n,
                    "id": s.id,
                    "title_vi": TITLES[s.n][1],
                    "title_en": TITLES[s.n][2],
                    "status": s.status(len(self.findings)),
                    "checked": s.checked,
                    "failure_count": s.failure_count,
                    "failures": s.failures,
                    "notes": [n.as_dict() for n in s.notes],
                }
                for s in self.steps.values()
            ],
            "findings": self.findings,
            "stats": self.stats,
        }
