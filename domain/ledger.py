"""The ledger application: judge each signed envelope (``verify.process.judge``, the same
code the inspector's verifier runs) and append the accepted ones — in batches, so
concurrent submissions share one transaction.

Refusals (nothing stored) are ``verify.refusals.Refused`` subclasses or
``verify.errors.VerificationError``; lawfulness findings are computed by
``verify.law.rules`` and returned with the receipt (see ADR 0002 for the split).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from domain.chain import Chain, chain_id, remember
from domain.evaluation import Evaluation
from domain.registry import Registry
from domain.round import Round
from verify.dsse import parse_envelope
from verify.errors import LocalizedError
from verify.keys import PublicKey
from verify.law.rules import Finding, evaluation_findings
from verify.process.authority import authority_of
from verify.process.judge import Judge, Verdict
from verify.process.payload import Payload, parse_payload
from verify.refusals import BadEvent, NotAllowed

_CREATE: dict[str, type[Chain]] = {
    "LedgerInitialised": Registry,
    "EvaluationOpened": Evaluation,
    "CouncilFormed": Round,
}


@dataclass
class Receipt:
    """What the ledger answers when it accepts an envelope."""

    index: int  # leaf index in the log (0-based, gapless)
    leaf_hash: str  # RFC 6962 leaf hash, hex
    envelope_hash: str  # SHA-256 of the envelope, hex (what the next `prev` names)
    type: str
    unit: str
    year: int | None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Outcome:
    receipt: Receipt | None = None
    error: LocalizedError | None = None


class _Batch:
    """The chains as one batch sees them: stored ones, plus what earlier envelopes did."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.chains: dict[UUID, Any] = {}
        self.envelopes: dict[tuple[UUID, int], bytes] = {}
        self.order: list[tuple[UUID, int]] = []

    def _get(self, cls: type[Chain], cid: UUID) -> Any:
        if cid not in self.chains:
            self.chains[cid] = self.ledger._load(cls, cid)
        return self.chains[cid]

    def registry(self) -> Registry | None:
        reg: Registry | None = self._get(Registry, self.ledger.registry_id)
        return reg

    def evaluation(self, unit: str, year: int) -> Evaluation | None:
        ev: Evaluation | None = self._get(Evaluation, chain_id("evaluation", unit, year))
        return ev

    def round(self, unit: str, year: int) -> Round | None:
        rnd: Round | None = self._get(Round, chain_id("round", unit, year))
        return rnd

    def record(self, v: Verdict) -> Chain:
        text = v.text
        if v.chain is None:
            remember(text, v.digest, v.payload)
            agg: Chain = _CREATE[v.payload.type](envelope=text)  # type: ignore[call-arg]
        else:
            assert isinstance(v.chain, Chain)
            agg = v.chain
            agg.commit(text, v.digest, v.payload)
        self.chains[agg.id] = agg
        key = (agg.id, agg.version)
        self.envelopes[key] = v.env.raw
        self.order.append(key)
        return agg


class Ledger(Application[UUID]):
    """Sổ cái (ledger) of one deployment: one registry, its evaluations and rounds."""

    name = "minhbach"
    env = {"AGGREGATE_CACHE_MAXSIZE": "20000", "DEEPCOPY_FROM_AGGREGATE_CACHE": "y"}

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        scope: str = "96",
        trust_root: Sequence[PublicKey] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(env)
        self.scope = scope
        self.trust_root = tuple(trust_root)
        self.clock = clock
        self.registry_id = chain_id("registry", scope, None)

    # -- public API ------------------------------------------------------------------
    def submit(self, data: bytes) -> Receipt:
        """Verify and append one envelope; raise on refusal."""
        outcome = self.submit_many([data])[0]
        if outcome.error is not None:
            raise outcome.error
        assert outcome.receipt is not None
        return outcome.receipt

    def submit_many(self, items: Sequence[bytes]) -> list[Outcome]:
        """Judge each envelope in order, then append the accepted ones in one transaction."""
        batch = _Batch(self)
        judge = Judge(batch, scope=self.scope, trust_root=self.trust_root, clock=self.clock)
        outcomes: list[Outcome] = []
        for data in items:
            try:
                verdict = judge.judge(data)
            except LocalizedError as e:
                outcomes.append(Outcome(error=e))
                continue
            agg = batch.record(verdict)
            p = verdict.payload
            receipt = Receipt(-1, "", verdict.digest, p.type, p.unit, p.year)
            if isinstance(agg, Evaluation):
                receipt.findings = self._findings(agg, batch)
            outcomes.append(Outcome(receipt=receipt))
        if batch.order:
            leaves: list[tuple[int, bytes]] = []
            self.save(
                *(c for c in batch.chains.values() if c is not None),
                envelopes=batch.envelopes,
                order=batch.order,
                leaves_out=leaves,
            )
            accepted = [o.receipt for o in outcomes if o.receipt is not None]
            for receipt, (idx, lh) in zip(accepted, leaves, strict=True):
                receipt.index, receipt.leaf_hash = idx, lh.hex()
        return outcomes

    def registry(self) -> Registry | None:
        reg: Registry | None = self._load(Registry, self.registry_id)
        return reg

    def evaluation(self, unit: str, year: int) -> Evaluation | None:
        ev: Evaluation | None = self._load(Evaluation, chain_id("evaluation", unit, year))
        return ev

    def round(self, unit: str, year: int) -> Round | None:
        rnd: Round | None = self._load(Round, chain_id("round", unit, year))
        return rnd

    def findings_for(self, unit: str, year: int) -> list[Finding]:
        ev = self.evaluation(unit, year)
        reg = self.registry()
        if ev is None or reg is None:
            return []
        cat = reg.catalog_for_year(year)  # the version in force, corrections included
        if cat is None:
            return []
        rnd = self.round(authority_of(cat, reg, unit, year).round_unit, year)
        return evaluation_findings(ev, rnd, cat, reg.calendar)

    # -- internals ---------------------------------------------------------------------
    def _load(self, cls: type[Chain], cid: UUID) -> Any:
        try:
            agg: Any = self.repository.get(cid)
        except AggregateNotFoundError:
            return None
        if not isinstance(agg, cls):
            raise BadEvent("chain kind mismatch", "sai loại chuỗi hồ sơ")
        return agg

    def _findings(self, ev: Evaluation, batch: _Batch) -> list[Finding]:
        reg = batch.registry()
        cat = reg.catalog_for_year(ev.year) if reg is not None else None
        if reg is None or cat is None:
            return []
        try:
            rnd = batch.round(authority_of(cat, reg, ev.unit, ev.year).round_unit, ev.year)
        except NotAllowed:
            rnd = None
        return evaluation_findings(ev, rnd, cat, reg.calendar)


def payload_of(data: bytes) -> Payload:
    return parse_payload(parse_envelope(data, require_canonical=False).payload)
