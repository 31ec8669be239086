"""A chain's own state: its timeline and head, the hash of its last envelope.

Every chain (the registry, an evaluation, a round) is a sequence of signed envelopes in
which each names the previous one as ``prev``. The state classes here are pure: the
ledger's aggregates (``domain``) mix them in and apply through ``eventsourcing``; the
verifier applies them directly. Both judge through ``check`` and change only through
``apply``, so replaying a history can never re-judge it differently.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from verify.process.payload import Payload
from verify.refusals import BrokenChain, Duplicate

_NS = uuid5(NAMESPACE_URL, "https://minhbach.example/ledger")


@lru_cache(maxsize=65_536)
def chain_id(kind: str, unit: str, year: int | None) -> UUID:
    """The stable id of a chain: ``registry``, ``evaluation`` or ``round``, unit, year."""
    return uuid5(_NS, f"{kind}:{unit}:{year if year is not None else '-'}")


def envelope_hash(envelope: bytes | str) -> str:
    """SHA-256 of the exact envelope bytes, hex: what the next envelope names as ``prev``."""
    raw = envelope.encode("ascii") if isinstance(envelope, str) else envelope
    return hashlib.sha256(raw).hexdigest()


class ChainState:
    """Base of RegistryState, EvaluationState and RoundState (no ``__init__``: the
    aggregates that mix these in are built by ``eventsourcing``)."""

    kind = "chain"

    def start(self, digest: str, p: Payload) -> None:
        """Apply the chain's first envelope (each state sets up its own fields)."""
        raise NotImplementedError

    def start_chain(self) -> None:
        self.timeline: list[dict[str, Any]] = []
        self.length = 0
        self.head: str | None = None

    def check_prev(self, p: Payload, digest: str | None = None) -> None:
        if p.prev == self.head:
            return
        if digest is not None and any(e["hash"] == digest for e in self.timeline):
            raise Duplicate(
                "this envelope is already in the ledger",
                "phong bì này đã có trong sổ cái",
                envelope_hash=digest,
            )
        raise BrokenChain(
            "the envelope does not follow the last event of its chain",
            "phong bì không nối tiếp sự kiện cuối cùng của chuỗi hồ sơ",
            expected=self.head,
            actual=p.prev,
        )

    def apply(self, digest: str, p: Payload) -> None:
        """Apply one accepted envelope: the chain header, then the event's own effect."""
        self.timeline.append(
            {"type": p.type, "hash": digest, "time": p.time, "signers": list(p.signers)}
        )
        self.head = digest
        self.length += 1
        self.apply_event(p)

    def apply_event(self, p: Payload) -> None:
        raise NotImplementedError

    def hash_of(self, type_: str) -> str:
        """The hash of the last envelope of ``type_`` in this chain, or ""."""
        for entry in reversed(self.timeline):
            if entry["type"] == type_:
                return str(entry["hash"])
        return ""
