"""The checkpointer: signs C2SP checkpoints of the stored log, never a fork (ADR 0014).

``Checkpointer.checkpoint()`` takes the signing lock (a PostgreSQL advisory lock, or an
in-process lock on SQLite), then, before signing the current head:

1. checks the head is not behind the last signed checkpoint (a rolled-back log) and
   that the stored leaf and event counts equal the head size (rows deleted behind the
   application's back);
2. checks every new leaf's envelope hashes to its stored leaf hash and level-0 node;
3. recomputes the head root from the stored complete subtrees and compares it with
   ``log_head``;
4. opens the last signed checkpoint with the log key and proves, from stored hashes,
   that the new tree extends it (``verify_consistency``).

Any failure refuses with a ``CheckpointRefused`` (Vietnamese and English), logged; the
old checkpoint keeps being served. Then each configured witness is asked for a
cosignature through a ``Cosigner`` (the HTTP client of C2SP tlog-witness is supplied by
``create_app``'s caller; the default asks no one) and the note is stored with the
cosignatures that came back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

from api.logkey import LogKey, LogKeyError
from api.store.checkpoints import CheckpointStore, StoredCheckpoint
from api.store.proofs import consistency_proof, root_at
from verify.checkpoint import Checkpoint, format_checkpoint
from verify.errors import LocalizedError
from verify.merkle import leaf_hash, verify_consistency
from verify.note import add_signatures, open_note, parse_checkpoint, sign_note
from verify.refusals import DomainError

log = logging.getLogger("minhbach.checkpointer")
CHUNK = 1000
LATEST_WAIT = 10.0  # seconds ``latest`` waits for another worker's checkpoint


class Cosigner(Protocol):
    """Ask one witness to cosign ``signed_note`` (C2SP tlog-witness add-checkpoint).

    ``old_size`` is the size of the log's previous checkpoint (0 for the first) and
    ``consistency_proof`` proves the new tree extends it. Returns the witness's
    signature lines, or None if it gave none.
    """

    def __call__(
        self, witness_url: str, old_size: int, consistency_proof: list[bytes], signed_note: str
    ) -> str | None: ...


def no_cosign(
    witness_url: str, old_size: int, consistency_proof: list[bytes], signed_note: str
) -> str | None:
    """The default cosigner: asks no one."""
    return None


def default_cosigner(recorder: Any = None) -> Cosigner:
    """The C2SP tlog-witness HTTP client (``api.witness_client``) for MINHBACH_WITNESSES.

    A witness that has seen another size of this log (one added later starts at 0)
    answers 409 with its size; the client then sends once more, from that size, with the
    consistency proof from the stored tree (``recorder``)."""
    if recorder is None:
        return no_cosign
    from api.witness_client import cosign_from

    def ask(url: str, old: int, proof: list[bytes], note: str) -> str | None:
        new = int(note.split("\n", 2)[1])

        def prove(o: int, n: int) -> list[bytes]:
            return list(proof) if o == old else consistency_proof(recorder, o, n)

        return cosign_from(url, old, new, note, prove).lines

    return ask


class CheckpointRefused(DomainError):
    """The stored log does not extend what was signed before: nothing is signed."""

    code = "checkpoint_refused"


def ready_key(key: LogKey, recorder: Any) -> None:
    """Make the log key if the log was never signed; otherwise it must already exist: a
    log already signed never gets a second key by accident (a process started in another
    directory, a key file lost)."""
    if CheckpointStore(recorder).latest() is None:
        key.ensure()
    elif not key.path.exists():
        raise LogKeyError(
            f"no log key at {key.path}, and this log is already signed: run with the "
            "server's data directory (MINHBACH_DATA_DIR) or its key file "
            "(MINHBACH_LOG_KEY_FILE)",
            f"không có khoá của sổ tại {key.path}, trong khi sổ này đã được ký: hãy chạy với "
            "thư mục dữ liệu của máy chủ (MINHBACH_DATA_DIR) hoặc tệp khoá của nó "
            "(MINHBACH_LOG_KEY_FILE)",
            path=str(key.path),
        )  # fmt: skip


class Checkpointer:
    def __init__(
        self,
        ledger: Any,
        key: LogKey,
        witnesses: Sequence[str] = (),
        cosign: Cosigner = no_cosign,
    ) -> None:
        self.ledger = ledger
        self.recorder: Any = ledger.recorder
        self.key = key
        self.origin = key.origin
        self.witnesses = tuple(witnesses)
        self.cosign = cosign
        self.store = CheckpointStore(self.recorder)
        self.refusal: CheckpointRefused | None = None  # the last refusal, if the last run failed

    # -- the checkpoint source of bundle exports (api.bundle) -------------------------
    def vkey(self) -> str:
        return self.key.vkey()

    def latest(self, ledger: Any = None) -> str:
        """The newest signed note, signing the head first if the log has grown."""
        cp = self.store.latest()
        size, _ = self.recorder.log_head()
        deadline = time.monotonic() + LATEST_WAIT
        while (cp is None or cp.size < size) and time.monotonic() < deadline:
            cp = self.checkpoint() or cp
            if cp is None or cp.size < size:  # another worker holds the lock: wait for it
                time.sleep(0.05)
                cp = self.store.latest()
        if cp is None:
            raise CheckpointRefused("the log has no checkpoint yet", "sổ chưa có điểm kiểm tra")
        if not open_note(cp.note, [self.key.verifier()]).verified:  # the key file was changed
            raise self._refuse(
                "the latest checkpoint is not signed by this server's log key (was the key changed?)",
                "điểm kiểm tra mới nhất không được ký bằng khoá của máy chủ này (khoá đã bị thay?)",
                size=cp.size, vkey=self.key.vkey(),
            )  # fmt: skip
        return cp.note

    # -- signing -----------------------------------------------------------------------
    def checkpoint(self) -> StoredCheckpoint | None:
        """Sign the current head if it is ahead of the last checkpoint; the newest stored."""
        with self.recorder.checkpoint_lock() as got:
            if not got:  # another worker is signing
                return self.store.latest()
            try:
                made = self._checkpoint()
            except CheckpointRefused as e:
                self.refusal = e
                log.error("checkpoint refused: %s / %s %s", e.en, e.vi, e.evidence)
                raise
            self.refusal = None
            return made

    def _refuse(self, en: str, vi: str, **evidence: object) -> CheckpointRefused:
        return CheckpointRefused(
            f"checkpoint not signed: {en}", f"không ký điểm kiểm tra: {vi}", **evidence
        )

    def _last(self) -> Checkpoint | None:
        """The last signed checkpoint, as its note says (signature checked with the log key)."""
        stored = self.store.latest()
        if stored is None:
            return None
        try:
            opened = open_note(stored.note, [self.key.verifier()])
            if not opened.verified:
                raise self._refuse("the last checkpoint is not signed by the log key",
                                   "điểm kiểm tra gần nhất không được ký bằng khoá của sổ",
                                   size=stored.size)  # fmt: skip
            cp = parse_checkpoint(opened.text)
        except LocalizedError as e:
            if isinstance(e, CheckpointRefused):
                raise
            raise self._refuse("the last checkpoint does not open", "không mở được điểm kiểm tra gần nhất",
                               size=stored.size, cause=e.en) from None  # fmt: skip
        if (cp.size, cp.root, cp.origin) != (stored.size, stored.root, self.origin):
            raise self._refuse("the stored checkpoint row differs from its note",
                               "hàng điểm kiểm tra đã lưu khác với ghi chú của nó", size=stored.size)  # fmt: skip
        return cp

    def _check_counts(self, size: int) -> None:
        # One statement, so one snapshot: writers commit while this runs (PostgreSQL's READ
        # COMMITTED takes a snapshot per statement), and head, leaves and events must agree
        # with each other at one instant, and not be behind the head read before.
        table = self.recorder.events_table_name
        row = self.recorder.log_sql(
            "SELECT (SELECT size FROM log_head WHERE id = 1) AS head,"
            " (SELECT COUNT(*) FROM log_leaves) AS leaves,"
            f" (SELECT COUNT(*) FROM {table}) AS events"
        )[0]
        head, leaves, events = (int(v or 0) for v in row)
        if not (leaves == events == head and head >= size):
            raise self._refuse("stored leaves or events were added or deleted behind the log",
                               "lá hoặc sự kiện đã lưu bị thêm hay xoá ngoài sổ",
                               log_size=head, leaves=leaves, events=events)  # fmt: skip

    def _check_new_leaves(self, start: int, stop: int) -> None:
        for lo in range(start, stop, CHUNK):
            hi = min(stop, lo + CHUNK)
            rows = self.recorder.log_sql(
                "SELECT idx, leaf_hash, envelope FROM log_leaves WHERE idx >= ? AND idx < ? "
                "ORDER BY idx",
                (lo, hi),
            )
            nodes = {
                (0, int(r[0])): bytes(r[1])
                for r in self.recorder.log_sql(
                    "SELECT idx, hash FROM log_nodes WHERE level = 0 AND idx >= ? AND idx < ?",
                    (lo, hi),
                )
            }
            for want, row in enumerate(rows, lo):
                lh = leaf_hash(bytes(row[2]))
                if int(row[0]) != want or lh != bytes(row[1]) or nodes.get((0, want)) != lh:
                    raise self._refuse("a new leaf does not hash to its stored hash",
                                       "một lá mới không khớp giá trị băm đã lưu", position=want)  # fmt: skip
            if len(rows) != hi - lo:
                raise self._refuse("a new leaf is missing", "thiếu một lá mới",
                                   position=lo + len(rows))  # fmt: skip

    def _checkpoint(self) -> StoredCheckpoint | None:
        size, head_root = self.recorder.log_head()
        last = self._last()
        # 1. Not behind what was signed, and no rows deleted or added behind the log.
        if last is not None and size < last.size:
            raise self._refuse("the log is smaller than its last checkpoint (rolled back)",
                               "sổ nhỏ hơn điểm kiểm tra gần nhất (bị quay lui)",
                               log_size=size, checkpoint_size=last.size)  # fmt: skip
        if size == 0 or (last is not None and size == last.size and head_root == last.root):
            return self.store.latest()
        self._check_counts(size)
        # 2. The new leaves hash to their stored leaf hashes.
        old = last.size if last is not None else 0
        self._check_new_leaves(old, size)
        # 3. The head root is the root of the stored subtrees.
        try:
            root = root_at(self.recorder, size)
        except LocalizedError as e:
            raise self._refuse("stored tree hashes are missing", "thiếu giá trị băm của cây đã lưu",
                               cause=e.en, **e.evidence) from None  # fmt: skip
        if root != head_root:
            raise self._refuse("the head root is not the root of the stored tree",
                               "gốc ở đầu sổ không phải gốc của cây đã lưu", size=size)  # fmt: skip
        # 4. The new tree extends the last signed one (RFC 9162 §2.1.4).
        proof: list[bytes] = []
        if last is not None:
            try:
                proof = consistency_proof(self.recorder, last.size, size)
                verify_consistency(last.size, size, last.root, root, proof)
            except LocalizedError as e:
                raise self._refuse("the stored tree is not consistent with the last checkpoint",
                                   "cây đã lưu không nhất quán với điểm kiểm tra gần nhất",
                                   old_size=last.size, new_size=size, cause=e.en) from None  # fmt: skip
        self.key.ensure()
        note = sign_note(format_checkpoint(Checkpoint(self.origin, size, root)), self.key.signer())
        note = self._cosign(old, proof, note)
        if not self.store.add(size, root, note):
            log.info("checkpoint %d was stored by another process", size)
        return self.store.latest()

    def _cosign(self, old: int, proof: list[bytes], note: str) -> str:
        for url in self.witnesses:
            try:
                lines = self.cosign(url, old, list(proof), note)
                if lines:
                    note = add_signatures(note, lines.splitlines(keepends=True))
            except Exception as e:  # a witness down or wrong never stops the log
                log.warning("witness %s gave no cosignature: %s", url, e)
        return note

    # -- the background task -------------------------------------------------------------
    async def run(self, interval: float) -> None:
        """Sign whenever the log has grown, every ``interval`` seconds, until cancelled."""
        while True:
            try:
                size, _ = await asyncio.to_thread(self.recorder.log_head)
                latest = await asyncio.to_thread(self.store.latest)
                if size > (latest.size if latest else 0):
                    await asyncio.to_thread(self.checkpoint)
            except CheckpointRefused:
                pass  # logged; the old checkpoint is still served
            except Exception:
                log.exception("checkpointer failed")
            await asyncio.sleep(interval)
