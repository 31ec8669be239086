"""The ledger application: verify each signed envelope, judge whether its step may be
recorded, and append it — in batches, so concurrent submissions share one transaction.

Refusals (nothing stored) are raised as ``domain.errors.Refused`` subclasses or
``verify.errors.VerificationError``; lawfulness findings are computed by ``domain.rules``
and returned with the receipt (see ADR 0002 for the split).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from domain.authority import Authority, authority_of
from domain.catalog import Catalog
from domain.chain import Chain, chain_id, envelope_hash
from domain.errors import BadEvent, Duplicate, NotAllowed, OutOfOrder, UnknownKey
from domain.evaluation import Evaluation
from domain.officials import KeyRecord, Role, scope_covers
from domain.payload import Payload, parse_payload
from domain.registry import Registry
from domain.round import Round
from domain.rules import Finding, evaluation_findings
from domain.schema import EventSpec, check_data, spec_for
from verify.dsse import Envelope, parse_envelope, verify_signatures
from verify.errors import LocalizedError
from verify.keys import PublicKey, load_public_key

MAX_CLOCK_SKEW = timedelta(minutes=5)


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


@dataclass
class _Batch:
    """Aggregates touched by one batch, so later envelopes see earlier ones."""

    chains: dict[UUID, Chain] = field(default_factory=dict)
    envelopes: dict[tuple[UUID, int], bytes] = field(default_factory=dict)
    order: list[tuple[UUID, int]] = field(default_factory=list)
    hashes: set[str] = field(default_factory=set)


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
        self.trust_root = {k.key_id: k for k in trust_root}
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
        batch = _Batch()
        outcomes: list[Outcome] = []
        pending: list[tuple[int, Receipt, UUID, int]] = []
        for data in items:
            try:
                receipt, key = self._judge(data, batch)
            except LocalizedError as e:
                outcomes.append(Outcome(error=e))
                continue
            pending.append((len(outcomes), receipt, *key))
            outcomes.append(Outcome(receipt=receipt))
        if pending:
            leaves: list[tuple[int, bytes]] = []
            self.save(
                *batch.chains.values(),
                envelopes=batch.envelopes,
                order=batch.order,
                leaves_out=leaves,
            )
            by_key = {k: leaf for k, leaf in zip(batch.order, leaves, strict=False)}
            for _, receipt, cid, version in pending:
                if (cid, version) in by_key:
                    idx, lh = by_key[(cid, version)]
                    receipt.index, receipt.leaf_hash = idx, lh.hex()
        return outcomes

    def registry(self) -> Registry | None:
        try:
            reg: Any = self.repository.get(self.registry_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(reg, Registry)
        return reg

    def evaluation(self, unit: str, year: int) -> Evaluation | None:
        ev: Evaluation | None = self._get(Evaluation, chain_id("evaluation", unit, year))
        return ev

    def round(self, unit: str, year: int) -> Round | None:
        rnd: Round | None = self._get(Round, chain_id("round", unit, year))
        return rnd

    def findings_for(self, unit: str, year: int) -> list[Finding]:
        ev = self.evaluation(unit, year)
        reg = self.registry()
        if ev is None or reg is None:
            return []
        cat = reg.catalogs.get(ev.catalog_id) or reg.catalog_for_year(year)
        if cat is None:
            return []
        auth = authority_of(cat, reg, unit, year)
        rnd = self.round(auth.round_unit, year)
        return evaluation_findings(ev, rnd, cat, reg)

    # -- judging -----------------------------------------------------------------------
    def _get(self, cls: type[Chain], cid: UUID, batch: _Batch | None = None) -> Any:
        if batch is not None and cid in batch.chains:
            return batch.chains[cid]
        try:
            agg: Any = self.repository.get(cid)
        except AggregateNotFoundError:
            return None
        if not isinstance(agg, cls):
            raise BadEvent("chain kind mismatch", "sai loại chuỗi hồ sơ")
        if batch is not None:
            batch.chains[cid] = agg
        return agg

    def _judge(self, data: bytes, batch: _Batch) -> tuple[Receipt, tuple[UUID, int]]:
        env = parse_envelope(data, require_canonical=False)
        p = parse_payload(env.payload)
        spec = spec_for(p.type)
        check_data(spec, p.data)
        self._check_header(env, p, spec)
        text = env.raw.decode("ascii")
        digest = envelope_hash(text)
        if digest in batch.hashes or self.recorder_has(digest):
            raise Duplicate(
                "this envelope is already in the ledger",
                "phong bì này đã có trong sổ cái",
                envelope_hash=digest,
            )
        reg: Registry | None = self._get(Registry, self.registry_id, batch)
        agg: Chain
        if p.type == "LedgerInitialised":
            agg = self._initialise(env, p, text, reg)
        else:
            if reg is None:
                raise OutOfOrder("the ledger has not been initialised", "sổ cái chưa được khởi tạo")
            signers = self._verify(env, p, reg)
            agg = self._dispatch(text, p, spec, reg, signers, batch)
        batch.chains[agg.id] = agg
        key = (agg.id, agg.version)
        batch.envelopes[key] = env.raw
        batch.order.append(key)
        batch.hashes.add(digest)
        receipt = Receipt(-1, "", digest, p.type, p.unit, p.year)
        if isinstance(agg, Evaluation) and reg is not None:
            receipt.findings = self._findings_in_batch(agg, reg, batch)
        return receipt, key

    def recorder_has(self, digest: str) -> bool:
        has = getattr(self.recorder, "has_envelope", None)
        return bool(has(digest)) if has else False

    def _check_header(self, env: Envelope, p: Payload, spec: EventSpec) -> None:
        keyids = [s.keyid for s in env.signatures]
        if keyids != list(p.signers):
            raise BadEvent(
                "the envelope's signatures must be exactly the payload's signers, in order",
                "chữ ký trên phong bì phải đúng và đủ theo danh sách người ký trong nội dung",
                signers=list(p.signers),
                signatures=keyids,
            )
        if len(keyids) < spec.min_signers:
            raise NotAllowed(
                f"{p.type} needs {spec.min_signers} signatures",
                f"{p.type} cần {spec.min_signers} chữ ký",
            )
        if p.time > self.clock() + MAX_CLOCK_SKEW:
            raise BadEvent(
                "the claimed signing time is in the future",
                "thời điểm ký khai báo nằm ở tương lai",
                time=p.time.isoformat(),
            )
        expected = {"registry": None}.get(spec.chain, p.year)
        if (p.year is None) != (expected is None):
            raise BadEvent(
                f"{p.type} must {'not ' if spec.chain == 'registry' else ''}name a year",
                f"{p.type} {'không được' if spec.chain == 'registry' else 'phải'} ghi năm đánh giá",
            )

    def _verify(self, env: Envelope, p: Payload, reg: Registry) -> list[KeyRecord | None]:
        """Check every signature; return each signer's enrolment (None for the trust root)."""
        keys: dict[str, PublicKey] = {}
        records: list[KeyRecord | None] = []
        for kid in p.signers:
            if kid in reg.trust_root:
                keys[kid] = reg.trust_root[kid]
                records.append(None)
                continue
            rec = reg.valid_key(kid, p.time)
            keys[kid] = rec.key
            records.append(rec)
        verify_signatures(env, keys)
        return records

    def _initialise(self, env: Envelope, p: Payload, text: str, reg: Registry | None) -> Registry:
        if reg is not None:
            raise Duplicate("the ledger is already initialised", "sổ cái đã được khởi tạo")
        if p.unit != self.scope or p.prev is not None:
            raise BadEvent(
                f"the first event must be for {self.scope} with no prev",
                f"sự kiện đầu tiên phải thuộc {self.scope} và không có prev",
            )
        roots = {}
        for k in p.data["trust_root"]:
            pk = load_public_key(k["alg"], k["spki"])
            roots[pk.key_id] = pk
        if self.trust_root and set(roots) != set(self.trust_root):
            raise NotAllowed(
                "the trust root in the event is not this deployment's",
                "gốc tin cậy trong sự kiện không phải của hệ thống này",
            )
        unknown = [k for k in p.signers if k not in roots]
        if unknown:
            raise UnknownKey(
                "signed by a key outside the trust root", "ký bằng khoá ngoài gốc tin cậy"
            )
        verify_signatures(env, roots)
        return Registry(envelope=text)

    def _dispatch(
        self,
        text: str,
        p: Payload,
        spec: EventSpec,
        reg: Registry,
        signers: list[KeyRecord | None],
        batch: _Batch,
    ) -> Chain:
        if spec.chain == "registry":
            self._authorise(spec, p, signers, reg, None, None)
            if p.unit != reg.unit:
                raise NotAllowed("wrong registry", "sai sổ đăng ký", unit=p.unit)
            reg.record(text, p)
            return reg
        assert p.year is not None
        catalog = reg.catalog_for_year(p.year)
        if catalog is None:
            raise OutOfOrder(
                f"no criteria catalog is in force for {p.year}",
                f"chưa có bộ tiêu chí áp dụng cho năm {p.year}",
            )
        if spec.chain == "evaluation":
            return self._evaluation_event(text, p, spec, reg, signers, catalog, batch)
        return self._round_event(text, p, spec, reg, signers, catalog, batch)

    def _evaluation_event(
        self,
        text: str,
        p: Payload,
        spec: EventSpec,
        reg: Registry,
        signers: list[KeyRecord | None],
        catalog: Catalog,
        batch: _Batch,
    ) -> Chain:
        unit = reg.unit_in(p.unit, p.year)
        if unit is None or unit.level != "commune":
            raise NotAllowed(
                f"{p.unit} is not a registered commune-level unit",
                f"{p.unit} không phải đơn vị cấp xã đã đăng ký",
            )
        auth = authority_of(catalog, reg, p.unit, p.year)
        rnd = self._get(Round, chain_id("round", auth.round_unit, p.year), batch)
        self._authorise(spec, p, signers, reg, auth, rnd)
        cid = chain_id("evaluation", p.unit, p.year)
        ev = self._get(Evaluation, cid, batch)
        if p.type == "EvaluationOpened":
            if ev is not None:
                raise Duplicate("this evaluation is already open", "hồ sơ đánh giá này đã được mở")
            if p.prev is not None:
                raise BadEvent(
                    "the first event of a chain has no prev", "sự kiện đầu chuỗi không có prev"
                )
            if p.data["catalog_id"] != catalog.catalog_id:
                raise BadEvent(
                    f"{p.year} is evaluated under catalog {catalog.catalog_id}",
                    f"năm {p.year} được đánh giá theo bộ tiêu chí {catalog.catalog_id}",
                )
            return Evaluation(envelope=text)
        if ev is None:
            raise OutOfOrder(
                f"no evaluation of {p.unit} for {p.year} has been opened",
                f"chưa mở hồ sơ đánh giá của {p.unit} năm {p.year}",
            )
        if p.type in ("ScoresAppraised",) and rnd is None:
            raise OutOfOrder("no council has been formed", "chưa thành lập Hội đồng đánh giá")
        if p.type == "RecognitionRevoked" and (
            rnd is None or rnd.decision is None or p.unit not in rnd.decision["meeting"]
        ):
            raise OutOfOrder(
                "only a recognised unit can have its recognition revoked",
                "chỉ thu hồi được công nhận của đơn vị đã được công nhận",
            )
        signer = signers[0].official_id if signers and signers[0] else None
        ev.record(text, p, catalog, signer)
        return ev  # type: ignore[no-any-return]

    def _round_event(
        self,
        text: str,
        p: Payload,
        spec: EventSpec,
        reg: Registry,
        signers: list[KeyRecord | None],
        catalog: Catalog,
        batch: _Batch,
    ) -> Chain:
        auth = authority_of(catalog, reg, None)
        holder = reg.unit_in(p.unit, p.year)
        if holder is None or holder.level != auth.level:
            raise NotAllowed(
                f"rounds of {p.year} are held by a {auth.level}, not {p.unit}",
                f"đợt đánh giá năm {p.year} do cấp {auth.level_vi} tổ chức, không phải {p.unit}",
            )
        auth = Authority(auth.level, auth.level_vi, p.unit, auth.justice, auth.decider)
        cid = chain_id("round", p.unit, p.year)
        rnd = self._get(Round, cid, batch)
        self._authorise(spec, p, signers, reg, auth, rnd)
        if p.type == "CouncilFormed" and rnd is None:
            if p.prev is not None:
                raise BadEvent(
                    "the first event of a chain has no prev", "sự kiện đầu chuỗi không có prev"
                )
            self._check_council(p, reg)
            return Round(envelope=text)
        if rnd is None:
            raise OutOfOrder(
                "the council of this round has not been formed",
                "Hội đồng đánh giá của đợt này chưa được thành lập",
            )
        units = p.data.get("units", [])
        need = {"DossiersCirculated": "submitted", "AppraisalConcluded": "appraised"}.get(p.type)
        for code in units if need else []:
            ev = self._get(Evaluation, chain_id("evaluation", code, p.year), batch)
            ok = ev is not None and (ev.submitted if need == "submitted" else ev.appraised)
            if not ok:
                raise OutOfOrder(
                    f"{code}: its dossier was never {need}",
                    f"{code}: hồ sơ chưa được "
                    + ("gửi" if need == "submitted" else "thẩm định điểm"),
                    unit=code,
                )
        rnd.record(text, p)
        return rnd  # type: ignore[no-any-return]

    def _check_council(self, p: Payload, reg: Registry) -> None:
        roles = [m["council_role"] for m in p.data["members"]]
        if roles.count("chair") != 1 or roles.count("secretary") != 1:
            raise BadEvent(
                "a council has exactly one chair and one secretary",
                "Hội đồng phải có đúng một Chủ tịch và một Thư ký",
            )
        for m in p.data["members"]:
            oid = m.get("official_id")
            if oid is not None and not reg.officials_of(oid):
                raise UnknownKey(
                    f"council member {oid} is not an enrolled official",
                    f"thành viên Hội đồng {oid} chưa được đăng ký",
                )

    def _authorise(
        self,
        spec: EventSpec,
        p: Payload,
        signers: list[KeyRecord | None],
        reg: Registry,
        auth: Authority | None,
        rnd: Round | None,
    ) -> None:
        """Every signer must hold one of the spec's roles for this unit, now."""
        held: list[set[str]] = []
        for rec in signers:
            roles: set[str] = set()
            if rec is None:
                roles.add("registrar")
            else:
                if scope_covers(rec.scope, p.unit, reg.unit_in(p.unit, p.year)):
                    roles.add(rec.role.value)
                    if auth is not None and rec.role.value == auth.justice:
                        roles.add("justice")
                    if auth is not None and rec.role.value == auth.decider:
                        roles.add("decider")
                if rnd is not None and (cr := rnd.member_role(rec.official_id)):
                    roles.add("council_" + cr)
                if rec.role is Role.CATALOG_AUTHORITY:
                    roles.add("catalog_authority")
            held.append(roles)
        if spec.min_signers >= 2:
            needed = set(spec.roles)
            if not all(any(r in h for h in held) for r in needed):
                raise NotAllowed(
                    f"{p.type} must be signed by " + " and ".join(sorted(needed)),
                    f"{p.type} phải có chữ ký của " + " và ".join(sorted(needed)),
                    needed=sorted(needed),
                )
            return
        for h, kid in zip(held, p.signers, strict=True):
            if not h & spec.roles:
                raise NotAllowed(
                    f"the signer's role or unit may not record {p.type} for {p.unit}",
                    f"người ký không có vai trò hoặc phạm vi đơn vị để ghi {p.type} cho {p.unit}",
                    key_id=kid,
                    allowed=sorted(spec.roles),
                )

    def _findings_in_batch(self, ev: Evaluation, reg: Registry, batch: _Batch) -> list[Finding]:
        cat = reg.catalogs.get(ev.catalog_id)
        if cat is None:
            return []
        auth = authority_of(cat, reg, ev.unit, ev.year)
        rnd = self._get(Round, chain_id("round", auth.round_unit, ev.year), batch)
        return evaluation_findings(ev, rnd, cat, reg)



def payload_of(data: bytes) -> Payload:
    return parse_payload(parse_envelope(data, require_canonical=False).payload)
