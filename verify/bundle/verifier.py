"""Verify an audit bundle, streaming: the numbered steps of ``verify.bundle.steps``.

Memory does not grow with the bundle: one line is read at a time; the registry is kept
(it judges every signature); each group (an appraisal round and the evaluations it
decides) is replayed, its findings computed, and its state dropped before the next.
A bundle of the whole log also keeps 33 bytes per leaf (its hash and a seen flag) to
rebuild the tree; a partial bundle checks each envelope's inclusion proof at once.

Envelopes are judged by ``verify.process.judge`` in log order inside each group, against
the registry as it stood at each envelope's leaf index (``RegistryAt``), exactly as the
ledger judged them. Signatures of the groups are verified ahead on a process pool.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from verify import collector
from verify.bundle.errors import (
    BundleError,
    CheckpointFork,
    CheckpointUnsigned,
    DuplicateIndex,
    Inconsistent,
    LogIncomplete,
    NotIncluded,
    OutOfLogOrder,
    PolicyNotMet,
    RemoteError,
    RootMismatch,
    Unusable,
    WrongGroup,
    WrongOrigin,
    step_of,
)
from verify.bundle.format import (
    CheckpointRecord,
    ConsistencyRecord,
    EndRecord,
    EnvelopeRecord,
    GroupRecord,
    Reader,
    Record,
    RegistryRecord,
)
from verify.bundle.parallel import Checker, Failure, Found, KeySpec, Pipeline, prechecked
from verify.bundle.registry_at import Positions, RegistryAt
from verify.bundle.steps import Result, Step
from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.dsse import parse_envelope, verify_signatures
from verify.errors import BadSignature, LocalizedError, ProofError
from verify.keys import PublicKey
from verify.law.rules import evaluation_findings
from verify.merkle import TreeBuilder, leaf_hash, verify_consistency, verify_inclusion
from verify.note import Verifier, open_note, split_note
from verify.note import parse_verifier_key as parse_vkey
from verify.process.authority import authority_of
from verify.process.judge import Verdict
from verify.process.payload import parse_payload
from verify.process.registry import RegistryState
from verify.process.replay import Replay
from verify.witnesspolicy import Policy
from verify.x509 import TrustAnchor

INLINE_BELOW = 4 << 20  # bundles smaller than this are verified in one process
READ_BUFFER = 1 << 20  # a line at a time from 1 MiB reads: half the CPU of 8 KiB ones


@dataclass
class Options:
    log_keys: Sequence[Verifier] = ()
    policy: Policy | None = None
    trust_root: Sequence[PublicKey] = ()
    anchors: Sequence[TrustAnchor] = ()  # X.509 roots the inspector pins (ADR 0007)
    jobs: int | None = None  # None: one process per core for large bundles
    progress: Callable[[int], None] | None = None


@dataclass
class _Checkpoint:
    cp: Checkpoint
    note: str
    proof: tuple[bytes, ...] | None = None


class _Replay(Replay):
    """Replay whose registry, after the registry section, is seen from a leaf index."""

    view: RegistryAt | None = None

    def registry(self) -> RegistryState | None:
        return self.view if self.view is not None else self.reg


@dataclass
class _Group:
    round: str
    year: int
    members: dict[tuple[str, int], bool] = field(default_factory=dict)


class BundleVerifier:
    def __init__(self, f: IO[bytes], name: str, options: Options, size: int | None = None):
        self.f, self.options, self.size = f, options, size
        self.result = Result(name)
        self.s: dict[int, Step] = self.result.steps
        self.main: _Checkpoint | None = None
        self.older: list[_Checkpoint] = []
        self.seen: bytearray | set[int] = set()
        self.leaves: bytearray | None = None
        self.positions = Positions()
        self.broken: set[tuple[str, str, int | None]] = set()
        self.group: _Group | None = None
        self.groups_seen: set[tuple[str, int]] = set()
        self.last_index = -1
        self.envelopes = 0
        self.records = 0
        self.signatures = 0
        self.skipped = 0
        self.skipped_checked = 0  # of those, checked by a worker (not in the registry section)
        self.unchecked: list[str] = []
        self.full: RegistryState | None = None
        self.view: RegistryAt | None = None

    # -- the whole run -------------------------------------------------------------
    @collector.long_run()
    def run(self) -> Result:
        started = time.monotonic()
        try:
            reader = Reader(self.f)
        except Unusable as e:
            self.result.unusable = e.as_dict()
            return self.result
        except LocalizedError as e:  # e.g. an over-long first line
            self.result.unusable = e.as_dict()
            return self.result
        self.header = h = reader.header
        self.result.header = h.doc()
        self.replay = _Replay(
            h.ledger, trust_root=self.options.trust_root, anchors=self.options.anchors, partial=True
        )
        if h.complete:
            self.seen = bytearray(h.log_size)
            self.leaves = bytearray(32 * h.log_size)
        records = self._guarded(reader)
        checker: Checker | None = None
        try:
            self._head(records)
            checker = self._registry(records)
            if checker is not None:
                self._groups(records, checker)
        except _Stop:
            pass
        finally:
            if checker is not None:
                checker.close()
        self._finish_lawfulness()
        self.result.stats = {
            "envelopes": self.envelopes,
            "signatures": self.signatures,
            "seconds": round(time.monotonic() - started, 3),
            "bytes": reader.bytes_read,
            "skipped_after_break": self.skipped,
            "skipped_signatures_checked": self.skipped_checked,
            "unchecked_references": len(self.unchecked),
        }
        if self.skipped:
            self.s[4].note(
                "skipped_after_break",
                f"{self.skipped} phong bì đứng sau một chỗ hỏng trong chuỗi hồ sơ của nó chưa được "
                f"xét theo chuỗi và quy trình; chữ ký của {self.skipped_checked} phong bì trong số "
                "đó vẫn được kiểm tra",
                f"{self.skipped} envelopes after a break in their own chain were not judged for "
                f"chain and process; {self.skipped_checked} of them still had their signatures "
                "checked",
                warning=True,
            )
        if self.unchecked:
            self.s[4].note(
                "unchecked_references",
                f"{len(self.unchecked)} tham chiếu tới hồ sơ không có trong gói chưa được kiểm tra "
                f"(ví dụ: {self.unchecked[0]})",
                f"{len(self.unchecked)} references to evaluations outside the bundle were not checked "
                f"(e.g. {self.unchecked[0]})",
            )
        return self.result

    def _guarded(self, reader: Reader) -> Iterator[Record]:
        """Records; a parse failure ends the run as a step-1 failure."""
        it = reader.records()
        n = 0
        while True:
            try:
                rec = next(it)
            except StopIteration:
                return
            except LocalizedError as e:
                self.s[1].fail(e)
                raise _Stop from None
            n += 1
            if self.options.progress is not None and n % 512 == 0:
                self.options.progress(reader.bytes_read)
            self.s[1].checked += 1
            self.s[1].ran = True
            yield rec
            if isinstance(rec, EndRecord):
                if self.options.progress is not None:
                    self.options.progress(reader.bytes_read)
                return

    # -- checkpoints ---------------------------------------------------------------
    def _head(self, records: Iterator[Record]) -> None:
        """Checkpoint records, then the registry marker."""
        for rec in records:
            if isinstance(rec, CheckpointRecord):
                self._checkpoint(rec.note)
            elif isinstance(rec, ConsistencyRecord) and self.older:
                if self.older[-1].cp.size != rec.old_size or self.older[-1].proof is not None:
                    self.s[1].fail(BundleError(
                        "a consistency proof does not follow its checkpoint",
                        "bằng chứng nhất quán không đi sau điểm kiểm tra của nó",
                        old_size=rec.old_size))  # fmt: skip
                    raise _Stop
                self.older[-1].proof = rec.proof
            elif isinstance(rec, RegistryRecord) and self.main is not None:
                self._consistency()
                return
            else:
                self.s[1].fail(BundleError(
                    "expected checkpoints, then the registry section",
                    "cần các điểm kiểm tra, rồi đến phần sổ đăng ký",
                    record=type(rec).__name__))  # fmt: skip
                raise _Stop
        raise _Stop

    def _trusted(self) -> tuple[list[Verifier], bool]:
        keys = list(self.options.log_keys)
        if self.options.policy is not None:
            keys += self.options.policy.logs
        if keys:
            return keys, True
        if self.header.log_key:
            try:
                return [parse_vkey(self.header.log_key)], False
            except LocalizedError:
                return [], False
        return [], False

    def _checkpoint(self, note: str) -> None:
        s6 = self.s[6]
        s6.ran = True
        s6.checked += 1
        first = self.main is None
        try:
            text, _ = split_note(note)
            cp = parse_checkpoint(text)
        except LocalizedError as e:
            s6.fail(e, checkpoint=len(self.older) + (0 if first else 1))
            if first:
                raise _Stop from None
            return
        if cp.origin != self.header.origin:
            s6.fail(WrongOrigin(
                "the checkpoint is for another log", "điểm kiểm tra thuộc về một sổ khác",
                expected=self.header.origin, actual=cp.origin))  # fmt: skip
        trusted, pinned = self._trusted()
        policy = self.options.policy
        witnesses = list(policy.witnesses.values()) if policy else []
        try:
            opened = open_note(note, [*trusted, *witnesses])
        except LocalizedError as e:
            s6.fail(e, size=cp.size)
            opened = None
        if opened is not None:
            log_ok = any(sig.verifier in trusted for sig in opened.verified)
            if not trusted:
                s6.note("no_log_key", "Không có khoá của sổ: chữ ký điểm kiểm tra chưa được kiểm tra.",
                        "No log key: the checkpoint's signature was not checked.", warning=True)  # fmt: skip
            elif not log_ok:
                s6.fail(CheckpointUnsigned(
                    "the checkpoint is not signed by the log key",
                    "điểm kiểm tra không có chữ ký hợp lệ của khoá của sổ",
                    size=cp.size, expected_keys=[f"{k.name}+{k.key_id.hex()}" for k in trusted],
                    signature_lines=len(opened.unknown) + len(opened.verified)))  # fmt: skip
            if first and trusted and not pinned:
                s6.note("log_key_unpinned",
                        "Khoá của sổ lấy từ chính gói (chưa được xác nhận bằng --log-key hoặc --policy).",
                        "The log key was taken from the bundle itself (not pinned with --log-key or --policy).",
                        warning=True)  # fmt: skip
            if policy is not None:
                names = {n for n, v in policy.witnesses.items()
                         if any(sig.verifier == v for sig in opened.verified)}  # fmt: skip
                if not policy.satisfied(names):
                    s6.fail(PolicyNotMet(
                        "the cosignatures do not meet the witness policy",
                        "các chữ ký đồng ký của nhân chứng không đáp ứng chính sách",
                        size=cp.size, cosigned_by=sorted(names), quorum=policy.describe()))  # fmt: skip
            elif first and opened.unknown:
                s6.note("cosignatures_not_checked",
                        f"{len(opened.unknown)} chữ ký khác trên điểm kiểm tra chưa được kiểm tra (không có --policy).",
                        f"{len(opened.unknown)} other signatures on the checkpoint were not checked (no --policy).")  # fmt: skip
        if first:
            if cp.size != self.header.log_size:
                s6.fail(BundleError(
                    "the checkpoint's size is not the bundle's log size",
                    "kích thước của điểm kiểm tra khác kích thước sổ ghi trong gói",
                    expected=self.header.log_size, actual=cp.size))  # fmt: skip
                raise _Stop
            self.main = _Checkpoint(cp, note)
        else:
            self.older.append(_Checkpoint(cp, note))

    def _consistency(self) -> None:
        s7 = self.s[7]
        assert self.main is not None
        new = self.main.cp
        for old in self.older:
            s7.ran = True
            s7.checked += 1
            o = old.cp
            if o.size == new.size:
                if o.root != new.root:
                    s7.fail(CheckpointFork(
                        "two checkpoints of the same size have different roots: the log forked",
                        "hai điểm kiểm tra cùng kích thước nhưng khác gốc cây: sổ đã bị rẽ nhánh",
                        size=o.size, expected_root=new.root.hex(), actual_root=o.root.hex()))  # fmt: skip
            elif o.size > new.size:
                s7.fail(Inconsistent(
                    "an older checkpoint is larger than the bundle's",
                    "một điểm kiểm tra cũ lớn hơn điểm kiểm tra của gói",
                    old_size=o.size, new_size=new.size))  # fmt: skip
            elif old.proof is not None:
                try:
                    verify_consistency(o.size, new.size, o.root, new.root, old.proof)
                except ProofError as e:
                    s7.fail(Inconsistent(
                        "the checkpoints are not consistent: " + e.en,
                        "các điểm kiểm tra không nhất quán: " + e.vi, **e.evidence))  # fmt: skip
            elif not self.header.complete:
                s7.fail(Inconsistent(
                    "no consistency proof for an older checkpoint",
                    "thiếu bằng chứng nhất quán cho một điểm kiểm tra cũ",
                    old_size=o.size, new_size=new.size))  # fmt: skip

    # -- envelopes: structure and Merkle --------------------------------------------
    def _place(self, rec: EnvelopeRecord, lh: bytes | None = None) -> None:
        """Steps 1 and 5 for one envelope record (it is judged whatever they find);
        ``lh``: its leaf hash if already computed."""
        assert self.main is not None
        self.records += 1
        n = self.main.cp.size
        i = rec.index
        ctx = {"position": i, "line": rec.line}
        if i >= n:
            self.s[5].fail(NotIncluded(
                "the leaf index is outside the checkpoint's tree",
                "chỉ số lá nằm ngoài cây của điểm kiểm tra", size=n), **ctx)  # fmt: skip
            return
        if isinstance(self.seen, bytearray):
            dup = self.seen[i] == 1
            self.seen[i] = 1
        else:
            dup = i in self.seen
            self.seen.add(i)
        if dup:
            self.s[1].fail(DuplicateIndex(
                "two envelopes claim the same leaf index", "hai phong bì cùng một chỉ số lá"), **ctx)  # fmt: skip
            return
        if i <= self.last_index:
            self.s[1].fail(OutOfLogOrder(
                "envelopes are not in log order within their section",
                "các phong bì không theo thứ tự của sổ trong phần của chúng",
                previous=self.last_index), **ctx)  # fmt: skip
        self.last_index = max(self.last_index, i)
        if lh is None:
            lh = leaf_hash(rec.raw)
        s5 = self.s[5]
        s5.ran = True
        s5.checked += 1
        if self.leaves is not None:
            self.leaves[32 * i : 32 * i + 32] = lh
        else:
            assert rec.proof is not None
            try:
                verify_inclusion(i, n, lh, rec.proof, self.main.cp.root)
            except ProofError as e:
                s5.fail(NotIncluded(
                    "the envelope is not in the log: " + e.en,
                    "phong bì không có trong sổ: " + e.vi,
                    envelope=hashlib.sha256(rec.raw).hexdigest(), **e.evidence), **ctx)  # fmt: skip

    # -- judging ----------------------------------------------------------------------
    @staticmethod
    def _chain_of(raw: bytes) -> tuple[str, str, int | None] | None:
        try:
            p = parse_payload(parse_envelope(raw, require_canonical=False).payload)
        except LocalizedError:
            return None
        from verify.process.schema import SPECS

        spec = SPECS.get(p.type)
        chain = spec.chain if spec else "?"
        return (chain, p.unit, None if chain == "registry" else p.year)

    def _judge(self, rec: EnvelopeRecord, sig: Failure | None, found: Found | None = None) -> None:
        self.envelopes += 1

        def ctx() -> dict[str, Any]:  # evidence, computed only for a failure
            return {"position": rec.index, "envelope": hashlib.sha256(rec.raw).hexdigest()}

        if self.broken or sig is not None:
            key = self._chain_of(rec.raw)
            if key is not None and key in self.broken:
                # Not judged: its chain broke earlier. What the worker checked does not
                # depend on the chain (parse, signatures, schema): report it all the same.
                self.skipped += 1
                self.skipped_checked += sig is not None or found is not None
                if sig is None:
                    if found is not None:
                        self.s[2].checked += 1
                        self.signatures += len(found[0])
                    return
            if sig is not None:  # reported whether its chain broke here or earlier
                remote = RemoteError(sig[0], sig[1], sig[2], **sig[3])
                self.s[step_of(remote.code)].fail(remote, **ctx())
                if key is not None:
                    self.broken.add(key)
                return
        if self.view is not None:
            self.view.at(rec.index)
        for n in (2, 3, 4):
            self.s[n].ran = True
            self.s[n].checked += 1
        try:
            pre = (
                prechecked(rec.raw, found) if found is not None and self.group is not None else None
            )
            v = self.replay.judge.judge(rec.raw, pre)
            self._check_group(v)
        except LocalizedError as e:
            key = self._chain_of(rec.raw)
            stray = self._stray(key)
            err: LocalizedError = stray if stray is not None else e
            if self.group is None:  # the registry section: no worker checked signatures first
                err = self._bad_signature(rec.raw) or err
            self.s[step_of(err.code)].fail(err, **ctx())
            if key is not None and stray is None:
                self.broken.add(key)
            return
        except Exception as e:  # noqa: BLE001 - a crafted envelope must not crash the run
            self.s[4].fail(LocalizedError(
                f"unexpected error while judging: {type(e).__name__}",
                f"lỗi không lường trước khi kiểm tra: {type(e).__name__}"), **ctx())  # fmt: skip
            self.s[4].failures[-1]["code"] = "unexpected"
            return
        self.replay.apply(v)
        self.signatures += len(v.payload.signers)
        self.unchecked += v.unchecked[: max(0, 100 - len(self.unchecked))]
        if v.kind == "registry":
            self.positions.note(rec.index, v.payload, self.replay.registry())
        self._retroactive(rec.index, v)

    def _bad_signature(self, raw: bytes) -> BadSignature | None:
        """A signature of this registry envelope that does not verify, if one does not.

        The judge reads the payload before it checks signatures (it needs the signers), so
        a tampered payload would be refused as unreadable; the groups' workers check
        signatures first and refuse it as what it is. The registry section does the same
        here, with the keys enrolled so far."""
        reg = self.replay.reg
        if reg is None:
            return None
        try:
            env = parse_envelope(raw, require_canonical=False)
        except LocalizedError:
            return None
        keys = {**reg.trust_root, **{k: r.key for k, r in reg.keys.items()}}
        if not env.signatures or any(s.keyid not in keys for s in env.signatures):
            return None
        try:
            verify_signatures(env, keys)
        except BadSignature as e:
            return e
        except LocalizedError:
            return None
        return None

    def _stray(self, key: tuple[str, str, int | None] | None) -> WrongGroup | None:
        """An envelope that the bundle's scope or group plainly excludes."""
        g, sc = self.group, self.header.scope
        if key is None or g is None or key[0] == "registry":
            return None
        kind, unit, year = key
        if (
            (sc.kind == "unit" and kind == "evaluation" and unit != sc.unit)
            or (sc.kind != "log" and year != sc.year)
            or (kind == "round" and (unit, year) != (g.round, g.year))
        ):
            return WrongGroup("an envelope outside the bundle's scope or group",
                              "phong bì nằm ngoài phạm vi hoặc nhóm của gói",
                              unit=unit, year=year, group=g.round)  # fmt: skip
        return None

    def _check_group(self, v: Verdict) -> None:
        p = v.payload
        g = self.group
        sc = self.header.scope
        if g is None:
            if v.kind != "registry":
                raise WrongGroup("only registry envelopes may precede the first group",
                                 "chỉ phong bì của sổ đăng ký được đứng trước nhóm đầu tiên")  # fmt: skip
            return
        if v.kind == "registry":
            raise WrongGroup("a registry envelope inside a group",
                             "phong bì của sổ đăng ký nằm trong một nhóm")  # fmt: skip
        assert p.year is not None
        if sc.kind != "log" and p.year != sc.year:
            raise WrongGroup("an envelope outside the bundle's year", "phong bì ngoài năm của gói",
                             year=p.year)  # fmt: skip
        if v.kind == "round":
            if (p.unit, p.year) != (g.round, g.year):
                raise WrongGroup("a round envelope in another round's group",
                                 "phong bì của đợt đánh giá nằm trong nhóm của đợt khác",
                                 unit=p.unit, group=g.round)  # fmt: skip
            return
        if sc.kind == "unit" and p.unit != sc.unit:
            raise WrongGroup("an evaluation outside the bundle's unit",
                             "hồ sơ của đơn vị khác với đơn vị của gói", unit=p.unit,
                             expected=sc.unit)  # fmt: skip
        key = (p.unit, p.year)
        ok = g.members.get(key)
        if ok is None:
            reg = self.replay.registry()
            assert reg is not None
            cat = reg.catalog_for_year(p.year)
            ok = cat is not None and authority_of(cat, reg, p.unit, p.year).round_unit == g.round
            ok = ok and p.year == g.year
            g.members[key] = ok
        if not ok:
            raise WrongGroup("an evaluation in the group of a round that does not decide it",
                             "hồ sơ nằm trong nhóm của đợt đánh giá không có thẩm quyền với nó",
                             unit=p.unit, group=g.round)  # fmt: skip

    def _retroactive(self, index: int, v: Verdict) -> None:
        """ADR 0004: accepted before a revocation was logged, but claiming a later time."""
        assert self.full is not None or v.kind == "registry"
        for rec in v.signers:
            at = None if rec is None else self.positions.revoked.get(rec.key_id)
            if rec is None or at is None or at <= index or self.full is None:
                continue
            full = self.full.keys.get(rec.key_id)
            if full is None or full.revoked_from is None:
                continue
            if v.payload.time >= full.revoked_from:
                self.result.findings.append({
                    "code": "signed_after_revocation_effective",
                    "cite": "ADR 0004: thu hồi khoá có hiệu lực hồi tố",
                    "vi": f"Phong bì được ghi trước khi khoá {rec.key_id[:16]}… bị thu hồi nhưng khai thời điểm ký "
                          f"sau ngày thu hồi có hiệu lực ({full.revoked_from:%d/%m/%Y}).",
                    "en": f"Logged before key {rec.key_id[:16]}… was revoked, but claims a signing time after "
                          f"the revocation took effect ({full.revoked_from:%d/%m/%Y}).",
                    "events": [v.digest],
                    "details": {"key_id": rec.key_id, "position": index,
                                "revoked_at_position": at, "claimed": v.payload.time.isoformat()},
                    "unit": v.payload.unit, "year": v.payload.year,
                })  # fmt: skip

    # -- sections -----------------------------------------------------------------------
    def _registry(self, records: Iterator[Record]) -> Checker | None:
        """The registry chain, judged in this process; returns the pool for the groups."""
        for rec in records:
            if isinstance(rec, EnvelopeRecord):
                self._place(rec)
                self._judge(rec, None)
                continue
            if isinstance(rec, GroupRecord | EndRecord):
                self._start_groups()
                checker = Checker(self._key_specs(), self._jobs())
                self._pending = rec
                return checker
            self._unexpected(rec)
        return None

    def _jobs(self) -> int:
        jobs = self.options.jobs
        if jobs is None:
            from verify.bundle.parallel import default_jobs

            big = self.size is None or self.size >= INLINE_BELOW
            return default_jobs() if big and default_jobs() > 1 else 0
        return jobs

    def _start_groups(self) -> None:
        reg = self.replay.reg
        if reg is None:
            self.s[4].fail(LocalizedError(
                "the bundle has no initialised registry", "gói không có sổ đăng ký đã khởi tạo"))  # fmt: skip
            self.s[4].failures[-1]["code"] = "out_of_order"
            raise _Stop
        self.full = reg
        self.view = RegistryAt(reg, self.positions)
        self.replay.view = self.view
        self.replay.judge.check_signatures = False

    def _key_specs(self) -> list[KeySpec]:
        assert self.full is not None
        specs = [(k.alg, k.spki_der) for k in self.full.trust_root.values()]
        specs += [(r.key.alg, r.key.spki_der) for r in self.full.keys.values()]
        return specs

    def _groups(self, records: Iterator[Record], checker: Checker) -> None:
        def items() -> Iterator[Record]:
            yield self._pending
            yield from records

        def raw_of(rec: Record) -> bytes | None:
            return rec.raw if isinstance(rec, EnvelopeRecord) else None

        groups = 0
        for rec, res in Pipeline(checker, raw_of).run(items()):
            if isinstance(rec, EnvelopeRecord):
                if self.group is None:
                    self._unexpected(rec)
                sig, found, lh = res if res is not None else (None, None, None)
                self._place(rec, lh)
                self._judge(rec, sig, found)
            elif isinstance(rec, GroupRecord):
                groups += 1
                self._close_group()
                key = (rec.round, rec.year)
                if key in self.groups_seen:
                    self.s[1].fail(WrongGroup("a group appears twice", "một nhóm xuất hiện hai lần",
                                              round=rec.round, year=rec.year))  # fmt: skip
                self.groups_seen.add(key)
                self.group = _Group(rec.round, rec.year)
                self.last_index = -1
            elif isinstance(rec, EndRecord):
                self._close_group()
                self._end(rec, groups)
                return
            else:
                self._unexpected(rec)

    def _unexpected(self, rec: Record) -> None:
        self.s[1].fail(BundleError("a record is out of place", "một bản ghi nằm sai vị trí",
                                   record=type(rec).__name__))  # fmt: skip
        raise _Stop

    def _close_group(self) -> None:
        g = self.group
        full = self.full
        if g is not None and full is not None:
            rnd = self.replay.rounds.get((g.round, g.year))
            for (unit, year), ev in self.replay.evaluations.items():
                cat = full.catalogs.get(ev.catalog_id) or full.catalog_for_year(year)
                if cat is None:
                    continue
                for f in evaluation_findings(ev, rnd, cat, full.calendar):
                    self.result.findings.append({**f.as_dict(), "unit": unit, "year": year})
        self.s[8].ran = self.s[8].ran or bool(self.replay.evaluations)
        self.s[8].checked += len(self.replay.evaluations)
        self.replay.evaluations = {}
        self.replay.rounds = {}

    def _end(self, rec: EndRecord, groups: int) -> None:
        if rec.envelopes != self.records or rec.groups != groups:
            self.s[1].fail(BundleError(
                "the trailer's counts do not match the bundle",
                "số đếm trong bản ghi kết thúc không khớp với nội dung gói",
                expected_envelopes=rec.envelopes, actual_envelopes=self.records,
                expected_groups=rec.groups, actual_groups=groups))  # fmt: skip
        if self.leaves is not None and self.main is not None:
            self._rebuild()

    def _rebuild(self) -> None:
        """Complete bundle: every leaf present, the root and older roots recomputed."""
        assert (
            self.main is not None and isinstance(self.seen, bytearray) and self.leaves is not None
        )
        n = self.main.cp.size
        missing = n - sum(self.seen)
        if missing:
            first = self.seen.index(0)
            self.s[5].fail(LogIncomplete(
                "the bundle of the whole log lacks some leaves",
                "gói của toàn bộ sổ thiếu một số lá", missing=missing, first_missing=first))  # fmt: skip
            return
        want = {o.cp.size: o for o in self.older if o.proof is None and 0 < o.cp.size < n}
        tree = TreeBuilder()
        mv = memoryview(self.leaves)
        for i in range(n):
            tree.append(bytes(mv[32 * i : 32 * i + 32]))
            old = want.get(i + 1)
            if old is not None and tree.root() != old.cp.root:
                self.s[7].fail(Inconsistent(
                    "an older checkpoint's root is not the root of the log's first leaves",
                    "gốc của một điểm kiểm tra cũ không phải gốc của các lá đầu tiên của sổ",
                    old_size=i + 1, expected_root=tree.root().hex(), actual_root=old.cp.root.hex()))  # fmt: skip
        root = tree.root()
        if root != self.main.cp.root:
            self.s[5].fail(RootMismatch(
                "the leaves do not hash to the checkpoint's root",
                "các lá không cho ra gốc cây của điểm kiểm tra",
                expected_root=self.main.cp.root.hex(), actual_root=root.hex(), size=n))  # fmt: skip

    def _finish_lawfulness(self) -> None:
        if self.result.findings:
            self.s[8].ran = True


class _Stop(Exception):
    """Ends the run after a failure that leaves nothing more to check."""


def verify_bundle(path: str, options: Options | None = None) -> Result:
    import os

    options = options or Options()
    try:
        size = os.path.getsize(path)
        f = open(path, "rb", buffering=READ_BUFFER)  # noqa: SIM115
    except OSError as e:
        r = Result(path)
        r.unusable = Unusable(f"cannot read the bundle: {e.strerror}",
                              f"không đọc được gói: {e.strerror}", path=path).as_dict()  # fmt: skip
        return r
    with f:
        return BundleVerifier(f, path, options, size).run()
