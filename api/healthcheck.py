"""Container health checks: ``python -m api.healthcheck http|tcp|db …`` (exit 0 = healthy).

    python -m api.healthcheck http http://127.0.0.1:8000/readyz   # answers 2xx
    python -m api.healthcheck tcp 127.0.0.1 8100                  # accepts a connection
    python -m api.healthcheck db                                  # MINHBACH_DATABASE_URL answers

Standard library only (and ``psycopg`` for ``db`` on PostgreSQL), so a check costs a
fraction of a second and needs no curl in the image.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import urllib.error
import urllib.request
from urllib.parse import unquote


def check_http(url: str, timeout: float = 3.0) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - our own URL
            return None if 200 <= r.status < 300 else f"HTTP {r.status}"
    except (urllib.error.URLError, OSError) as e:
        return str(e)


def check_tcp(host: str, port: int, timeout: float = 3.0) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as e:
        return str(e)


def check_db(url: str, timeout: int = 3) -> str | None:
    if url.startswith("sqlite:///"):
        path = unquote(url[len("sqlite:///") :])
        try:
            sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout).execute("SELECT 1")
        except sqlite3.Error as e:
            return str(e)
        return None
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=timeout) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as e:
        return str(e).strip()
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["http"] and len(args) == 2:
        problem = check_http(args[1])
    elif args[:1] == ["tcp"] and len(args) == 3:
        problem = check_tcp(args[1], int(args[2]))
    elif args[:1] == ["db"] and len(args) <= 2:
        url = args[1] if len(args) == 2 else os.environ.get("MINHBACH_DATABASE_URL", "")
        problem = check_db(url) if url else "MINHBACH_DATABASE_URL is not set"
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
