"""Replaying a log: envelopes in log order, through the ledger's own judge, into plain states.

This is what an inspector's verifier, a projection rebuild and a "what if the catalog had
said…" impact report all do: no database and no ``eventsourcing``, just the same checks
(``verify.process.judge``) and the same state classes the ledger's aggregates mix in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from verify.keys import PublicKey
from verify.law.rules import Finding
from verify.law.signatures import signed_after_revocation
from verify.process.chain import ChainState
from verify.process.evaluation import EvaluationState
from verify.process.judge import Judge, Verdict
from verify.process.registry import RegistryState
from verify.process.round import RoundState
from verify.x509 import TrustAnchor

_STATE: dict[str, type[ChainState]] = {
    "LedgerInitialised": RegistryState,
    "EvaluationOpened": EvaluationState,
    "CouncilFormed": RoundState,
}


class Replay:
    """The chains of one log as they stand after the envelopes fed so far.

    ``trust_root`` and ``anchors`` (the X.509 trust anchors, e.g. ``verify.x509.load_anchors``
    of the root PEM an inspector brings) pin what the log may declare; without them the
    replay takes the ones the log records, and judges every signature by those.
    """

    def __init__(
        self,
        scope: str,
        *,
        trust_root: Sequence[PublicKey] = (),
        clock: Callable[[], datetime] | None = None,
        partial: bool = False,
        anchors: Sequence[TrustAnchor] = (),
    ) -> None:
        self.reg: RegistryState | None = None
        self.evaluations: dict[tuple[str, int], EvaluationState] = {}
        self.rounds: dict[tuple[str, int], RoundState] = {}
        self.size = 0
        self.judge = Judge(
            self, scope=scope, trust_root=trust_root, clock=clock, partial=partial, anchors=anchors
        )

    # -- World ---------------------------------------------------------------------
    def registry(self) -> RegistryState | None:
        return self.reg

    def evaluation(self, unit: str, year: int) -> EvaluationState | None:
        return self.evaluations.get((unit, year))

    def round(self, unit: str, year: int) -> RoundState | None:
        return self.rounds.get((unit, year))

    # -- feeding -------------------------------------------------------------------
    def feed(self, data: bytes) -> Verdict:
        """Judge one envelope and apply it; raises the refusal the ledger would have raised."""
        verdict = self.judge.judge(data)
        self.apply(verdict)
        return verdict

    def feed_all(self, items: Iterable[bytes]) -> int:
        n = 0
        for data in items:
            self.feed(data)
            n += 1
        return n

    def apply(self, v: Verdict) -> ChainState:
        p = v.payload
        if v.chain is not None:
            v.chain.apply(v.digest, p)
            chain = v.chain
        else:
            chain = _STATE[p.type]()
            chain.start(v.digest, p)
            if isinstance(chain, RegistryState):
                self.reg = chain
            elif isinstance(chain, EvaluationState):
                self.evaluations[(p.unit, chain.year)] = chain
            elif isinstance(chain, RoundState):
                self.rounds[(p.unit, chain.year)] = chain
        self.size += 1
        return chain

    def revocation_findings(self) -> list[Finding]:
        """Envelopes fed so far that claim a signing time after a revocation of their key
        that the log records later: flagged, not refused (``verify.law.signatures``)."""
        if self.reg is None:
            return []
        return signed_after_revocation(
            self.reg, [*self.evaluations.values(), *self.rounds.values()]
        )
