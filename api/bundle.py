"""Export an audit bundle (docs/bundle.md) from the ledger's stored log.

The caller supplies the signed checkpoint note (with whatever witness cosignatures it
carries) and, optionally, older checkpoint notes; the exporter checks the checkpoint
against the stored tree, then streams: the header, the checkpoints with consistency
proofs, the whole registry chain, then one group per appraisal round with the
evaluations it decides, each group in log order, and the trailer. Inclusion and
consistency proofs are assembled from the stored complete-subtree hashes
(``verify.merkle`` plans + ``recorder.log_nodes``); a bundle of the whole log carries
no inclusion proofs, since the verifier rebuilds the tree from every leaf.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from domain.ledger import Ledger
from verify.bundle import format as fmt
from verify.bundle.format import Header, Scope
from verify.checkpoint import Checkpoint, parse_checkpoint
from verify.errors import LocalizedError
from verify.merkle import (
    NodeId,
    assemble,
    consistency_plan,
    inclusion_plan,
    plan_nodes,
    root_from,
    root_plan,
)
from verify.note import split_note
from verify.process.authority import authority_of
from verify.process.payload import format_time
from verify.process.schema import SPECS
from verify.refusals import DomainError

CHUNK = 1000
GroupKey = tuple[str, int]


class ExportError(DomainError):
    code = "bundle_export_failed"


class NothingToExport(ExportError):
    code = "not_found"


def _classify(envelope: bytes) -> tuple[str, str, int | None]:
    """(chain kind, unit, year) of a stored envelope (the ledger's own data, already judged)."""
    doc = json.loads(envelope)
    p = json.loads(base64.b64decode(doc["payload"]))
    return SPECS[p["type"]].chain, p["unit"], p["year"]


class _Ranges:
    """Leaf indices as sorted (start, stop) runs."""

    def __init__(self) -> None:
        self.runs: list[list[int]] = []

    def add(self, i: int) -> None:
        if self.runs and self.runs[-1][1] == i:
            self.runs[-1][1] = i + 1
        else:
            self.runs.append([i, i + 1])

    def __len__(self) -> int:
        return sum(b - a for a, b in self.runs)


class _Nodes:
    """Stored tree hashes, fetched on demand and kept (upper nodes are shared by proofs)."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.cache: dict[NodeId, bytes] = {}

    def get(self, ids: set[NodeId]) -> dict[NodeId, bytes]:
        missing = [i for i in ids if i not in self.cache]
        for k in range(0, len(missing), 64):
            self.cache.update(self.recorder.log_nodes(missing[k : k + 64]))
        if len(self.cache) > 200_000:
            keep = {i: self.cache[i] for i in ids if i in self.cache}
            self.cache = keep
        return self.cache


class Exporter:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.recorder: Any = ledger.recorder
        self.nodes = _Nodes(self.recorder)
        self._rounds: dict[tuple[str, int], str] = {}

    def _round_of(self, unit: str, year: int) -> str:
        key = (unit, year)
        if key not in self._rounds:
            reg = self.ledger.registry()
            cat = reg.catalog_for_year(year) if reg is not None else None
            if reg is None or cat is None:
                raise ExportError("no registry or catalog", "không có sổ đăng ký hoặc bộ tiêu chí")
            self._rounds[key] = authority_of(cat, reg, unit, year).round_unit
        return self._rounds[key]

    def _check_checkpoint(self, note: str) -> Checkpoint:
        text, _ = split_note(note)
        cp = parse_checkpoint(text)
        size, _root = self.recorder.log_head()
        if cp.size > size or cp.size == 0:
            raise ExportError(
                "the checkpoint is not of this log's stored tree",
                "điểm kiểm tra không thuộc cây đã lưu của sổ này",
                checkpoint_size=cp.size, log_size=size,
            )  # fmt: skip
        hashes = self.nodes.get(set(root_plan(cp.size)))
        if root_from(cp.size, hashes) != cp.root:
            raise ExportError(
                "the checkpoint's root is not this log's root at that size",
                "gốc của điểm kiểm tra không phải gốc của sổ tại kích thước đó",
                checkpoint_size=cp.size,
            )  # fmt: skip
        return cp

    def _select(self, scope: Scope, n: int) -> tuple[_Ranges, dict[GroupKey, _Ranges]]:
        registry = _Ranges()
        groups: dict[GroupKey, _Ranges] = {}
        want_round = None
        if scope.kind == "unit":
            assert scope.unit is not None and scope.year is not None
            try:
                want_round = (self._round_of(scope.unit, scope.year), scope.year)
            except DomainError:
                raise NothingToExport(
                    f"no evaluation of {scope.unit} for {scope.year}",
                    f"chưa có hồ sơ đánh giá của đơn vị {scope.unit} năm {scope.year}",
                    unit=scope.unit, year=scope.year,
                ) from None  # fmt: skip
        for start in range(0, n, CHUNK):
            for k, env in enumerate(self.recorder.log_leaves(start, min(n, start + CHUNK))):
                i = start + k
                kind, unit, year = _classify(env)
                if kind == "registry":
                    registry.add(i)
                    continue
                assert year is not None
                if scope.kind != "log" and year != scope.year:
                    continue
                if kind == "round":
                    key = (unit, year)
                    if want_round is not None and key != want_round:
                        continue
                else:
                    if scope.kind == "unit" and unit != scope.unit:
                        continue
                    key = (self._round_of(unit, year), year)
                groups.setdefault(key, _Ranges()).add(i)
        return registry, groups

    def _envelopes(self, ranges: _Ranges, n: int, complete: bool) -> Iterator[bytes]:
        for a, b in ranges.runs:
            for start in range(a, b, CHUNK):
                stop = min(b, start + CHUNK)
                for k, env in enumerate(self.recorder.log_leaves(start, stop)):
                    i = start + k
                    proof = None
                    if not complete:
                        plan = inclusion_plan(i, n)
                        proof = assemble(plan, self.nodes.get(plan_nodes(plan)))
                    yield fmt.envelope_line(i, env, proof)

    def lines(
        self,
        scope: Scope,
        checkpoint: str,
        *,
        older: Sequence[str] = (),
        log_key: str | None = None,
        created: datetime | None = None,
    ) -> Iterator[bytes]:
        """The bundle, line by line. Raises before the first line if nothing matches."""
        cp = self._check_checkpoint(checkpoint)
        olds = [(note, self._check_checkpoint(note)) for note in older]
        n = cp.size
        registry, groups = self._select(scope, n)
        if scope.kind == "unit" and not any(len(r) for r in groups.values()):
            raise NothingToExport(
                f"no evaluation of {scope.unit} for {scope.year}",
                f"chưa có hồ sơ đánh giá của đơn vị {scope.unit} năm {scope.year}",
                unit=scope.unit, year=scope.year,
            )  # fmt: skip
        reg = self.ledger.registry()
        if scope.kind == "province" and reg is not None and scope.unit != reg.unit:
            raise NothingToExport(
                f"this log is province {reg.unit}'s, not {scope.unit}'s",
                f"sổ này là của tỉnh {reg.unit}, không phải {scope.unit}",
            )
        complete = scope.kind == "log"
        header = Header(
            scope=scope,
            ledger=reg.unit if reg is not None else self.ledger.scope,
            origin=cp.origin,
            log_size=n,
            complete=complete,
            created=format_time(created or datetime.now(UTC)),
            log_key=log_key,
        )
        return self._stream(header, checkpoint, olds, registry, groups)

    def _stream(
        self,
        header: Header,
        checkpoint: str,
        olds: list[tuple[str, Checkpoint]],
        registry: _Ranges,
        groups: dict[GroupKey, _Ranges],
    ) -> Iterator[bytes]:
        n, complete = header.log_size, header.complete
        yield fmt.header_line(header)
        yield fmt.checkpoint_line(checkpoint)
        for note, old in olds:
            yield fmt.checkpoint_line(note)
            if 0 < old.size < n:
                plan = consistency_plan(old.size, n)
                yield fmt.consistency_line(
                    old.size, assemble(plan, self.nodes.get(plan_nodes(plan)))
                )
        yield fmt.registry_line()
        count = 0
        for line in self._envelopes(registry, n, complete):
            count += 1
            yield line
        order = sorted(groups, key=lambda k: groups[k].runs[0][0])
        for key in order:
            yield fmt.group_line(*key)
            for line in self._envelopes(groups[key], n, complete):
                count += 1
                yield line
        yield fmt.end_line(count, len(order))


def unit_scope(unit: str, year: int) -> Scope:
    return Scope("unit", unit, year)


def province_scope(province: str, year: int) -> Scope:
    return Scope("province", province, year)


LOG_SCOPE = Scope("log")

__all__ = [
    "LOG_SCOPE",
    "ExportError",
    "Exporter",
    "LocalizedError",
    "NothingToExport",
    "province_scope",
    "unit_scope",
]
