"""Whether a signed envelope may be recorded now: the ledger's refusals, shared with the
verifier so that an inspector replaying the log refuses exactly what the ledger refused.

``Judge.judge`` parses the envelope strictly, checks its header and schema, verifies every
signature against the key enrolled in the registry (valid at the claimed time), checks
that every signer's role and unit allow this step, and asks the chain whether the step
makes sense now. It changes nothing: it returns a ``Verdict`` that the caller applies
(the ledger through its aggregates, the verifier to plain states). Refusals are
``verify.refusals.Refused`` subclasses or ``VerificationError``; lawfulness findings are
not refusals (``verify.law.rules``; ADR 0002).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from verify.dsse import Envelope, parse_envelope, verify_signatures
from verify.errors import VerificationError
from verify.keys import PublicKey, load_public_key
from verify.law.catalog import Catalog
from verify.process.authority import Authority, authority_of
from verify.process.chain import ChainState, envelope_hash
from verify.process.evaluation import EvaluationState
from verify.process.officials import KeyRecord, Role, scope_covers
from verify.process.payload import Payload, parse_payload
from verify.process.registry import RegistryState
from verify.process.round import RoundState
from verify.process.schema import EventSpec, check_data, spec_for
from verify.refusals import BadEvent, Duplicate, NotAllowed, OutOfOrder, UnknownKey
from verify.x509 import TrustAnchor

MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_ENVELOPE_BYTES = 65_535  # every leaf fits a C2SP tlog-tiles entry bundle (uint16 length)


class World(Protocol):
    """The chains as they are before this envelope (including earlier ones of a batch)."""

    def registry(self) -> RegistryState | None: ...

    def evaluation(self, unit: str, year: int) -> EvaluationState | None: ...

    def round(self, unit: str, year: int) -> RoundState | None: ...


@dataclass(frozen=True)
class Prechecked:
    """An envelope parsed, and its signatures verified, ahead of judging.

    ``signatures_verified`` means every signature verifies under the key whose id it
    names; since a key id is the SHA-256 of the key, that is the enrolled key, so the
    judge still checks enrolment, validity and roles but not the cryptography again.
    """

    env: Envelope
    payload: Payload
    signatures_verified: bool
    digest: str | None = None  # the envelope's hash, if already computed
    data_checked: bool = False  # the payload's data is known to fit its schema


def precheck(data: bytes, keys: Mapping[str, PublicKey]) -> Prechecked:
    """Parse ``data`` (raising what the judge would) and verify its signatures if every
    signing key is in ``keys`` (any keys: only ids that match count). A signature that
    does not verify is left for the judge, which refuses it in its own order of checks."""
    env = parse_envelope(data, require_canonical=False, max_bytes=MAX_ENVELOPE_BYTES)
    payload = parse_payload(env.payload)
    if not all(s.keyid in keys for s in env.signatures):
        return Prechecked(env, payload, False)
    try:
        verify_signatures(env, keys)
    except VerificationError:
        return Prechecked(env, payload, False)
    return Prechecked(env, payload, True)


@dataclass
class Verdict:
    """An accepted envelope and where it goes; ``chain`` is None for a chain's first event."""

    env: Envelope
    payload: Payload
    spec: EventSpec
    digest: str  # envelope hash, hex
    kind: str  # registry | evaluation | round
    chain: ChainState | None
    signers: list[KeyRecord | None]  # None: a trust-root key
    unchecked: list[str] = field(default_factory=list)  # cross-chain checks not possible here

    @property
    def text(self) -> str:
        return self.env.raw.decode("ascii")


