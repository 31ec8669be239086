"""A small reusable HTTP/1.1 load generator on raw asyncio (keep-alive, N clients).

    result = asyncio.run(run_load("127.0.0.1", 8000, requests, clients=16, seconds=10))
    print(result.line("unit page"))

``requests`` is a ``Source``: ``next_for(client)`` gives the next ``Request`` of a client,
or None when that client has nothing left (a client that must keep an order, such as the
envelopes of one chain, gets its own queue). The client is cheap on purpose — no parsing
beyond the status line and the length of the body — so that on a small machine the
server, not the load generator, is what gets measured. Every loop is bounded by time and
by count, and only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    content_type: str = "application/json"

    accept_encoding: str = ""  # "gzip" to ask, as browsers do, for a compressed answer

    def encode(self, host: str) -> bytes:
        head = f"{self.method} {self.path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n"
        if self.accept_encoding:
            head += f"Accept-Encoding: {self.accept_encoding}\r\n"
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            head += f"Content-Type: {self.content_type}\r\nContent-Length: {len(self.body)}\r\n"
        return head.encode("latin-1") + b"\r\n" + self.body


class Source:
    """Requests for the clients: the same cycle for all, or one queue per client."""

    def __init__(
        self,
        cycle: Sequence[Request] | None = None,
        queues: Sequence[Sequence[Request]] | None = None,
    ) -> None:
        self._cycle = itertools.cycle(cycle) if cycle else None
        self._queues = [iter(q) for q in queues] if queues is not None else None

    def next_for(self, client: int) -> Request | None:
        if self._queues is not None:
            if client >= len(self._queues):
                return None
            return next(self._queues[client], None)
        assert self._cycle is not None
        return next(self._cycle)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    errors: int = 0
    server_cpu_ms: float | None = None  # filled in by a caller that can see the server

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency at percentile ``p`` (nearest rank), in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    def line(self, name: str) -> str:
        codes = ", ".join(f"{k}×{v}" for k, v in sorted(self.statuses.items()))
        return (
            f"{name:<34} {self.rate:9.1f} req/s   p50 {self.percentile(50):7.2f} ms   "
            f"p99 {self.percentile(99):7.2f} ms   n={self.count} [{codes}]"
            + (f" errors={self.errors}" if self.errors else "")
            + (f"   server CPU {self.server_cpu_ms:.2f} ms/req" if self.server_cpu_ms else "")
        )


def _check_loopback(host: str) -> None:
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"load is only sent to loopback addresses, not {host}")


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response; return its status. Handles Content-Length and chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length and status != 304:
        await reader.readexactly(length)
    return status


async def _client(
    n: int, host: str, port: int, source: Source, stop_at: float, max_requests: int,
    result: Result, counted: Callable[[], bool],
) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(max_requests):
            if time.perf_counter() >= stop_at:
                return
            request = source.next_for(n)
            if request is None:
                return
            start = time.perf_counter()
            writer.write(request.encode(f"{host}:{port}"))
            try:
                status = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                result.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            if counted():
                result.latencies.append(time.perf_counter() - start)
                result.statuses[status] += 1
    finally:
        writer.close()


async def run_load(
    host: str,
    port: int,
    source: Source,
    clients: int = 16,
    seconds: float = 10.0,
    warmup: float = 1.0,
    max_requests: int = 1_000_000,
) -> Result:
    """``clients`` connections sending back to back for ``warmup + seconds`` (or until
    their requests run out); only answers completed after the warm-up are counted."""
    _check_loopback(host)
    result = Result()
    begin = time.perf_counter()
    measure_from = begin + warmup
    stop_at = measure_from + seconds

    def counted() -> bool:
        return time.perf_counter() >= measure_from

    await asyncio.gather(
        *(_client(n, host, port, source, stop_at, max_requests, result, counted)
          for n in range(clients))
    )  # fmt: skip
    result.seconds = min(time.perf_counter(), stop_at) - max(begin, measure_from)
    return result
