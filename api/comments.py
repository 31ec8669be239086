"""Góp ý của người dân: a resident's comment sent from a unit's public page, with a receipt.

While a unit's drafts are posted (a ``PostingStarted`` without its ``PostingEnded``), anyone
may comment, without an account. The portal's ``public_intake`` official (a key enrolled by
the registrar for the province, kept on the server: ``Settings.intake_key_path``) signs a
``CommentReceived`` with the text exactly as sent, and it is appended to the unit's
evaluation chain and to the log like any other event. The commune answers it with
``CommentAnswered`` (form 03), naming its ``comment_id``.

Limits: the text is 1–2,000 characters after trimming (no control characters except new
lines and tabs), the name at most 100; each address may send 5 comments per 10 minutes.
The text is stored and shown as text, never as HTML (the pages are autoescaped).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.problems import ApiProblem, not_found
from domain.ledger import Ledger, Receipt
from domain.signing import Signer, load_signer, sign_event
from verify.refusals import BrokenChain

MAX_TEXT = 2000
MAX_AUTHOR = 100
RATE = (5, 600.0)  # comments per address, per seconds


def bad_comment(en: str, vi: str, **evidence: Any) -> ApiProblem:
    return ApiProblem(422, "invalid_comment", "Invalid comment", en, vi, **evidence)


def clean_text(value: Any, limit: int, what: str, required: bool) -> str | None:
    """Trimmed text with Unix new lines, or a 422 problem saying what is wrong."""
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise bad_comment(f"{what} is empty", f"{what} đang để trống", field=what)
        return None
    if not isinstance(value, str):
        raise bad_comment(f"{what} must be text", f"{what} phải là văn bản", field=what)
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not text:
        raise bad_comment(f"{what} is empty", f"{what} đang để trống", field=what)
    if len(text) > limit:
        raise bad_comment(
            f"{what} is longer than {limit} characters ({len(text)})",
            f"{what} dài quá {limit} ký tự ({len(text)})",
            field=what, max_chars=limit, chars=len(text),
        )  # fmt: skip
    if any(c < " " and c not in "\n\t" for c in text) or "\x7f" in text:
        raise bad_comment(
            f"{what} contains control characters",
            f"{what} có ký tự điều khiển",
            field=what,
        )
    return text


class RateLimit:
    """At most ``n`` accepted comments per address in any ``window`` seconds."""

    def __init__(self, n: int = RATE[0], window: float = RATE[1]) -> None:
        self.n, self.window = n, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) > 100_000:  # forget idle addresses
                self._seen = {
                    a: q for a, q in self._seen.items() if q and q[-1] > now - self.window
                }
            q = self._seen.setdefault(address, deque())
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.n:
                wait = int(q[0] + self.window - now) + 1
                raise ApiProblem(
                    429, "too_many_comments", "Too many comments",
                    f"at most {self.n} comments per {int(self.window / 60)} minutes from one "
                    f"address; try again in {wait} s",
                    f"mỗi địa chỉ chỉ được gửi {self.n} ý kiến trong {int(self.window / 60)} phút; "
                    f"hãy thử lại sau {wait} giây",
                    retry_after=wait,
                )  # fmt: skip
            q.append(now)


class Intake:
    """The portal's signing key for comments, read from its file when first needed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._signer: Signer | None = None

    def signer(self) -> Signer | None:
        if self._signer is None and self.path.exists():
            self._signer = load_signer(self.path.read_bytes())
        return self._signer

    def enrolled(self, ledger: Ledger) -> bool:
        """The key exists and the registry knows it as a ``public_intake`` official."""
        s = self.signer()
        reg = ledger.registry() if s is not None else None
        rec = reg.keys.get(s.key_id) if reg is not None and s is not None else None
        return rec is not None and rec.role.value == "public_intake"


def posting_open(ev: Any) -> bool:
    """The drafts are posted now: a channel's posting started and has not ended."""
    return any(p["end"] is None for p in ev.postings.values())


@dataclass(frozen=True)
class Accepted:
    comment_id: str
    receipt: Receipt


async def record_comment(
    app: Any, unit: str, year: int, text: Any, author: Any, address: str
) -> Accepted:
    """Check, sign and append one comment; raise a problem (nothing stored) if it cannot be."""
    body = clean_text(text, MAX_TEXT, "text", required=True)
    name = clean_text(author, MAX_AUTHOR, "author", required=False)
    ledger: Ledger = app.state.ledger
    intake: Intake = app.state.intake
    signer = intake.signer()
    if signer is None or not intake.enrolled(ledger):
        raise ApiProblem(
            403, "comments_unavailable", "Comments unavailable",
            "this server takes no comments (no enrolled public intake key)",
            "máy chủ này chưa nhận ý kiến trực tuyến (chưa có khoá cổng tiếp nhận được đăng ký)",
        )  # fmt: skip
    ev = ledger.evaluation(unit, year)
    if ev is None:
        raise not_found(
            f"no evaluation of {unit} for {year}",
            f"không có hồ sơ đánh giá của {unit} năm {year}",
            unit=unit, year=year,
        )  # fmt: skip
    if not posting_open(ev):
        raise ApiProblem(
            409, "posting_closed", "Not posted",
            f"the drafts of {unit} for {year} are not posted now: comments are taken only "
            "while they are",
            f"dự thảo của {unit} năm {year} hiện không niêm yết: chỉ nhận ý kiến trong thời gian "
            "niêm yết",
            unit=unit, year=year,
        )  # fmt: skip
    app.state.comment_limit.take(address)
    data: dict[str, Any] = {"comment_id": "", "via": "web", "text": body}
    if name:
        data["author"] = name
    for _ in range(3):  # a commune official may append to the chain at the same moment
        now = datetime.now(UTC).replace(microsecond=0)
        data["comment_id"] = f"web-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
        chain: Any = ledger.chain("evaluation", unit, year)
        envelope = sign_event(
            [signer], "CommentReceived", unit, year, chain.head if chain else None, now, data
        )
        outcome = await app.state.batcher.submit(envelope)
        if outcome.receipt is not None:
            return Accepted(data["comment_id"], outcome.receipt)
        if not isinstance(outcome.error, BrokenChain):
            assert outcome.error is not None
            raise outcome.error
    assert outcome.error is not None
    raise outcome.error
