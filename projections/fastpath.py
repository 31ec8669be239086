"""The trusted fast path: stored envelopes, in log order, into the plain state classes.

The store holds only envelopes the judge accepted (``domain.ledger``), and each leaf of
the log carries its envelope hash. A projection rebuild therefore does not re-verify
signatures, roles or chains — that is the verifier's job, for those who distrust the
store — it only decodes the payload and applies it through the same ``check``-free
``apply`` methods the ledger's aggregates use (``verify.process``). The result is the
same state as ``verify.process.replay.Replay`` reaches, at a fraction of the cost.

``Chains`` is the read interface every read model takes: the ledger itself and
``TrustedReplay`` both provide it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Protocol

from verify.law.catalog import Catalog
from verify.process.authority import authority_of
from verify.process.chain import ChainState, envelope_hash
from verify.process.evaluation import EvaluationState
from verify.process.payload import Payload, accepted_payload
from verify.process.registry import RegistryState
from verify.process.round import RoundState
from verify.process.schema import spec_for
from verify.refusals import NotAllowed


class Chains(Protocol):
    """What the read models read: the registry and the process chains."""

    def registry(self) -> RegistryState | None: ...

    def evaluation(self, unit: str, year: int) -> EvaluationState | None: ...

    def round(self, unit: str, year: int) -> RoundState | None: ...


_PREFIX = b'{"payload":"'


def payload_b64(envelope: bytes) -> bytes:
    """The base64 payload of a stored envelope (canonical ones put it first)."""
    if envelope.startswith(_PREFIX):
        return envelope[len(_PREFIX) : envelope.index(b'"', len(_PREFIX))]
    return str(json.loads(envelope)["payload"]).encode("ascii")


def decode(envelope: bytes | str) -> Payload:
    """The payload of a stored (already judged) envelope, without any strict checks."""
    raw = envelope.encode("ascii") if isinstance(envelope, str) else envelope
    return payload_of(base64.b64decode(payload_b64(raw)))


# A stored payload's JSON bytes (UTF-8 and schema checked by the judge on the way in).
payload_of = accepted_payload


class TrustedReplay:
    """The chains of one log after the stored envelopes fed so far (``Chains``).

    ``touched`` collects what each fed envelope changed, for incremental projection:
    ``("evaluation", unit, year)``, ``("round", unit, year)`` or ``("registry", type)``.
    """

    def __init__(self) -> None:
        self.reg: RegistryState | None = None
        self.evaluations: dict[tuple[str, int], EvaluationState] = {}
        self.rounds: dict[tuple[str, int], RoundState] = {}
        self.round_of: dict[tuple[str, int], str] = {}  # (unit, year) -> round unit
        self.members: dict[tuple[str, int], list[str]] = {}  # (round unit, year) -> units
        self.size = 0  # next log index
        self.touched: set[tuple[str, str, int | None]] = set()

    # -- Chains ----------------------------------------------------------------------
    def registry(self) -> RegistryState | None:
        return self.reg

    def evaluation(self, unit: str, year: int) -> EvaluationState | None:
        return self.evaluations.get((unit, year))

    def round(self, unit: str, year: int) -> RoundState | None:
        return self.rounds.get((unit, year))

    # -- feeding ---------------------------------------------------------------------
    def feed(self, envelope: bytes | str, digest: str | None = None) -> Payload:
        """Apply one stored envelope; ``digest`` is its hash as the log recorded it."""
        p = decode(envelope)
        self.feed_payload(p, envelope_hash(envelope) if digest is None else digest)
        return p

    def feed_payload(self, p: Payload, digest: str) -> None:
        """Apply one stored envelope's payload, ``digest`` being the envelope's hash."""
        chain = spec_for(p.type).chain
        state: ChainState
        if chain == "registry":
            if p.type == "LedgerInitialised":
                self.reg = RegistryState()
                self.reg.start(digest, p)
            else:
                assert self.reg is not None
                self.reg.apply(digest, p)
            self.touched.add(("registry", p.type, None))
        elif chain == "evaluation":
            assert p.year is not None
            key = (p.unit, p.year)
            ev = self.evaluations.get(key)
            if ev is None:
                state = EvaluationState()
                state.start(digest, p)
                self.evaluations[key] = state
                self.round_of[key] = r = self._round_unit(p.unit, p.year)
                self.members.setdefault((r, p.year), []).append(p.unit)
            else:
                ev.apply(digest, p)
            self.touched.add(("evaluation", p.unit, p.year))
        else:
            assert p.year is not None
            rkey = (p.unit, p.year)
            rnd = self.rounds.get(rkey)
            if rnd is None:
                state = RoundState()
                state.start(digest, p)
                self.rounds[rkey] = state
            else:
                rnd.apply(digest, p)
            self.touched.add(("round", p.unit, p.year))
        self.size += 1

    def feed_all(self, rows: Iterable[tuple[str | None, bytes]]) -> int:
        """Feed ``(envelope_hash, envelope)`` rows; returns how many."""
        n = 0
        for digest, env in rows:
            self.feed(env, digest)
            n += 1
        return n

    def take_touched(self) -> set[tuple[str, str, int | None]]:
        out, self.touched = self.touched, set()
        return out

    # -- queries ---------------------------------------------------------------------
    def catalog_for(self, year: int) -> Catalog | None:
        return self.reg.catalog_for_year(year) if self.reg is not None else None

    def _round_unit(self, unit: str, year: int) -> str:
        cat = self.catalog_for(year)
        if cat is None or self.reg is None:
            return ""
        try:
            return authority_of(cat, self.reg, unit, year).round_unit
        except NotAllowed:
            return ""

    def units_of_round(self, round_unit: str, year: int) -> list[str]:
        return sorted(self.members.get((round_unit, year), ()))
