"""Durable state of a witness (and of a monitor): the latest checkpoint per log origin.

One JSON file, ``{"version": 1, "logs": {origin: {"size", "root", "note"}}}``, replaced
atomically: written to a temporary file in the same folder, fsynced, renamed over the old
one, and the folder fsynced, so a crash leaves either the old state or the new one.
``WitnessState.update`` holds a thread lock and an ``flock`` on ``<file>.lock`` while it
reads, checks and writes, so concurrent requests (threads or processes) serialise: the
check of the old size and the write of the new one are one step (tlog-witness, the race
with a rollback of K leaves).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data``: temp file, fsync, rename, fsync the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


@dataclass(frozen=True)
class Seen:
    """The latest checkpoint recorded for one origin."""

    size: int
    root: bytes
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"size": self.size, "root": base64.b64encode(self.root).decode(), "note": self.note}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Seen:
        size, root = doc["size"], base64.b64decode(doc["root"], validate=True)
        if not isinstance(size, int) or size < 0 or len(root) != 32:
            raise ValueError("bad state entry")
        return cls(size, root, str(doc.get("note", "")))


class WitnessState:
    """Per-origin latest checkpoints in one JSON file, updated one at a time."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _read(self) -> dict[str, Seen]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        if doc.get("version") != 1 or not isinstance(doc.get("logs"), dict):
            raise ValueError(f"{self.path}: not a state file (version 1)")
        return {origin: Seen.from_json(e) for origin, e in doc["logs"].items()}

    def _write(self, logs: dict[str, Seen]) -> None:
        doc = {"version": 1, "logs": {o: s.as_json() for o, s in sorted(logs.items())}}
        write_atomic(self.path, json.dumps(doc, ensure_ascii=False, indent=1).encode() + b"\n")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(f"{self.path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def get(self, origin: str) -> Seen | None:
        with self._locked():
            return self._read().get(origin)

    def all(self) -> dict[str, Seen]:
        with self._locked():
            return self._read()

    def update(self, origin: str, decide: Callable[[Seen | None], tuple[Seen | None, T]]) -> T:
        """Under the lock: ``decide(current)`` returns (new entry or None to keep, result);
        a new entry is durable before this returns. ``decide`` may raise to refuse."""
        with self._locked():
            logs = self._read()
            new, result = decide(logs.get(origin))
            if new is not None:
                logs[origin] = new
                self._write(logs)
            return result
