"""Proofs from the stored tree in O(log n) rows and one query each.

Every proof element and root is the fold of a few complete-subtree hashes
(``verify.merkle`` plans); the nodes of a whole plan are read with one
``recorder.log_nodes`` call, so a proof costs one query of at most ~2·log2(n) rows.
"""

from __future__ import annotations

from typing import Any

from verify.checkpoint import format_tlog_proof
from verify.errors import ProofError
from verify.merkle import (
    assemble,
    consistency_plan,
    inclusion_plan,
    plan_nodes,
    root_from,
    root_plan,
)
from verify.note import parse_checkpoint, split_note


def _check_size(recorder: Any, size: int) -> None:
    head, _ = recorder.log_head()
    if not 0 <= size <= head:
        raise ProofError(
            "tree size larger than the stored log",
            "kích thước cây lớn hơn sổ đã lưu",
            tree_size=size,
            log_size=head,
        )


def inclusion_proof(recorder: Any, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) (RFC 9162 §2.1.3.1) from stored hashes."""
    _check_size(recorder, size)
    plan = inclusion_plan(index, size)
    return assemble(plan, recorder.log_nodes(sorted(plan_nodes(plan))))


def consistency_proof(recorder: Any, old: int, new: int) -> list[bytes]:
    """PROOF(old, D[0:new]) (RFC 9162 §2.1.4.1) from stored hashes."""
    _check_size(recorder, new)
    plan = consistency_plan(old, new)
    return assemble(plan, recorder.log_nodes(sorted(plan_nodes(plan))))


def root_at(recorder: Any, size: int) -> bytes:
    """MTH(D[0:size]) recomputed from the stored complete subtrees."""
    _check_size(recorder, size)
    return root_from(size, recorder.log_nodes(root_plan(size)))


def tlog_receipt(recorder: Any, index: int, note: str) -> str:
    """A C2SP tlog-proof of leaf ``index`` in the checkpoint ``note``."""
    cp = parse_checkpoint(split_note(note)[0])
    return format_tlog_proof(index, inclusion_proof(recorder, index, cp.size), note)
