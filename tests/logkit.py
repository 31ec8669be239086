"""Helpers of the transparency-log tests: raw leaves, an independent reference Merkle
tree (RFC 6962 §2.1, written from the RFC, sharing no code with ``verify.merkle``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from api.store.logtree import LogTree


def append_raw(recorder: Any, envelopes: Sequence[bytes]) -> None:
    """Append leaves (no events) with the recorder's own log code, in one transaction."""
    tree = LogTree(recorder.tree.ph)
    keys = list(range(len(envelopes)))
    kwargs = {"envelopes": dict(zip(keys, envelopes, strict=True)), "order": keys}
    with recorder.datastore.transaction(commit=True) as c:

        def rows(r: Any) -> list[Any]:
            return list(r.values()) if isinstance(r, dict) else list(r)

        def fetchone(sql: str, params: Sequence[Any]) -> Any:
            c.execute(sql, params)
            r = c.fetchone()
            return None if r is None else rows(r)

        def fetchall(sql: str, params: Sequence[Any]) -> list[Any]:
            c.execute(sql, params)
            return [rows(r) for r in c.fetchall()]

        tree.append(fetchone, fetchall, lambda s, p: c.executemany(s, p),
                    lambda s, p: c.execute(s, p), [], kwargs)  # fmt: skip


# -- reference RFC 6962 §2.1 -------------------------------------------------------------
def ref_leaf(d: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + d).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: Sequence[bytes]) -> bytes:
    """MTH over leaf *hashes* ``d``."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) (§2.1.1)."""
    if len(d) <= 1:
        return []
    k = _k(len(d))
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) (§2.1.2)."""

    def sub(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if b else [ref_mth(d)]
        k = _k(n)
        if m <= k:
            return sub(m, d[:k], b) + [ref_mth(d[k:])]
        return sub(m - k, d[k:], False) + [ref_mth(d[:k])]

    return [] if m in (0, len(d)) else sub(m, d, True)


def flips(data: bytes) -> list[bytes]:
    """Every single-bit change of ``data``."""
    out = []
    for i in range(len(data) * 8):
        b = bytearray(data)
        b[i // 8] ^= 1 << (i % 8)
        out.append(bytes(b))
    return out
