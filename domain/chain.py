"""A chain: an aggregate whose every event is one signed envelope.

Each stored event holds the exact canonical envelope text; the aggregate's ``head`` is
the SHA-256 of the last envelope, which the next envelope must name as ``prev``
(a per-chain hash chain). Commands check and refuse; the ``@event`` methods only apply,
so replaying history never re-judges it.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import BrokenChain
from domain.payload import Payload, parse_payload
from verify.dsse import Envelope, parse_envelope

_NS = uuid5(NAMESPACE_URL, "https://minhbach.example/ledger")


def chain_id(kind: str, unit: str, year: int | None) -> UUID:
    return uuid5(_NS, f"{kind}:{unit}:{year if year is not None else '-'}")


def envelope_hash(envelope: str) -> str:
    return hashlib.sha256(envelope.encode("ascii")).hexdigest()


def open_envelope(envelope: str) -> tuple[Envelope, Payload]:
    env = parse_envelope(envelope.encode("ascii"))
    return env, parse_payload(env.payload)


class Chain(Aggregate):
    """Base of Registry, Evaluation and Round."""

    kind = "chain"

    def _take(self, envelope: str) -> Payload:
        """Apply the chain header of an envelope; return its payload."""
        _, payload = open_envelope(envelope)
        if not hasattr(self, "timeline"):
            self.timeline: list[dict[str, Any]] = []
            self.length = 0
        digest = envelope_hash(envelope)
        self.timeline.append(
            {
                "type": payload.type,
                "hash": digest,
                "time": payload.time,
                "signers": list(payload.signers),
            }
        )
        self.head: str | None = digest
        self.length += 1
        return payload

    def check_prev(self, payload: Payload) -> None:
        if payload.prev != self.head:
            raise BrokenChain(
                "the envelope does not follow the last event of its chain",
                "phong bì không nối tiếp sự kiện cuối cùng của chuỗi hồ sơ",
                expected=self.head,
                actual=payload.prev,
            )
