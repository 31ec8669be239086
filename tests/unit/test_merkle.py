"""RFC 6962 Merkle tree: published vectors, a naive reference, and tampering."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.errors import MalformedInput, ProofError, VerificationError
from verify.merkle import (
    EMPTY_ROOT,
    ENTRIES,
    NodeId,
    TreeBuilder,
    assemble,
    consistency_plan,
    inclusion_plan,
    leaf_hash,
    node_hash,
    parse_tile_path,
    plan_nodes,
    root_from,
    root_of,
    root_plan,
    subtree_nodes,
    tile_nodes,
    tile_path,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads(
    (next(p for p in Path(__file__).resolve().parents if (p / "shared" / "vectors").is_dir()) / "shared" / "vectors" / "rfc6962_ct.json").read_text()
)
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaves_hex"]]
ROOTS = [bytes.fromhex(h) for h in VECTORS["roots_by_size_hex"]]


# --- An independent, deliberately naive reference (RFC 6962 §2.1, §2.1.1, §2.1.2) ---


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(data: list[bytes]) -> bytes:
    if not data:
        return hashlib.sha256(b"").digest()
    if len(data) == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = _k(len(data))
    return hashlib.sha256(b"\x01" + ref_mth(data[:k]) + ref_mth(data[k:])).digest()


def ref_path(m: int, data: list[bytes]) -> list[bytes]:
    if len(data) <= 1:
        return []
    k = _k(len(data))
    if m < k:
        return ref_path(m, data[:k]) + [ref_mth(data[k:])]
    return ref_path(m - k, data[k:]) + [ref_mth(data[:k])]


def ref_subproof(m: int, data: list[bytes], b: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if b else [ref_mth(data)]
    k = _k(n)
    if m <= k:
        return ref_subproof(m, data[:k], b) + [ref_mth(data[k:])]
    return ref_subproof(m - k, data[k:], False) + [ref_mth(data[:k])]


def ref_proof(m: int, data: list[bytes]) -> list[bytes]:
    return ref_subproof(m, data, True)


# Symbolic forms of the same definitions: the root (or both roots) as an expression
# over proof elements ("P", j), the leaf "L" and the old root "O". A verifier given
# other sizes must accept exactly when the expressions coincide.


def sym_path(m: int, n: int) -> tuple[Any, int]:
    if n == 1:
        return "L", 0
    k = _k(n)
    if m < k:
        e, c = sym_path(m, k)
        return ("H", e, ("P", c)), c + 1
    e, c = sym_path(m - k, n - k)
    return ("H", ("P", c), e), c + 1


def sym_subproof(m: int, n: int, b: bool) -> tuple[Any, Any, int]:
    if m == n:
        return ("O", "O", 0) if b else (("P", 0), ("P", 0), 1)
    k = _k(n)
    if m <= k:
        old, new, c = sym_subproof(m, k, b)
        return old, ("H", new, ("P", c)), c + 1
    old, new, c = sym_subproof(m - k, n - k, False)
    return ("H", ("P", c), old), ("H", ("P", c), new), c + 1


def data_of(n: int, seed: int = 0) -> list[bytes]:
    return [f"leaf {seed} {i}".encode() for i in range(n)]


def build(data: list[bytes]) -> tuple[TreeBuilder, dict[NodeId, bytes]]:
    tree, store = TreeBuilder(), dict[NodeId, bytes]()
    for d in data:
        store.update(tree.append(leaf_hash(d)))
    return tree, store


def flips(value: int) -> list[int]:
    return [value ^ (1 << bit) for bit in range(max(value.bit_length(), 1) + 2)]


def flipped_bits(h: bytes) -> list[bytes]:
    return [
        h[:i] + bytes([h[i] ^ (1 << bit)]) + h[i + 1 :] for i in range(len(h)) for bit in range(8)
    ]


# --- Published vectors (transparency-dev/merkle) ---


def test_vector_roots_leaf_and_node_hashes_are_reproduced() -> None:
    assert leaf_hash(b"") == bytes.fromhex(VECTORS["leaf_hashes_hex"][0])
    assert [leaf_hash(d).hex() for d in LEAVES] == VECTORS["leaf_hashes_hex"]
    assert root_of([]) == EMPTY_ROOT == ROOTS[0]
    tree, store = TreeBuilder(), dict[NodeId, bytes]()
    assert tree.root() == ROOTS[0]
    for n, data in enumerate(LEAVES, start=1):
        store.update(tree.append(leaf_hash(data)))
        assert tree.root() == ROOTS[n] == root_of([leaf_hash(d) for d in LEAVES[:n]])
        assert root_from(n, store) == ROOTS[n]
    for level, hashes in enumerate(VECTORS["node_hashes_by_level_hex"]):
        assert [store[(level, i)].hex() for i in range(len(hashes))] == hashes
    assert len(store) == sum(len(h) for h in VECTORS["node_hashes_by_level_hex"])


@pytest.mark.parametrize("case", VECTORS["inclusion_proofs"], ids=str)
def test_vector_inclusion_proofs_are_generated_and_verified(case: dict[str, Any]) -> None:
    index, size = case["index"], case["tree_size"]
    _, store = build(LEAVES)
    plan = inclusion_plan(index, size)
    assert plan_nodes(plan) <= set(store)
    proof = assemble(plan, store)
    assert [h.hex() for h in proof] == case["proof_hex"]
    verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, ROOTS[size])


@pytest.mark.parametrize("case", VECTORS["consistency_proofs"], ids=str)
def test_vector_consistency_proofs_are_generated_and_verified(case: dict[str, Any]) -> None:
    old, new = case["old_size"], case["new_size"]
    _, store = build(LEAVES)
    proof = assemble(consistency_plan(old, new), store)
    assert [h.hex() for h in proof] == case["proof_hex"]
    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


# --- Storage model ---


def test_subtree_nodes_are_maximal_complete_subtrees_left_to_right() -> None:
    assert subtree_nodes(0, 0) == []
    assert subtree_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert subtree_nodes(3, 8) == [(0, 3), (2, 1)]
    assert subtree_nodes(4, 7) == [(1, 2), (0, 6)]
    assert root_plan(6) == [(2, 0), (1, 2)]
    with pytest.raises(MalformedInput):
        subtree_nodes(5, 4)


def test_builder_reports_every_new_complete_node_and_resumes_from_its_frontier() -> None:
    tree, store = build(data_of(100))
    assert len(store) == 2 * 100 - (100).bit_count()  # every complete subtree, once
    assert tree.frontier == [store[node] for node in subtree_nodes(0, 100)]
    resumed = TreeBuilder(tree.size, tree.frontier)
    more = [leaf_hash(d) for d in data_of(30, seed=1)]
    for h in more:
        created = resumed.append(h)
        assert created == tree.append(h)
        store.update(created)
    assert (
        resumed.root()
        == tree.root()
        == root_from(130, store)
        == ref_mth(data_of(100) + data_of(30, seed=1))
    )


def test_builder_refuses_a_frontier_that_does_not_fit_its_size() -> None:
    with pytest.raises(MalformedInput):
        TreeBuilder(3, [b"\x00" * 32])
    with pytest.raises(MalformedInput):
        TreeBuilder(1, [b"\x00" * 31])
    with pytest.raises(MalformedInput):
        TreeBuilder().append(b"short")


def test_missing_stored_hash_is_a_proof_error() -> None:
    with pytest.raises(ProofError):
        root_from(3, {(1, 0): b"\x00" * 32})


# --- Properties against the naive reference ---


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3000), st.data())
def test_inclusion_proofs_match_reference_and_resist_every_bit_flip(n: int, draw: Any) -> None:
    data = data_of(n)
    index = draw.draw(st.integers(0, n - 1))
    tree, store = build(data)
    root, leaf = tree.root(), leaf_hash(data[index])
    assert root == ref_mth(data)
    plan = inclusion_plan(index, n)
    assert len(plan_nodes(plan)) <= 2 * n.bit_length()  # O(log n) reads
    proof = assemble(plan, store)
    assert proof == ref_path(index, data)
    verify_inclusion(index, n, leaf, proof, root)
    for pos, element in enumerate(proof):
        for bad in flipped_bits(element):
            with pytest.raises(ProofError):
                verify_inclusion(index, n, leaf, [*proof[:pos], bad, *proof[pos + 1 :]], root)
    for bad in flipped_bits(root):
        with pytest.raises(ProofError):
            verify_inclusion(index, n, leaf, proof, bad)
    for bad in flipped_bits(leaf):
        with pytest.raises(ProofError):
            verify_inclusion(index, n, bad, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, n, leaf, proof + [root], root)
    if proof:
        with pytest.raises(ProofError):
            verify_inclusion(index, n, leaf, proof[:-1], root)
    # A changed index or size fails unless the RFC 6962 PATH computes the same
    # expression (e.g. leaf 0 of 3 and of 4): the checkpoint signature binds size to root.
    expected = sym_path(index, n)
    for i2, n2 in [(i, n) for i in flips(index)] + [(index, s) for s in flips(n)]:
        same = 0 <= i2 < n2 and sym_path(i2, n2) == expected
        try:
            verify_inclusion(i2, n2, leaf, proof, root)
            assert same, (i2, n2)
        except ProofError:
            assert not same, (i2, n2)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 3000), st.data())
def test_consistency_proofs_match_reference_and_resist_every_bit_flip(n: int, draw: Any) -> None:
    old = draw.draw(st.integers(1, n - 1))
    data = data_of(n)
    _, store = build(data)
    old_root, new_root = ref_mth(data[:old]), ref_mth(data)
    assert (root_from(old, store), root_from(n, store)) == (old_root, new_root)
    plan = consistency_plan(old, n)
    assert len(plan_nodes(plan)) <= 2 * n.bit_length()
    proof = assemble(plan, store)
    assert proof == ref_proof(old, data)
    verify_consistency(old, n, old_root, new_root, proof)
    for pos, element in enumerate(proof):
        for bad in flipped_bits(element):
            with pytest.raises(ProofError):
                verify_consistency(
                    old, n, old_root, new_root, [*proof[:pos], bad, *proof[pos + 1 :]]
                )
    for bad in flipped_bits(old_root):
        with pytest.raises(ProofError):
            verify_consistency(old, n, bad, new_root, proof)
    for bad in flipped_bits(new_root):
        with pytest.raises(ProofError):
            verify_consistency(old, n, old_root, bad, proof)
    with pytest.raises(ProofError):
        verify_consistency(old, n, old_root, new_root, proof + [new_root])
    with pytest.raises(ProofError):
        verify_consistency(old, n, old_root, new_root, proof[:-1])
    expected = sym_subproof(old, n, True)
    for o2, n2 in [(o, n) for o in flips(old)] + [(old, s) for s in flips(n)]:
        same = 0 < o2 < n2 and sym_subproof(o2, n2, True) == expected
        try:
            verify_consistency(o2, n2, old_root, new_root, proof)
            assert same, (o2, n2)
        except ProofError:
            assert not same, (o2, n2)


def test_trivial_consistency_cases() -> None:
    data = data_of(5)
    root = ref_mth(data)
    assert consistency_plan(5, 5) == [] and consistency_plan(0, 5) == []
    verify_consistency(5, 5, root, root, [])
    verify_consistency(0, 5, EMPTY_ROOT, root, [])
    with pytest.raises(ProofError):
        verify_consistency(5, 5, root, root, [root])  # equal sizes, non-empty proof
    with pytest.raises(ProofError):
        verify_consistency(5, 5, root, EMPTY_ROOT, [])
    with pytest.raises(ProofError):
        verify_consistency(0, 5, root, root, [])  # the empty tree has the empty root
    with pytest.raises(ProofError):
        verify_consistency(6, 5, root, root, [root])  # old > new
    with pytest.raises(ProofError):
        verify_consistency(3, 5, ref_mth(data[:3]), root, [])  # empty proof


@pytest.mark.parametrize(
    "args",
    [
        (0, 0, b"\x00" * 32, [], EMPTY_ROOT),  # empty tree has no leaf
        (5, 5, b"\x00" * 32, [], EMPTY_ROOT),  # index == size
        (-1, 5, b"\x00" * 32, [], EMPTY_ROOT),
        (0, 1, b"\x00" * 31, [], EMPTY_ROOT),  # short leaf hash
        (0, 2, b"\x00" * 32, [b"\x00" * 33], EMPTY_ROOT),  # long element
        (0, 2, b"\x00" * 32, ["00" * 32], EMPTY_ROOT),  # not bytes
        (0, 2, b"\x00" * 32, [b"\x00" * 32] * 65, EMPTY_ROOT),
    ],
)
def test_malformed_inclusion_checks_raise_proof_error(args: Any) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(*args)


def test_plans_refuse_impossible_positions() -> None:
    with pytest.raises(VerificationError):
        inclusion_plan(3, 3)
    with pytest.raises(VerificationError):
        consistency_plan(4, 3)
    assert inclusion_plan(0, 1) == []


# --- Tiles (C2SP tlog-tiles) ---


def test_tile_paths_follow_the_spec_encoding() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(0, 1234, 12) == "tile/0/x001/234.p/12"
    assert tile_path(2, 0) == "tile/2/000"
    assert tile_path(ENTRIES, 5, 3) == "tile/entries/005.p/3"
    assert parse_tile_path("tile/0/x001/234.p/12") == (0, 1234, 12)
    assert parse_tile_path("tile/entries/x001/000") == (ENTRIES, 1000, 256)


@given(st.integers(ENTRIES, 63), st.integers(0, 10**12), st.integers(1, 256))
def test_tile_path_round_trips(level: int, index: int, width: int) -> None:
    assert parse_tile_path(tile_path(level, index, width)) == (level, index, width)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/0001",
        "tile/00/001",
        "tile/64/001",
        "tile/-1/001",
        "tile/0/x000/001",
        "tile/0/001/234",
        "tile/0/x001",
        "tile/0/001.p/256",
        "tile/0/001.p/0",
        "tile/0/001.p/012",
        "tile/0/001.p/",
        "tile/0/001/",
        "/tile/0/001",
        "tile/data/001",
        "tile/0/٠٠١",
        "tile/0/y001/234",
    ],
)
def test_parse_tile_path_is_strict(path: str) -> None:
    with pytest.raises(MalformedInput):
        parse_tile_path(path)


def test_tile_hashes_are_the_tree_nodes_at_level_8l() -> None:
    data = data_of(300)
    _, store = build(data)
    assert tile_nodes(0, 1, 3) == [(0, 256), (0, 257), (0, 258)]
    assert tile_nodes(1, 2, 2) == [(8, 512), (8, 513)]
    # tlog-tiles: entry i of tile L/N is MTH(D[(N*256+i)*256**L : (N*256+i+1)*256**L]).
    assert store[tile_nodes(1, 0, 1)[0]] == ref_mth(data[:256])
    assert [store[node] for node in tile_nodes(0, 1, 44)] == [leaf_hash(d) for d in data[256:]]
    with pytest.raises(MalformedInput):
        tile_nodes(ENTRIES, 0, 1)


def test_node_hash_is_domain_separated_from_leaf_hash() -> None:
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert leaf_hash(a + b) != node_hash(a, b)


@given(st.text(max_size=60))
def test_parse_tile_path_raises_only_malformed_input(text: str) -> None:
    for path in (text, "tile/" + text, "tile/0/" + text):
        with contextlib.suppress(MalformedInput):
            parse_tile_path(path)
