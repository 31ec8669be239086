"""Errors that carry their evidence and a message in Vietnamese and English.

Every failure the verifier (and the ledger, which reuses it) can report is a
``LocalizedError``: a stable English ``code`` for machines, a message in each
language for people, and ``evidence`` (position, expected and actual hash, key id…).
"""

from __future__ import annotations

from typing import Any


class LocalizedError(Exception):
    """Base of every error shown to a user: stable code, vi/en messages, evidence."""

    code: str = "error"

    def __init__(self, en: str, vi: str, **evidence: Any) -> None:
        super().__init__(en)
        self.en = en
        self.vi = vi
        self.evidence: dict[str, Any] = evidence

    def message(self, lang: str = "vi") -> str:
        return self.vi if lang == "vi" else self.en

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "en": self.en, "vi": self.vi, "evidence": self.evidence}

    def __str__(self) -> str:
        return f"{self.code}: {self.en} / {self.vi}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle through ``args``; keep both messages and the evidence, so an
        # error raised in a worker process arrives whole.
        return (_rebuild, (type(self), self.en, self.vi, self.evidence))


def _rebuild(cls: type[LocalizedError], en: str, vi: str, evidence: dict[str, Any]) -> Any:
    return cls(en, vi, **evidence)


class VerificationError(LocalizedError):
    """Something failed to verify. Subclasses name what."""

    code = "verification_failed"


class MalformedInput(VerificationError):
    """Bytes that do not parse strictly (bad JSON, bad base64, non-canonical form…)."""

    code = "malformed"


class BadSignature(VerificationError):
    code = "bad_signature"


class UnsupportedKey(VerificationError):
    code = "unsupported_key"


class ProofError(VerificationError):
    """A Merkle inclusion or consistency proof does not verify."""

    code = "bad_proof"


class NoteError(VerificationError):
    """A signed note, checkpoint or cosignature does not parse or verify."""

    code = "bad_note"


class UnknownKey(VerificationError):
    """A signature names a key id that is not among the trusted keys."""

    code = "unknown_key"
