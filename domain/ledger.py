"""The ledger application: judge each signed envelope (``verify.process.judge``, the same
code the inspector's verifier runs) and append the accepted ones — in batches, so
concurrent submissions share one transaction.

Refusals (nothing stored) are ``verify.refusals.Refused`` subclasses or
``verify.errors.VerificationError``; lawfulness findings are computed by
``verify.law.rules`` and returned with the receipt (see ADR 0002 for the split).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import RecordConflictError

from domain.chain import Chain, chain_id, remember
from domain.evaluation import Evaluation
from domain.registry import Registry
from domain.round import Round
from verify.dsse import parse_envelope
from verify.errors import LocalizedError
from verify.keys import PublicKey, spki_b64
from verify.law.rules import Finding, evaluation_findings
from verify.process.authority import authority_of
from verify.process.judge import Judge, Prechecked, Verdict
from verify.process.payload import Payload, parse_payload
from verify.refusals import BadEvent, NotAllowed
from verify.x509 import TrustAnchor

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


class StaleRead(RecordConflictError):
    """A chain a batch was judged against changed before the batch committed."""


class _Batch:
    """The chains as one batch sees them: stored ones, plus what earlier envelopes did."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.chains: dict[UUID, Any] = {}
        self.envelopes: dict[tuple[UUID, int], bytes] = {}
        self.order: list[tuple[UUID, int]] = []
        self.read: dict[UUID, int] = {}  # chain id -> version when first read (0: absent)

    def _get(self, cls: type[Chain], cid: UUID) -> Any:
        if cid not in self.chains:
            agg = self.ledger._writable(cls, cid)
            self.chains[cid] = agg
            self.read[cid] = 0 if agg is None else agg.version
        return self.chains[cid]

    def read_versions(self) -> dict[UUID, int]:
        """Chains judged against but not written: they must not have changed at commit."""
        written = {cid for cid, _ in self.order}
        return {cid: v for cid, v in self.read.items() if cid not in written}

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
    """Sổ cái (ledger) of one deployment: one registry, its evaluations and rounds.

    Writes go through ``submit_many`` only, one batch at a time per process. The writer
    keeps its own cache of the chains it judged (``WRITER_CACHE_SIZE``), never handed to
    readers, so a batch neither rebuilds nor deep-copies them; readers get copies from the
    library's repository. Several writer processes may share a database: a batch commits
    only if every chain it was judged against is unchanged (optimistic concurrency: new
    versions of written chains are unique in the store, and read-only chains are checked by
    the recorder), otherwise it is judged again on fresh state (ADR 0005).
    """

    name = "minhbach"
    env = {"AGGREGATE_CACHE_MAXSIZE": "20000", "DEEPCOPY_FROM_AGGREGATE_CACHE": "y"}
    WRITER_CACHE_SIZE = 20_000
    MAX_ATTEMPTS = 3  # judging a batch again after a concurrent writer changed its chains

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        scope: str = "96",
        trust_root: Sequence[PublicKey] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        trust_anchors: Sequence[TrustAnchor] = (),
    ) -> None:
        super().__init__(env)
        self.scope = scope
        self.trust_root = tuple(trust_root)
        self.trust_anchors = tuple(trust_anchors)  # X.509 roots the log may add (ADR 0007)
        self.clock = clock
        self.registry_id = chain_id("registry", scope, None)
        self._writer: OrderedDict[UUID, Any] = OrderedDict()
        # Every key that signs here, id -> (alg, SPKI), for prechecks in other processes;
        # replaced whole (never mutated) after a batch that changed the registry.
        self.key_docs: dict[str, tuple[str, str]] = {}
        self._keys_version: int | None = None

    # -- public API ------------------------------------------------------------------
    def submit(self, data: bytes) -> Receipt:
        """Verify and append one envelope; raise on refusal."""
        outcome = self.submit_many([data])[0]
        if outcome.error is not None:
            raise outcome.error
        assert outcome.receipt is not None
        return outcome.receipt

    def submit_many(
        self,
        items: Sequence[bytes],
        pre: Sequence[Prechecked | LocalizedError | None] | None = None,
    ) -> list[Outcome]:
        """Judge each envelope in order, then append the accepted ones in one transaction.

        ``pre`` (from ``verify.process.judge.precheck``, e.g. run in other processes) gives
        for each item its parse and signature check, or the parse error it raised.
        """
        for attempt in range(1, self.MAX_ATTEMPTS + 1):
            try:
                return self._attempt(items, pre)
            except RecordConflictError:
                if attempt == self.MAX_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _attempt(
        self, items: Sequence[bytes], pre: Sequence[Prechecked | LocalizedError | None] | None
    ) -> list[Outcome]:
        batch = _Batch(self)
        judge = Judge(
            batch,
            scope=self.scope,
            trust_root=self.trust_root,
            clock=self.clock,
            anchors=self.trust_anchors,
        )
        outcomes: list[Outcome] = []
        for n, data in enumerate(items):
            found = pre[n] if pre is not None else None
            try:
                if isinstance(found, LocalizedError):
                    raise found
                verdict = judge.judge(data, found)
            except LocalizedError as e:
                outcomes.append(Outcome(error=e))
                continue
            agg = batch.record(verdict)
            p = verdict.payload
            receipt = Receipt(-1, "", verdict.digest, p.type, p.unit, p.year)
            if isinstance(agg, Evaluation):
                receipt.findings = self._findings(agg, batch)
            outcomes.append(Outcome(receipt=receipt))
        if any(o.error is not None for o in outcomes):
            self._check_fresh(batch)  # a refusal may come from a chain cached stale
        if batch.order:
            leaves: list[tuple[int, bytes]] = []
            try:
                self._save_chains(
                    [c for c in batch.chains.values() if c is not None],
                    envelopes=batch.envelopes,
                    order=batch.order,
                    leaves_out=leaves,
                    read_versions=batch.read_versions(),
                )
            except BaseException:
                self._writer.clear()  # the batch's chains hold events that were not stored
                raise
            accepted = [o.receipt for o in outcomes if o.receipt is not None]
            for receipt, (idx, lh) in zip(accepted, leaves, strict=True):
                receipt.index, receipt.leaf_hash = idx, lh.hex()
        self._keep(batch)
        reg = batch.registry()
        if reg is not None and reg.version != self._keys_version:
            self.key_docs = _key_docs(reg)
            self._keys_version = reg.version
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

    def chain(self, kind: str, unit: str, year: int | None) -> Chain | None:
        """The registry, an evaluation or a round, as stored (a copy), or None."""
        cls = {"registry": Registry, "evaluation": Evaluation, "round": Round}[kind]
        found: Chain | None = self._load(
            cls, chain_id(kind, unit, None if kind == "registry" else year)
        )
        return found

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
    def _check_fresh(self, batch: _Batch) -> None:
        """Raise ``StaleRead`` (so the batch is judged again) if another writer changed a
        chain this batch was judged against."""
        versions = getattr(self.recorder, "chain_versions", None)
        if versions is None or not batch.read:
            return
        stored = versions(list(batch.read))
        if any(stored.get(cid, 0) != v for cid, v in batch.read.items()):
            self._writer.clear()
            raise StaleRead("a chain changed behind this writer")

    def _writable(self, cls: type[Chain], cid: UUID) -> Any:
        if cid in self._writer:
            agg = self._writer[cid]  # None: known not to exist (only this writer creates chains)
            self._writer.move_to_end(cid)
            if agg is not None and not isinstance(agg, cls):
                raise BadEvent("chain kind mismatch", "sai loại chuỗi hồ sơ")
            return agg
        return self._load(cls, cid)

    def _save_chains(self, chains: Sequence[Chain], **kwargs: Any) -> None:
        """``Application.save`` for this ledger's own chains: the same steps, without the
        library's two runtime Protocol checks per object (~10 µs each on Python 3.11)."""
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for chain in chains:
            processing.events.extend(chain.collect_events())
            processing.aggregates[chain.id] = chain
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # the library's deprecated hook, as its save() does

    def _keep(self, batch: _Batch) -> None:
        for cid, agg in batch.chains.items():
            self._writer[cid] = agg
            self._writer.move_to_end(cid)
        while len(self._writer) > self.WRITER_CACHE_SIZE:
            self._writer.popitem(last=False)

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


def _key_docs(reg: Registry) -> dict[str, tuple[str, str]]:
    keys = [*reg.trust_root.values(), *(r.key for r in reg.keys.values())]
    return {k.key_id: (k.alg, spki_b64(k)) for k in keys}


def payload_of(data: bytes) -> Payload:
    return parse_payload(parse_envelope(data, require_canonical=False).payload)
