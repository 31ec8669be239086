"""RFC 6962 / RFC 9162 Merkle tree: hashing, an append-only builder, proof plans, checks.

The log stores the hash of every *complete* subtree, addressed as ``NodeId`` =
(level, index): node (l, i) covers leaves [i*2^l, (i+1)*2^l), and (0, i) is the leaf
hash of leaf i (Go's ``tlog`` stores the same hashes). Any proof element or root is
the MTH of a range, which is the right-to-left fold of that range's maximal complete
subtrees, so a "plan" lists those nodes and the caller fetches them all in one query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from verify.errors import MalformedInput, ProofError
from verify.tiles import ENTRIES as ENTRIES  # re-exported: tile addressing (tlog-tiles)
from verify.tiles import TILE_WIDTH as TILE_WIDTH
from verify.tiles import parse_tile_path as parse_tile_path
from verify.tiles import tile_nodes as tile_nodes
from verify.tiles import tile_path as tile_path

NodeId = tuple[int, int]
HASH_SIZE = 32
MAX_SIZE = (1 << 63) - 1  # sizes and indices are uint64 on the wire; keep them int64-safe
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 6962 §2.1: MTH({}) = SHA-256()


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 §2.1: MTH({d(0)}) = SHA-256(0x00 || d(0))."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 §2.1: SHA-256(0x01 || MTH(left) || MTH(right))."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """RFC 6962 §2.1: k, the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """Reference MTH (RFC 6962 §2.1) over leaf hashes."""
    n = len(leaf_hashes)
    if n <= 1:
        return leaf_hashes[0] if n else EMPTY_ROOT
    k = _split(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


def _fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its maximal complete subtrees, folded right to left."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _check_range(lo: int, hi: int) -> None:
    if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi <= MAX_SIZE):
        raise MalformedInput("bad leaf range", "khoảng lá (leaf range) không hợp lệ", lo=lo, hi=hi)


def subtree_nodes(lo: int, hi: int) -> list[NodeId]:
    """Maximal complete subtrees covering [lo, hi), left to right.

    For the aligned ranges in proofs, their right-to-left fold is the range's MTH
    (RFC 9162 §2.1.1: split at the largest power of two below n).
    """
    _check_range(lo, hi)
    nodes: list[NodeId] = []
    while lo < hi:
        level = 0
        # Grow while the next larger subtree starts at lo and still fits.
        while lo % (2 << level) == 0 and lo + (2 << level) <= hi:
            level += 1
        nodes.append((level, lo >> level))
        lo += 1 << level
    return nodes


def _bad_tree(**evidence: object) -> MalformedInput:
    return MalformedInput("bad frontier or leaf hash", "biên cây hoặc băm lá sai", **evidence)


class TreeBuilder:
    """Appends leaves and reports every complete node each append creates."""

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        _check_range(0, size)
        if len(frontier) != size.bit_count() or any(len(h) != HASH_SIZE for h in frontier):
            raise _bad_tree(size=size, frontier_len=len(frontier))
        self.size = size
        self._frontier = [bytes(h) for h in frontier]  # hashes of subtree_nodes(0, size)

    @property
    def frontier(self) -> list[bytes]:
        return list(self._frontier)

    def append(self, leaf_hash: bytes) -> list[tuple[NodeId, bytes]]:
        if len(leaf_hash) != HASH_SIZE or self.size >= MAX_SIZE:
            raise _bad_tree(size=self.size, leaf_hash_len=len(leaf_hash))
        index, h, level = self.size, bytes(leaf_hash), 0
        created: list[tuple[NodeId, bytes]] = [((0, index), h)]
        while (index >> level) & 1:  # a right child completes its parent
            h = node_hash(self._frontier.pop(), h)
            level += 1
            created.append(((level, index >> level), h))
        self._frontier.append(h)
        self.size += 1
        return created

    def root(self) -> bytes:
        return _fold(self._frontier) if self._frontier else EMPTY_ROOT


Plan = list[list[NodeId]]


def inclusion_plan(index: int, size: int) -> Plan:
    """Nodes forming each element of PATH(index, D[0:size]) (RFC 6962 §2.1.1)."""
    _check_range(0, size)
    if not (isinstance(index, int) and 0 <= index < size):
        raise ProofError(
            "leaf index outside the tree", "chỉ số lá nằm ngoài cây", index=index, size=size
        )
    plan: Plan = []
    lo, hi = 0, size
    while hi - lo > 1:  # walk down from the root, collect siblings, reverse at the end
        k = _split(hi - lo)
        if index < lo + k:
            plan.append(subtree_nodes(lo + k, hi))
            hi = lo + k
        else:
            plan.append(subtree_nodes(lo, lo + k))
            lo = lo + k
    plan.reverse()
    return plan


