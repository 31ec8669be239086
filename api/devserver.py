"""A real uvicorn process on a free loopback port, for browser tests, screenshots and
benchmarks (``tests/e2e``, ``tools/screenshots.py``, ``bench/http.py``).

The socket is bound here and handed to uvicorn with ``--fd``, so there is no race for the
port between choosing it and listening on it. ``demo_database`` builds (once) a SQLite
ledger with ``api.demo.build_demo`` for the server to read.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType

import httpx


def demo_database(
    path: Path, limit: int = 10, province: str = "96", today: date | None = None
) -> str:
    """A SQLite URL for a demo ledger at ``path``, built if the file does not exist yet.

    With ``today``, the year under way has drafts posted (``build_demo``) and the portal's
    comment key is written beside the file, at ``intake_key_of(path)``."""
    from api.config import Settings, make_ledger
    from api.demo import build_demo

    url = f"sqlite:///{path}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".building")
        tmp.unlink(missing_ok=True)
        ledger = make_ledger(Settings(database_url=f"sqlite:///{tmp}", scope=province))
        result = build_demo(ledger, province=province, limit=limit, today=today)
        ledger.close()
        if result.refused:
            raise RuntimeError(f"demo refused {len(result.refused)} events: {result.refused[:3]}")
        intake = next((o for o in result.officials.values() if o.role == "public_intake"), None)
        if intake is not None:
            intake_key_of(path).write_bytes(intake.signer.pem())
            intake_key_of(path).chmod(0o600)
        tmp.rename(path)
    return url


def intake_key_of(path: Path) -> Path:
    return path.with_name(path.name + ".intake-key.pem")


@dataclass
class LiveServer:
    """``with LiveServer(database_url) as s: httpx.get(s.url + "/")``."""

    database_url: str
    app: str = "api.main:create_app"
    factory: bool = True
    env: dict[str, str] = field(default_factory=dict)
    log_level: str = "WARNING"
    host: str = "127.0.0.1"
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60.0) -> LiveServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        sock.listen(1024)
        self.port = sock.getsockname()[1]
        env = {
            **os.environ,
            "MINHBACH_DATABASE_URL": self.database_url,
            "MINHBACH_LOG_LEVEL": self.log_level,
            **self.env,
        }
        cmd = [sys.executable, "-m", "uvicorn", self.app, "--fd", str(sock.fileno()),
               "--no-access-log", "--log-level", "warning"]  # fmt: skip
        if self.factory:
            cmd.append("--factory")
        self.process = subprocess.Popen(cmd, env=env, pass_fds=(sock.fileno(),))
        sock.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"uvicorn did not answer on {self.url} in {timeout}s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, as root, on a machine with no network but loopback: without the
# background-networking flags it keeps trying (and failing) to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def browser_missing() -> str | None:
    """Why a browser test cannot run here (None when it can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


def launch_chromium(playwright: object, user_data_dir: Path, **context: object) -> object:
    """A persistent Chromium context on a fresh profile folder (Playwright refuses
    ``--user-data-dir`` among the arguments of ``launch``)."""
    return playwright.chromium.launch_persistent_context(  # type: ignore[attr-defined]
        str(user_data_dir), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        **context,
    )  # fmt: skip
