"""Real HTTP on loopback for the witness and monitor tests: an ASGI app under uvicorn in a
thread, and a small transparency log (``TreeLog``) served by the standard library's HTTP
server with ``GET /log/checkpoint`` and ``GET /v1/log/proof/consistency``, which a test can
make grow, fork or roll back."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import uvicorn

from verify.checkpoint import Checkpoint, format_checkpoint
from verify.merkle import EMPTY_ROOT, NodeId, TreeBuilder, assemble, consistency_plan, leaf_hash
from verify.note import add_signatures, make_signer_key, sign_note, verifier_key_of


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """``with serve_app(app) as url:`` uvicorn on a free loopback port, in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class TreeLog:
    """An RFC 6962 log in memory: leaf i is ``tag || i``, every complete node kept."""

    def __init__(self, origin: str = "log.example/test", seed: bytes = b"\x11" * 32) -> None:
        self.origin = origin
        self.skey = make_signer_key(origin, seed)
        self.vkey = verifier_key_of(self.skey)
        self.builder = TreeBuilder()
        self.nodes: dict[NodeId, bytes] = {}
        self.roots = [EMPTY_ROOT]  # roots[n]: the root at size n
        self.cosignatures: dict[int, list[str]] = {}  # size -> lines added to its note

    @property
    def size(self) -> int:
        return self.builder.size

    def append(self, n: int = 1, tag: bytes = b"entry ") -> TreeLog:
        for _ in range(n):
            leaf = leaf_hash(tag + str(self.builder.size).encode())
            self.nodes.update(self.builder.append(leaf))
            self.roots.append(self.builder.root())
        return self

    def fork(self, at: int, size: int) -> TreeLog:
        """The same log key, the same first ``at`` leaves, other leaves up to ``size``."""
        other = TreeLog(self.origin)
        other.skey, other.vkey = self.skey, self.vkey
        return other.append(at).append(size - at, tag=b"forged ")

    def body(self, size: int | None = None) -> str:
        size = self.size if size is None else size
        return format_checkpoint(Checkpoint(self.origin, size, self.roots[size]))

    def note(self, size: int | None = None) -> str:
        size = self.size if size is None else size
        note = sign_note(self.body(size), self.skey)
        extra = self.cosignatures.get(size)
        return add_signatures(note, extra) if extra else note

    def prove(self, old: int, new: int) -> list[bytes]:
        return assemble(consistency_plan(old, new), self.nodes)


class LogServer:
    """Serves ``log`` at ``size`` (settable: grow, roll back, or swap in a fork)."""

    def __init__(self, log: TreeLog) -> None:
        self.log, self.size = log, log.size
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                url = urlsplit(self.path)
                if url.path == "/log/checkpoint":
                    note = outer.log.note(outer.size).encode()
                    return self._send(200, note, "text/plain; charset=utf-8")
                if url.path == "/v1/log/proof/consistency":
                    q = {k: int(v[0]) for k, v in parse_qs(url.query).items()}
                    old, new = q["old_size"], q["new_size"]
                    proof = [base64.b64encode(h).decode() for h in outer.log.prove(old, new)]
                    doc = {"old_size": old, "new_size": new, "proof": proof}
                    return self._send(200, json.dumps(doc).encode(), "application/json")
                return self._send(404, b"not found\n", "text/plain")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LogServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