def consistency_plan(old: int, new: int) -> Plan:
    """Nodes forming each element of PROOF(old, D[0:new]) (RFC 6962 §2.1.2)."""
    _check_range(old, new)
    if old == 0 or old == new:
        return []
    plan: Plan = []
    lo, hi, whole = 0, new, True  # `whole`: the SUBPROOF flag b
    while old != hi:
        k = _split(hi - lo)
        if old - lo <= k:
            plan.append(subtree_nodes(lo + k, hi))
            hi = lo + k
        else:
            plan.append(subtree_nodes(lo, lo + k))
            lo, whole = lo + k, False
    if not whole:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        plan.append(subtree_nodes(lo, hi))
    plan.reverse()
    return plan


def plan_nodes(plan: Sequence[Sequence[NodeId]]) -> set[NodeId]:
    return {node for element in plan for node in element}


def _lookup(hashes: Mapping[NodeId, bytes], node: NodeId) -> bytes:
    h = hashes.get(node)
    if h is None or len(h) != HASH_SIZE:
        raise ProofError(
            "stored tree hash missing", "thiếu giá trị băm của nút cây", node=list(node)
        )
    return h


def assemble(plan: Sequence[Sequence[NodeId]], hashes: Mapping[NodeId, bytes]) -> list[bytes]:
    return [_fold([_lookup(hashes, node) for node in element]) for element in plan]


def root_plan(size: int) -> list[NodeId]:
    return subtree_nodes(0, size)


def root_from(size: int, hashes: Mapping[NodeId, bytes]) -> bytes:
    nodes = root_plan(size)
    return _fold([_lookup(hashes, n) for n in nodes]) if nodes else EMPTY_ROOT


def _length_error(which: str, proof: Sequence[bytes], ev: dict[str, object]) -> ProofError:
    vi = "bằng chứng quá dài" if which == "long" else "bằng chứng quá ngắn"
    return ProofError(f"proof too {which}", vi, proof_len=len(proof), **ev)


def _hex(h: object) -> str:
    return h.hex() if isinstance(h, bytes) else repr(h)[:80]


def _check_hashes(proof: Sequence[bytes], **evidence: object) -> None:
    for i, h in enumerate(proof):
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise ProofError(
                "hash is not 32 bytes", "giá trị băm không dài 32 byte", position=i, **evidence
            )


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: check that leaf ``index`` with ``leaf_hash`` is in the tree."""
    ev: dict[str, object] = {"index": index, "size": size, "expected_root": _hex(root)}
    if len(proof) > 64:
        raise _length_error("long", proof, ev)
    _check_hashes([leaf_hash, root, *proof], **ev)
    # 1. leaf_index must be < tree_size.
    if not (isinstance(index, int) and isinstance(size, int) and 0 <= index < size <= MAX_SIZE):
        raise ProofError("leaf index outside the tree", "chỉ số lá nằm ngoài cây", **ev)
    # 2.-3. fn = leaf_index, sn = tree_size - 1, r = hash.
    fn, sn, r = index, size - 1, leaf_hash
    # 4. Fold in each path element; the sibling side follows from fn and sn.
    for p in proof:
        if sn == 0:
            raise _length_error("long", proof, ev)
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    # 5. sn must be 0 and r must equal the root.
    if sn != 0:
        raise _length_error("short", proof, ev)
    if r != root:
        raise ProofError(
            "inclusion proof does not lead to the root",
            "bằng chứng bao hàm không dẫn tới gốc cây",
            actual_root=r.hex(),
            **ev,
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: check that the tree at ``new_size`` extends the one at ``old_size``."""
    ev: dict[str, object] = {"old_size": old_size, "new_size": new_size}
    ev |= {"expected_old_root": _hex(old_root), "expected_new_root": _hex(new_root)}
    if len(proof) > 128:
        raise _length_error("long", proof, ev)
    _check_hashes([old_root, new_root, *proof], **ev)
    sizes_ok = isinstance(old_size, int) and isinstance(new_size, int)
    if not (sizes_ok and 0 <= old_size <= new_size <= MAX_SIZE):
        raise ProofError("old tree is larger than new tree", "cây cũ lớn hơn cây mới", **ev)
    if old_size == new_size or old_size == 0:
        # Equal sizes: same root, no proof. Empty old tree: a prefix of any tree.
        want = new_root if old_size else EMPTY_ROOT
        if proof or old_root != want:
            raise ProofError(
                "bad trivial proof", "bằng chứng tầm thường sai", proof_len=len(proof), **ev
            )
        return
    # 1. An empty consistency_path fails.
    if not proof:
        raise ProofError("empty consistency proof", "bằng chứng nhất quán rỗng", **ev)
    path = list(proof)
    # 2. If first is an exact power of 2, prepend first_hash.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = old_size - 1, new_size - 1
    # 4. Shift both right while LSB(fn) is set.
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # 5. fr = sr = first element.
    fr = sr = path[0]
    # 6. Fold in each later element.
    for c in path[1:]:
        if sn == 0:
            raise _length_error("long", proof, ev)
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    # 7. fr must equal first_hash, sr second_hash, and sn must be 0.
    if sn != 0:
        raise _length_error("short", proof, ev)
    if fr != old_root or sr != new_root:
        raise ProofError(
            "consistency proof does not match the roots",
            "bằng chứng nhất quán không khớp với các gốc cây",
            actual_old_root=fr.hex(),
            actual_new_root=sr.hex(),
            **ev,
        )