class Judge:
    """Refuses what cannot be true. ``clock`` is the ledger's clock (None when replaying:
    a verifier has no trusted clock); ``partial`` tolerates references to chains that a
    partial audit bundle does not carry, listing them in ``Verdict.unchecked``. ``anchors``
    pins the X.509 trust anchors: if given, the log may add no other (ADR 0007).
    ``check_signatures=False`` skips only the signature arithmetic (keys are still looked
    up and their validity checked): for a caller that verifies the same envelopes'
    signatures elsewhere, such as the verifier's process pool."""

    def __init__(
        self,
        world: World,
        *,
        scope: str,
        trust_root: Sequence[PublicKey] = (),
        clock: Callable[[], datetime] | None = None,
        partial: bool = False,
        anchors: Sequence[TrustAnchor] = (),
        check_signatures: bool = True,
    ) -> None:
        self.world = world
        self.scope = scope
        self.trust_root = {k.key_id: k for k in trust_root}
        self.anchors = {a.fingerprint for a in anchors}
        self.clock = clock
        self.partial = partial
        self.check_signatures = check_signatures

    def judge(
        self, data: bytes, pre: Prechecked | tuple[Envelope, Payload] | None = None
    ) -> Verdict:
        """Judge ``data``. ``pre`` is what was already found for exactly these bytes
        (possibly in another process): a ``Prechecked`` (parsed, signatures perhaps
        verified) or the strictly parsed envelope and payload; neither is repeated."""
        if pre is None:
            env = parse_envelope(data, require_canonical=False, max_bytes=MAX_ENVELOPE_BYTES)
            p = parse_payload(env.payload)
        elif isinstance(pre, Prechecked):
            env, p = pre.env, pre.payload
        else:
            env, p = pre
        known = pre if isinstance(pre, Prechecked) else None
        spec = spec_for(p.type)
        if known is None or not known.data_checked:
            check_data(spec, p.data)
        now = self.clock() if self.clock is not None else None
        self._check_header(env, p, spec, now)
        digest = known.digest if known is not None and known.digest else envelope_hash(env.raw)
        reg = self.world.registry()
        if p.type == "LedgerInitialised":
            self._initialise(env, p, reg)
            return Verdict(env, p, spec, digest, "registry", None, [None] * len(p.signers))
        if reg is None:
            raise OutOfOrder("the ledger has not been initialised", "sổ cái chưa được khởi tạo")
        done = known is not None and known.signatures_verified
        signers = self._verify(env, p, reg, now, done)
        verdict = Verdict(env, p, spec, digest, spec.chain, None, signers)
        if spec.chain == "registry":
            self._authorise(spec, p, signers, reg, None, None)
            if p.unit != reg.unit:
                raise NotAllowed("wrong registry", "sai sổ đăng ký", unit=p.unit)
            reg.check(p, digest)
            if p.type == "TrustAnchorAdded" and self.anchors:
                self._check_pinned(p.data["anchor"]["sha256"])
            verdict.chain = reg
            return verdict
        assert p.year is not None
        catalog = reg.catalog_for_year(p.year)
        if catalog is None:
            raise OutOfOrder(
                f"no criteria catalog is in force for {p.year}",
                f"chưa có bộ tiêu chí áp dụng cho năm {p.year}",
            )
        if spec.chain == "evaluation":
            self._evaluation_event(verdict, reg, catalog)
        else:
            self._round_event(verdict, reg, catalog)
        return verdict

    # -- header and signatures -------------------------------------------------------
    def _check_header(
        self, env: Envelope, p: Payload, spec: EventSpec, now: datetime | None
    ) -> None:
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
        if now is not None and p.time > now + MAX_CLOCK_SKEW:
            raise BadEvent(
                "the claimed signing time is in the future",
                "thời điểm ký khai báo nằm ở tương lai",
                time=p.time.isoformat(),
            )
        if (p.year is None) != (spec.chain == "registry"):
            raise BadEvent(
                f"{p.type} must {'not ' if spec.chain == 'registry' else ''}name a year",
                f"{p.type} {'không được' if spec.chain == 'registry' else 'phải'} ghi năm đánh giá",
            )

    def _verify(
        self, env: Envelope, p: Payload, reg: RegistryState, now: datetime | None, done: bool
    ) -> list[KeyRecord | None]:
        """Check every signer's key and signature (the signatures only if not ``done``);
        return each signer's enrolment (None for the trust root)."""
        keys: dict[str, PublicKey] = {}
        records: list[KeyRecord | None] = []
        for kid in p.signers:
            if kid in reg.trust_root:
                keys[kid] = reg.trust_root[kid]
                records.append(None)
                continue
            rec = reg.valid_key(kid, p.time, now)
            keys[kid] = rec.key
            records.append(rec)
        if not done and self.check_signatures:
            verify_signatures(env, keys)
        return records

    def _initialise(self, env: Envelope, p: Payload, reg: RegistryState | None) -> None:
        if reg is not None:
            raise Duplicate("the ledger is already initialised", "sổ cái đã được khởi tạo")
        if p.unit != self.scope or p.prev is not None:
            raise BadEvent(
                f"the first event must be for {self.scope} with no prev",
                f"sự kiện đầu tiên phải thuộc {self.scope} và không có prev",
            )
        roots = {}
        for k in p.data["trust_root"]:
            if not isinstance(k, dict) or set(k) != {"alg", "spki"}:
                raise BadEvent("a trust root key is {alg, spki}", "khoá gốc có dạng {alg, spki}")
            pk = load_public_key(k["alg"], k["spki"])
            roots[pk.key_id] = pk
        if self.trust_root and set(roots) != set(self.trust_root):
            raise NotAllowed(
                "the trust root in the event is not this deployment's",
                "gốc tin cậy trong sự kiện không phải của hệ thống này",
            )
        if any(k not in roots for k in p.signers):
            raise UnknownKey(
                "signed by a key outside the trust root", "ký bằng khoá ngoài gốc tin cậy"
            )
        verify_signatures(env, roots)

    def _check_pinned(self, sha256: str) -> None:
        if sha256 not in self.anchors:
            raise NotAllowed(
                "the trust anchor in the event is not one of this deployment's",
                "gốc tin cậy trong sự kiện không thuộc danh sách gốc tin cậy đã cấu hình",
                sha256=sha256,
            )

    # -- the two kinds of process chain ------------------------------------------------
    def _evaluation_event(self, v: Verdict, reg: RegistryState, catalog: Catalog) -> None:
        p = v.payload
        assert p.year is not None
        unit = reg.unit_in(p.unit, p.year)
        if unit is None or unit.level != "commune":
            raise NotAllowed(
                f"{p.unit} is not a registered commune-level unit",
                f"{p.unit} không phải đơn vị cấp xã đã đăng ký",
            )
        auth = authority_of(catalog, reg, p.unit, p.year)
        rnd = self.world.round(auth.round_unit, p.year)
        self._authorise(v.spec, p, v.signers, reg, auth, rnd)
        ev = self.world.evaluation(p.unit, p.year)
        if p.type == "EvaluationOpened" and ev is None:
            if p.prev is not None:
                raise BadEvent(
                    "the first event of a chain has no prev", "sự kiện đầu chuỗi không có prev"
                )
            if p.data["catalog_id"] != catalog.catalog_id:
                raise BadEvent(
                    f"{p.year} is evaluated under catalog {catalog.catalog_id}",
                    f"năm {p.year} được đánh giá theo bộ tiêu chí {catalog.catalog_id}",
                )
            return
        if ev is None:
            raise OutOfOrder(
                f"no evaluation of {p.unit} for {p.year} has been opened",
                f"chưa mở hồ sơ đánh giá của {p.unit} năm {p.year}",
            )
        if p.type == "ScoresAppraised" and rnd is None:
            raise OutOfOrder("no council has been formed", "chưa thành lập Hội đồng đánh giá")
        if p.type == "RecognitionRevoked" and (
            rnd is None or rnd.decision is None or p.unit not in rnd.decision["meeting"]
        ):
            raise OutOfOrder(
                "only a recognised unit can have its recognition revoked",
                "chỉ thu hồi được công nhận của đơn vị đã được công nhận",
            )
        first = v.signers[0] if v.signers else None
        ev.check(p, catalog, first.official_id if first else None, v.digest)
        v.chain = ev

    def _round_event(self, v: Verdict, reg: RegistryState, catalog: Catalog) -> None:
        p = v.payload
        assert p.year is not None
        auth = authority_of(catalog, reg, None)
        holder = reg.unit_in(p.unit, p.year)
        if holder is None or holder.level != auth.level:
            raise NotAllowed(
                f"rounds of {p.year} are held by a {auth.level}, not {p.unit}",
                f"đợt đánh giá năm {p.year} do cấp {auth.level_vi} tổ chức, không phải {p.unit}",
            )
        auth = Authority(auth.level, auth.level_vi, p.unit, auth.justice, auth.decider)
        rnd = self.world.round(p.unit, p.year)
        self._authorise(v.spec, p, v.signers, reg, auth, rnd)
        if p.type == "CouncilFormed" and rnd is None:
            if p.prev is not None:
                raise BadEvent(
                    "the first event of a chain has no prev", "sự kiện đầu chuỗi không có prev"
                )
            self._check_council(p, reg)
            return
        if rnd is None:
            raise OutOfOrder(
                "the council of this round has not been formed",
                "Hội đồng đánh giá của đợt này chưa được thành lập",
            )
        need = {"DossiersCirculated": "submitted", "AppraisalConcluded": "appraised"}.get(p.type)
        for code in p.data.get("units", []) if need else []:
            ev = self.world.evaluation(code, p.year)
            if ev is None and self.partial:
                v.unchecked.append(f"{p.type}: {code}")
                continue
            ok = ev is not None and (ev.submitted if need == "submitted" else ev.appraised)
            if not ok:
                raise OutOfOrder(
                    f"{code}: its dossier was never {need}",
                    f"{code}: hồ sơ chưa được "
                    + ("gửi" if need == "submitted" else "thẩm định điểm"),
                    unit=code,
                )
        rnd.check(p, v.digest)
        v.chain = rnd

    def _check_council(self, p: Payload, reg: RegistryState) -> None:
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

    # -- roles ------------------------------------------------------------------------
    def _authorise(
        self,
        spec: EventSpec,
        p: Payload,
        signers: list[KeyRecord | None],
        reg: RegistryState,
        auth: Authority | None,
        rnd: RoundState | None,
    ) -> None:
        """Every signer must hold one of the spec's roles for this unit, now."""
        unit = reg.unit_in(p.unit, p.year)
        held: list[set[str]] = []
        for rec in signers:
            if rec is None:
                held.append({"registrar"})
                continue
            roles: set[str] = set()
            if scope_covers(rec.scope, p.unit, unit):
                role = rec.role.value
                roles.add(role)
                if auth is not None:
                    if role == auth.justice:
                        roles.add("justice")
                    if role == auth.decider:
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
