"""The stored signed checkpoints (table ``log_checkpoints``, ADR 0014).

One row per tree size the log signed: the root, the signed note with the witness
cosignatures that came back, and when it was made. Rows are only ever added; the
checkpointer never signs a size twice (``INSERT ... ON CONFLICT DO NOTHING``), and
``minhbach log audit`` checks every row against the stored tree and the log key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

COLUMNS = "size, root, note, created"


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str  # signed note: the log's signature, then witness cosignatures
    created: str  # ISO 8601 UTC


def _row(r: Any) -> StoredCheckpoint:
    return StoredCheckpoint(int(r[0]), bytes(r[1]), str(r[2]), str(r[3]))


class CheckpointStore:
    """Reads and appends ``log_checkpoints`` through the recorder's ``log_sql``/``log_exec``."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder

    def latest(self) -> StoredCheckpoint | None:
        rows = self.recorder.log_sql(
            f"SELECT {COLUMNS} FROM log_checkpoints ORDER BY size DESC LIMIT 1"
        )
        return _row(rows[0]) if rows else None

    def at(self, size: int) -> StoredCheckpoint | None:
        rows = self.recorder.log_sql(
            f"SELECT {COLUMNS} FROM log_checkpoints WHERE size = ?", (size,)
        )
        return _row(rows[0]) if rows else None

    def page(self, after: int = -1, limit: int = 1000) -> list[StoredCheckpoint]:
        """Checkpoints with size > ``after``, smallest first."""
        rows = self.recorder.log_sql(
            f"SELECT {COLUMNS} FROM log_checkpoints WHERE size > ? ORDER BY size LIMIT ?",
            (after, limit),
        )
        return [_row(r) for r in rows]

    def add(self, size: int, root: bytes, note: str) -> bool:
        """Store a checkpoint; False if one of that size was stored first."""
        created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        n = self.recorder.log_exec(
            "INSERT INTO log_checkpoints (size, root, note, created) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (size) DO NOTHING",
            (size, root, note, created),
        )
        return bool(n > 0)
