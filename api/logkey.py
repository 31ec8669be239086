"""The log's signed-note signer key (Ed25519, C2SP signed-note), kept in a file.

``minhbach log init`` creates it at ``MINHBACH_LOG_KEY_FILE`` or ``<data_dir>/log-signer.key``
(mode 0600, never overwritten); its name is the log's origin, as tlog-checkpoint expects
of the log's own signature. The server creates a missing key when it starts, as the
bundle exporter's interim signer did before, and says so in its log.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from verify.note import (
    Verifier,
    generate_signer_key,
    parse_signer_key,
    parse_verifier_key,
    verifier_key_of,
)
from verify.refusals import DomainError

log = logging.getLogger("minhbach.log")


class LogKeyError(DomainError):
    code = "log_key"


class LogKey:
    def __init__(self, path: Path, origin: str) -> None:
        self.path = Path(path)
        self.origin = origin
        self._skey: str | None = None

    def create(self) -> str:
        """Write a new signer key (mode 0600); refuse if the file exists. Returns the vkey."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # written whole under a temporary name, then linked in place: a process that races
        # us never reads a half-written key, and an existing key is never replaced
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(generate_signer_key(self.origin) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, self.path)
        except FileExistsError:
            raise LogKeyError(
                "the log key file already exists; it is not overwritten",
                "tệp khoá của sổ đã tồn tại; không ghi đè",
                path=str(self.path),
            ) from None
        finally:
            tmp.unlink(missing_ok=True)
        return self.vkey()

    def ensure(self) -> None:
        """Create the key if it is missing (another process may create it first)."""
        if not self.path.exists():
            try:
                self.create()
                log.warning("created the log signer key %s", self.path)
            except LogKeyError:
                pass

    def signer(self) -> str:
        if self._skey is None:
            try:
                skey = self.path.read_text().strip()
            except FileNotFoundError:
                raise LogKeyError(
                    "no log key: run 'minhbach log init'",
                    "chưa có khoá của sổ: hãy chạy 'minhbach log init'",
                    path=str(self.path),
                ) from None
            name = parse_signer_key(skey)[0]
            if name != self.origin:
                raise LogKeyError(
                    "the log key is named for another origin",
                    "khoá của sổ mang tên một nguồn gốc (origin) khác",
                    key_name=name,
                    origin=self.origin,
                )
            self._skey = skey
        return self._skey

    def vkey(self) -> str:
        return verifier_key_of(self.signer())

    def verifier(self) -> Verifier:
        return parse_verifier_key(self.vkey())
