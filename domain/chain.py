"""A chain as an ``eventsourcing`` aggregate: every stored event is one signed envelope.

Each stored event holds the exact canonical envelope text. The pure state and its checks
are in ``verify.process`` (mixed in by ``Registry``, ``Evaluation`` and ``Round``); the
``@event`` methods here only apply, so replaying history never re-judges it.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate

from verify.dsse import parse_envelope
from verify.process.chain import chain_id, envelope_hash
from verify.process.payload import Payload, parse_payload

__all__ = ["Chain", "chain_id", "envelope_hash", "open_envelope"]

_judged = threading.local()  # the envelope just judged, so applying it does not parse it again


def open_envelope(envelope: str) -> tuple[str, Payload]:
    """The envelope's hash and payload (the one just judged is not parsed again)."""
    last = getattr(_judged, "last", None)
    if last is not None and last[0] is envelope:
        return last[1], last[2]
    env = parse_envelope(envelope.encode("ascii"))
    return envelope_hash(envelope), parse_payload(env.payload)


def remember(envelope: str, digest: str, payload: Payload) -> None:
    _judged.last = (envelope, digest, payload)


class Chain(Aggregate):
    """Base of the aggregates; ``EVENTS`` maps each event type to its ``@event`` method."""

    EVENTS: ClassVar[dict[str, str]] = {}
    WITH_DIGEST: ClassVar[frozenset[str]] = frozenset()  # stored events that keep the hash

    def commit(self, envelope: str, digest: str, payload: Payload) -> None:
        """Record an envelope the judge accepted, as a new stored event of this aggregate."""
        remember(envelope, digest, payload)
        method = getattr(self, self.EVENTS[payload.type])
        if payload.type in self.WITH_DIGEST:
            method(envelope=envelope, digest=digest)
        else:
            method(envelope=envelope)

    def _applied(self, envelope: str) -> None:
        digest, p = open_envelope(envelope)
        self.apply(digest, p)  # type: ignore[attr-defined]

    @staticmethod
    def id_for(kind: str, envelope: str) -> Any:
        _, p = open_envelope(envelope)
        return chain_id(kind, p.unit, None if kind == "registry" else p.year)
