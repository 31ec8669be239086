"""``minhbach log audit``: the log checks its own storage (ADR 0014).

Recomputes, streaming in chunks, every leaf hash from the stored envelope bytes, every
stored complete-subtree hash from the leaves (``TreeBuilder``), the head root, and each
stored checkpoint's root and signature against the log key. Also counts the leaf, node
and event rows, so rows deleted or added behind the application's back are found. Each
problem names its position.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from api.store.checkpoints import CheckpointStore
from verify.errors import LocalizedError
from verify.merkle import TreeBuilder, leaf_hash
from verify.note import Verifier, open_note, parse_checkpoint

CHUNK = 2000


@dataclass(frozen=True)
class Problem:
    where: str  # e.g. "leaf 17", "node (3, 2)", "checkpoint 120"
    en: str
    vi: str

    def __str__(self) -> str:
        return f"{self.where}: {self.vi} / {self.en}"


@dataclass
class AuditReport:
    size: int = 0
    leaves: int = 0
    nodes: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _nodes_of(size: int) -> int:
    """How many complete subtrees a tree of ``size`` leaves has."""
    total, level = 0, 0
    while size >> level:
        total += size >> level
        level += 1
    return total


class Auditor:
    def __init__(self, recorder: Any, verifier: Verifier, origin: str, limit: int = 100) -> None:
        self.recorder = recorder
        self.verifier = verifier
        self.origin = origin
        self.limit = limit  # stop listing after this many problems
        self.report = AuditReport()

    def _problem(self, where: str, en: str, vi: str) -> None:
        if len(self.report.problems) < self.limit:
            self.report.problems.append(Problem(where, en, vi))

    def _leaf_rows(self, size: int) -> Iterator[tuple[int, bytes, str, bytes]]:
        for lo in range(0, max(size, 1), CHUNK):
            rows = self.recorder.log_sql(
                "SELECT idx, leaf_hash, envelope_hash, envelope FROM log_leaves "
                "WHERE idx >= ? AND idx < ? ORDER BY idx",
                (lo, lo + CHUNK),
            )
            for r in rows:
                yield int(r[0]), bytes(r[1]), str(r[2]), bytes(r[3])

    def _stored_nodes(self, created: list[tuple[tuple[int, int], bytes]]) -> dict[Any, bytes]:
        out: dict[Any, bytes] = {}
        levels: dict[int, list[int]] = {}
        for (level, idx), _ in created:
            levels.setdefault(level, []).append(idx)
        for level, idxs in levels.items():
            rows = self.recorder.log_sql(
                "SELECT idx, hash FROM log_nodes WHERE level = ? AND idx >= ? AND idx <= ?",
                (level, min(idxs), max(idxs)),
            )
            out.update({(level, int(r[0])): bytes(r[1]) for r in rows})
        return out

    def run(self) -> AuditReport:
        rep = self.report
        size, head_root = self.recorder.log_head()
        rep.size = size
        # 1. Row counts: leaves, nodes and events match the head size.
        rep.leaves = int(self.recorder.log_sql("SELECT COUNT(*) FROM log_leaves")[0][0])
        rep.nodes = int(self.recorder.log_sql("SELECT COUNT(*) FROM log_nodes")[0][0])
        events = int(self.recorder.events_count())
        if rep.leaves != size:
            self._problem("log", f"{rep.leaves} leaves stored for a head of size {size}",
                          f"có {rep.leaves} lá được lưu cho đầu sổ kích thước {size}")  # fmt: skip
        if events != size:
            self._problem("log", f"{events} events stored for a head of size {size}",
                          f"có {events} sự kiện được lưu cho đầu sổ kích thước {size}")  # fmt: skip
        if rep.nodes != _nodes_of(size):
            self._problem("log", f"{rep.nodes} tree nodes stored, {_nodes_of(size)} expected",
                          f"có {rep.nodes} nút cây được lưu, cần {_nodes_of(size)}")  # fmt: skip
        # 2. Every leaf and node, recomputed from the envelopes in order.
        builder, expected = TreeBuilder(), 0
        roots: dict[int, bytes] = {}
        sizes = {cp.size for cp in self._checkpoints()}
        batch: list[tuple[tuple[int, int], bytes]] = []
        for idx, stored_lh, env_hash, env in self._leaf_rows(size):
            while expected < idx and expected < size:
                self._problem(f"leaf {expected}", "missing", "bị thiếu (đã bị xoá)")
                expected += 1
            lh = leaf_hash(env)
            if lh != stored_lh:
                self._problem(f"leaf {idx}", "stored leaf hash is not the envelope's hash",
                              "giá trị băm lá đã lưu không phải băm của phong bì")  # fmt: skip
            if hashlib.sha256(env).hexdigest() != env_hash:
                self._problem(f"leaf {idx}", "stored envelope hash differs from the envelope",
                              "giá trị băm phong bì đã lưu khác phong bì")  # fmt: skip
            if idx >= size:
                self._problem(f"leaf {idx}", "beyond the head", "nằm ngoài đầu sổ")
                continue
            while builder.size < idx:  # a missing leaf: continue with its stored hash
                gap = self.recorder.log_nodes([(0, builder.size)]).get((0, builder.size))
                batch += builder.append(gap or b"\0" * 32)
            batch += builder.append(lh)
            expected = idx + 1
            if builder.size in sizes:
                roots[builder.size] = builder.root()
            if len(batch) >= CHUNK:
                self._compare(batch)
                batch = []
        for missing in range(expected, size):
            self._problem(f"leaf {missing}", "missing", "bị thiếu (đã bị xoá)")
        self._compare(batch)
        # 3. The head root.
        if builder.size == size and builder.root() != head_root:
            self._problem("head", "the head root is not the root of the leaves",
                          "gốc ở đầu sổ không phải gốc của các lá")  # fmt: skip
        # 4. Every stored checkpoint: signature, origin, root at its size.
        self._audit_checkpoints(size, roots)
        return rep

    def _compare(self, batch: list[tuple[tuple[int, int], bytes]]) -> None:
        if not batch:
            return
        stored = self._stored_nodes(batch)
        for node, h in batch:
            if stored.get(node) != h:
                what = "missing" if node not in stored else "differs from the recomputed hash"
                vi = "bị thiếu" if node not in stored else "khác giá trị băm tính lại"
                self._problem(f"node {node}", f"stored hash {what}", f"giá trị băm đã lưu {vi}")

    def _checkpoints(self) -> Iterator[Any]:
        store, after = CheckpointStore(self.recorder), -1
        while page := store.page(after):
            yield from page
            after = page[-1].size

    def _audit_checkpoints(self, size: int, roots: dict[int, bytes]) -> None:
        for stored in self._checkpoints():
            self.report.checkpoints += 1
            where = f"checkpoint {stored.size}"
            try:
                opened = open_note(stored.note, [self.verifier])
                cp = parse_checkpoint(opened.text)
            except LocalizedError as e:
                self._problem(
                    where, f"note does not open: {e.en}", f"ghi chú không mở được: {e.vi}"
                )
                continue
            if not opened.verified:
                self._problem(where, "not signed by the log key", "không được ký bằng khoá của sổ")
            if (cp.origin, cp.size, cp.root) != (self.origin, stored.size, stored.root):
                self._problem(where, "row differs from its signed note",
                              "hàng đã lưu khác với ghi chú đã ký")  # fmt: skip
            if cp.size > size:
                self._problem(where, f"larger than the log (size {size}): rolled back",
                              f"lớn hơn sổ (kích thước {size}): sổ bị quay lui")  # fmt: skip
            elif roots.get(cp.size) != cp.root:
                self._problem(where, "root is not the root of the stored leaves at that size",
                              "gốc không phải gốc của các lá đã lưu tại kích thước đó")  # fmt: skip
