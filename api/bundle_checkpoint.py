"""Interim checkpoint source for bundle exports, until the transparency log (issue 3) lands.

Signs the stored log head as a C2SP checkpoint with an Ed25519 signed-note key kept in
``<data_dir>/log-signer.key`` (created with mode 0600 on first use). It collects no
witness cosignatures. The lead replaces it at merge with the log's checkpoint store: the
exporter (``api.bundle``) and the bundle route only need an object with ``latest(ledger)``
(a signed note, cosignatures included) and ``vkey()``; the route takes one from
``app.state.checkpoints`` when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

from verify.checkpoint import Checkpoint, format_checkpoint
from verify.merkle import EMPTY_ROOT
from verify.note import generate_signer_key, sign_note, verifier_key_of


class CheckpointSource(Protocol):
    def latest(self, ledger: Any) -> str: ...

    def vkey(self) -> str | None: ...


class LocalCheckpoints:
    """Signs the current head with a local key; no witnesses."""

    def __init__(self, data_dir: Path, origin: str) -> None:
        self.path = Path(data_dir) / "log-signer.key"
        self.origin = origin

    def signer_key(self) -> str:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process created it first
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(generate_signer_key(self.origin) + "\n")
        return self.path.read_text().strip()

    def vkey(self) -> str:
        return verifier_key_of(self.signer_key())

    def latest(self, ledger: Any) -> str:
        size, root = ledger.recorder.log_head()
        body = format_checkpoint(Checkpoint(self.origin, size, root or EMPTY_ROOT))
        return sign_note(body, self.signer_key())
