"""Helpers for bundle tests: a log key and witnesses, export, verify, tamper, forge.

``MemLedger`` is a log kept in memory with the recorder's read API, built from any list of
envelopes *without* judging them: it stands for a ledger that was subverted (or buggy),
so a test can show the verifier refuses what the ledger should have refused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from api.bundle import Exporter
from verify.bundle.format import Scope
from verify.bundle.steps import Result
from verify.bundle.verifier import Options, verify_bundle
from verify.checkpoint import Checkpoint, format_checkpoint
from verify.merkle import EMPTY_ROOT, NodeId, TreeBuilder, leaf_hash
from verify.note import (
    add_signatures,
    cosign,
    cosignature_vkey,
    make_cosigner_key,
    make_signer_key,
    parse_verifier_key,
    sign_note,
    verifier_key_of,
)
from verify.process.replay import Replay

ORIGIN = "minhbach.example/96"
LOG_SKEY = make_signer_key(ORIGIN, bytes(range(32)))
LOG_VKEY = verifier_key_of(LOG_SKEY)
OTHER_SKEY = make_signer_key(ORIGIN, bytes(range(1, 33)))  # same name, another key
WITNESS_SKEYS = [make_cosigner_key(f"witness.example/w{i}", bytes([i]) * 32) for i in (1, 2, 3)]
WITNESS_VKEYS = [cosignature_vkey(k) for k in WITNESS_SKEYS]
POLICY = (
    f"log {LOG_VKEY}\n"
    + "".join(f"witness w{i} {v}\n" for i, v in enumerate(WITNESS_VKEYS, 1))
    + "group two 2 w1 w2 w3\nquorum two\n"
)
TIMESTAMP = 1_700_000_000


def checkpoint_note(
    size: int, root: bytes | None, *, key: str = LOG_SKEY, witnesses: Sequence[int] = (0, 1)
) -> str:
    body = format_checkpoint(Checkpoint(ORIGIN, size, root or EMPTY_ROOT))
    note = sign_note(body, key)
    lines = [cosign(body, WITNESS_SKEYS[i], TIMESTAMP + i) for i in witnesses]
    return add_signatures(note, lines) if lines else note


def head_note(ledger: Any, **kw: Any) -> str:
    size, root = ledger.recorder.log_head()
    return checkpoint_note(size, root, **kw)


def export(
    ledger: Any, scope: Scope, *, note: str | None = None, older: Sequence[str] = ()
) -> bytes:
    note = note or head_note(ledger)
    return b"".join(Exporter(ledger).lines(scope, note, older=older, log_key=LOG_VKEY))


def verify(
    data: bytes, tmp_path: Path, *, pinned: bool = True, policy: bool = False, **kw: Any
) -> Result:
    path = tmp_path / "bundle.jsonl"
    path.write_bytes(data)
    from verify.witnesspolicy import parse_policy

    opts = Options(
        log_keys=kw.pop("log_keys", [parse_verifier_key(LOG_VKEY)] if pinned else []),
        policy=parse_policy(POLICY) if policy else None,
        jobs=kw.pop("jobs", 0),
        **kw,
    )
    return verify_bundle(str(path), opts)


# -- editing bundles -------------------------------------------------------------------
def lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def envelope_lines(data: bytes) -> list[int]:
    return [i for i, line in enumerate(lines(data)) if line.startswith(b'{"envelope":')]


def record(line: bytes) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(line)
    return doc


def envelope_of(line: bytes) -> bytes:
    return str(record(line)["envelope"]).encode("ascii")


def payload_of(line: bytes) -> dict[str, Any]:
    import base64

    env = json.loads(envelope_of(line))
    doc: dict[str, Any] = json.loads(base64.b64decode(env["payload"]))
    return doc


def payload_type(line: bytes) -> str:
    return str(payload_of(line)["type"])


def find(data: bytes, type_: str, nth: int = 0) -> int:
    """Line number of the nth envelope of this event type."""
    found = [i for i in envelope_lines(data) if payload_type(lines(data)[i]) == type_]
    return found[nth]


def replace_envelope(line: bytes, envelope: bytes) -> bytes:
    from verify.bundle.format import envelope_line

    doc = record(line)
    proof = None
    if "proof" in doc:
        import base64

        proof = [base64.b64decode(h) for h in doc["proof"]]
    return envelope_line(doc["index"], envelope, proof)


# -- a forged log: envelopes appended without judging ------------------------------------
class MemLog:
    def __init__(self, envelopes: Sequence[bytes]) -> None:
        self.leaves: list[bytes] = []
        self.nodes: dict[NodeId, bytes] = {}
        self.builder = TreeBuilder()
        for env in envelopes:
            self.append(env)

    def append(self, env: bytes) -> None:
        self.leaves.append(env)
        for node, h in self.builder.append(leaf_hash(env)):
            self.nodes[node] = h

    def log_head(self) -> tuple[int, bytes]:
        return self.builder.size, self.builder.root()

    def log_nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        return {i: self.nodes[i] for i in ids if i in self.nodes}

    def log_leaves(self, start: int, stop: int) -> list[bytes]:
        return self.leaves[start:stop]


class MemLedger:
    """What the exporter needs of a ledger: its recorder and registry."""

    def __init__(self, envelopes: Sequence[bytes], scope: str = "96") -> None:
        self.scope = scope
        self.recorder = MemLog(envelopes)
        replay = Replay(scope)
        for env in envelopes:
            try:
                replay.feed(env)
            except Exception:  # noqa: BLE001 - forged envelopes are refused; keep the registry
                continue
        self._reg = replay.reg

    def registry(self) -> Any:
        return self._reg


def stored_envelopes(ledger: Any) -> list[bytes]:
    size, _ = ledger.recorder.log_head()
    out: list[bytes] = ledger.recorder.log_leaves(0, size)
    return out
