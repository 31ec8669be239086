"""Proofs served from the stored tree (SQLite and PostgreSQL): they equal an independent
RFC 6962 reference, verify, cost one node query of O(log n) rows, and fail on any bit flip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logkit import append_raw, flips, ref_leaf, ref_mth, ref_path, ref_proof

import api.store.postgres
import api.store.sqlite
from api.store.proofs import consistency_proof, inclusion_proof, root_at
from domain.ledger import Ledger
from verify.errors import ProofError
from verify.merkle import verify_consistency, verify_inclusion

N = 3000
FIXTURE_OK = settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def tree(ledger: Ledger) -> tuple[Any, list[bytes]]:
    leaves = [b"leaf %d" % i for i in range(N)]
    for k in range(0, N, 1000):  # several transactions, as the writer does
        append_raw(ledger.recorder, leaves[k : k + 1000])
    return ledger.recorder, [ref_leaf(d) for d in leaves]


@given(data=st.data())
@FIXTURE_OK
def test_every_served_proof_equals_the_reference_and_verifies(tree: Any, data: Any) -> None:
    recorder, hashes = tree
    size = data.draw(st.integers(1, N))
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(0, size))
    root = ref_mth(hashes[:size])
    assert root_at(recorder, size) == root
    path = inclusion_proof(recorder, index, size)
    assert path == ref_path(index, hashes[:size])
    verify_inclusion(index, size, hashes[index], path, root)
    proof = consistency_proof(recorder, old, size)
    assert proof == ref_proof(old, hashes[:size])
    verify_consistency(old, size, ref_mth(hashes[:old]), root, proof)


@given(data=st.data())
@settings(max_examples=6, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_single_bit_flip_in_a_proof_or_root_fails(tree: Any, data: Any) -> None:
    recorder, hashes = tree
    size = data.draw(st.integers(2, N))
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size - 1))
    root, old_root = ref_mth(hashes[:size]), ref_mth(hashes[:old])
    path = inclusion_proof(recorder, index, size)
    for i, h in enumerate(path):
        for bad in flips(h):
            with pytest.raises(ProofError):
                verify_inclusion(index, size, hashes[index], [*path[:i], bad, *path[i + 1 :]], root)
    for bad in flips(root):
        with pytest.raises(ProofError):
            verify_inclusion(index, size, hashes[index], path, bad)
    proof = consistency_proof(recorder, old, size)
    for i, h in enumerate(proof):
        for bad in flips(h):
            with pytest.raises(ProofError):
                verify_consistency(old, size, old_root, root, [*proof[:i], bad, *proof[i + 1 :]])
    for bad in flips(root):
        with pytest.raises(ProofError):
            verify_consistency(old, size, old_root, bad, proof)
    for bad in flips(old_root):
        with pytest.raises(ProofError):
            verify_consistency(old, size, bad, root, proof)


def test_a_proof_is_one_node_query_of_logarithmic_rows(
    tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, hashes = tree
    queries: list[int] = []
    module = api.store.sqlite if isinstance(recorder, api.store.sqlite.LogSQLiteRecorder) else api.store.postgres
    real = module.read_nodes

    def counting(fetchall: Any, ph: str, ids: Any) -> Any:
        def counted(sql: str, params: Any) -> Any:
            rows = fetchall(sql, params)
            queries.append(len(rows))
            return rows

        return real(counted, ph, ids)

    monkeypatch.setattr(module, "read_nodes", counting)
    for index, size in ((0, N), (N - 1, N), (1234, 2049), (7, 8)):
        queries.clear()
        path = inclusion_proof(recorder, index, size)
        verify_inclusion(index, size, hashes[index], path, ref_mth(hashes[:size]))
        assert len(queries) == 1 and queries[0] <= 2 * size.bit_length(), queries
    for old, new in ((1, N), (N - 1, N), (1000, 2049), (5, 8)):
        queries.clear()
        proof = consistency_proof(recorder, old, new)
        verify_consistency(old, new, ref_mth(hashes[:old]), ref_mth(hashes[:new]), proof)
        assert len(queries) == 1 and queries[0] <= 3 * new.bit_length(), queries


def test_proofs_beyond_the_stored_log_are_refused(tree: Any) -> None:
    recorder, _ = tree
    with pytest.raises(ProofError):
        inclusion_proof(recorder, 0, N + 1)
    with pytest.raises(ProofError):
        consistency_proof(recorder, 1, N + 1)
    with pytest.raises(ProofError):
        inclusion_proof(recorder, N, N)


VECTORS = json.loads(
    (next(p for p in Path(__file__).resolve().parents if (p / "shared" / "vectors").is_dir())
     / "shared" / "vectors" / "rfc6962_ct.json").read_text()
)  # fmt: skip


def test_the_stored_tree_of_the_rfc6962_vector_leaves_serves_the_vector_proofs(ledger: Ledger) -> None:
    leaves = [bytes.fromhex(h) for h in VECTORS["leaves_hex"]]
    recorder = ledger.recorder
    for leaf in leaves:  # one transaction per leaf: the writer resumes from stored rows
        append_raw(recorder, [leaf])
    for size, root in enumerate(VECTORS["roots_by_size_hex"]):
        assert root_at(recorder, size).hex() == root
    for case in VECTORS["inclusion_proofs"]:
        got = inclusion_proof(recorder, case["index"], case["tree_size"])
        assert [h.hex() for h in got] == case["proof_hex"]
    for case in VECTORS["consistency_proofs"]:
        got = consistency_proof(recorder, case["old_size"], case["new_size"])
        assert [h.hex() for h in got] == case["proof_hex"]
