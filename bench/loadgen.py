"""A lean HTTP/1.1 load generator for the benchmarks: N concurrent keep-alive clients.

Each client has its own TCP connection and sends one request at a time (so a client's
requests arrive in order: it can submit one chain after another). Requests are prebuilt
bytes; responses are read by Content-Length. Cheap enough that the load generator does not
take the CPU the server needs on a small machine.

    stats = asyncio.run(run(host, port, jobs, clients=32))
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field


def post(
    path: str, body: bytes, host: str = "127.0.0.1", content_type: str = "application/json"
) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def get(path: str, host: str = "127.0.0.1") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    server_cpu: float | None = None  # CPU seconds the server process used during the run

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def line(self, label: str) -> str:
        cpu = ""
        if self.server_cpu is not None and self.count:
            cpu = f", server CPU {self.server_cpu / self.count * 1e3:.2f} ms/request"
        return (
            f"{label}: {self.rate:,.0f} req/s, p50 {self.percentile(50) * 1e3:.1f} ms, "
            f"p99 {self.percentile(99) * 1e3:.1f} ms{cpu}, {self.count} requests, "
            f"statuses {self.statuses}"
        )


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _client(host: str, port: int, jobs: asyncio.Queue[Sequence[bytes]], stats: Stats) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            try:
                job = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            for request in job:  # one job's requests in order, e.g. one chain
                t = time.perf_counter()
                writer.write(request)
                status = await _read_response(reader)
                stats.latencies.append(time.perf_counter() - t)
                stats.statuses[status] = stats.statuses.get(status, 0) + 1
    finally:
        writer.close()


async def run(host: str, port: int, jobs: Sequence[Sequence[bytes]], clients: int = 32) -> Stats:
    """Send every job (a list of requests sent in order by one client) with ``clients``
    concurrent connections; return latencies and the overall rate."""
    queue: asyncio.Queue[Sequence[bytes]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    stats = Stats()
    t = time.perf_counter()
    await asyncio.gather(*(_client(host, port, queue, stats) for _ in range(clients)))
    stats.seconds = time.perf_counter() - t
    return stats


async def wait_for_port(host: str, port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, w = await asyncio.open_connection(host, port)
            w.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
