"""A progress bar on stderr, standard library only: bytes read of the bundle's size."""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, total: int, out: TextIO, lang: str = "vi", every: float = 0.2) -> None:
        self.total = max(1, total)
        self.out = out
        self.label = "Đang xác minh" if lang == "vi" else "Verifying"
        self.every = every
        self.started = time.monotonic()
        self.last = 0.0
        self.done = 0

    def line(self, done: int) -> str:
        frac = min(1.0, done / self.total)
        filled = int(WIDTH * frac)
        elapsed = time.monotonic() - self.started
        mib = done / (1 << 20)
        rate = mib / elapsed if elapsed > 0 else 0.0
        bar = "█" * filled + "░" * (WIDTH - filled)
        return f"\r{self.label} {bar} {frac * 100:5.1f}% {mib:8.1f} MiB {rate:6.1f} MiB/s"

    def update(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if now - self.last >= self.every or done >= self.total:
            self.last = now
            self.out.write(self.line(done))
            self.out.flush()

    def close(self) -> None:
        self.out.write(self.line(self.done) + "\n")
        self.out.flush()
