"""A C2SP tlog-witness: ``POST /add-checkpoint`` cosigns checkpoints that extend what it saw.

    minhbach witness init --key witness.key --name witness.example/w1   # prints its vkey
    minhbach witness serve --key witness.key --state state.json --log VKEY [--log VKEY]...

The request body (https://c2sp.org/tlog-witness) is ``old <size>``, up to 63 base64
consistency proof lines, a blank line and the signed checkpoint note. The answers:

- 200 with the witness's cosignature/v1 line (https://c2sp.org/tlog-cosignature), after
  the new size and root are durable in the state file (``api.witness_state``);
- 400 a malformed body, a proof with ``old 0``, or ``old`` above the checkpoint's size;
- 404 an origin the witness has no key for (and any other path);
- 403 no signature by the origin's key verifies (a known key's bad signature included);
- 409 ``old`` is not the size it last cosigned for the origin: the body is that size and
  a newline, ``Content-Type: text/x.tlog.size`` (so a rollback below its size gets 409);
  409 too, as a problem document, for the same size with another root (a fork);
- 422 the consistency proof does not verify; 413 a body above ``--max-body``.

Errors other than the 409 size are RFC 9457 problem documents (``api.problems``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.problems import ApiProblem, http_problem, problem_response, too_large
from api.witness_state import Seen, WitnessState
from verify.checkpoint import HASH_SIZE, b64decode, decimal, parse_checkpoint
from verify.errors import LocalizedError, NoteError, ProofError
from verify.merkle import EMPTY_ROOT, verify_consistency
from verify.note import (
    COSIGNATURE_V1,
    Verifier,
    add_signatures,
    cosign,
    cosignature_vkey,
    generate_cosigner_key,
    open_note,
    parse_signer_key,
    parse_verifier_key,
    split_note,
)

log = logging.getLogger("minhbach.witness")
MAX_PROOF_LINES = 63
MAX_BODY = 256 * 1024  # a checkpoint with 100 signatures is ~15 KiB
SIZE_MEDIA_TYPE = "text/x.tlog.size"


def _problem(status: int, code: str, title: str, en: str, vi: str, **ev: Any) -> ApiProblem:
    return ApiProblem(status, code, title, en, vi, **ev)


def _malformed(en: str, vi: str, **ev: Any) -> ApiProblem:
    return _problem(400, "malformed_request", "Bad request", en, vi, **ev)


class SizeConflict(ApiProblem):
    """``old`` is not the size last cosigned: answered as ``text/x.tlog.size``."""

    def __init__(self, size: int, old: int) -> None:
        super().__init__(409, "old_size_mismatch", "Conflict",
                         f"old size {old} is not the witness's size {size}",
                         f"kích thước cũ {old} khác kích thước nhân chứng đã ghi {size}",
                         size=size, old=old)  # fmt: skip
        self.size = size


def parse_request(body: bytes) -> tuple[int, list[bytes], str]:
    """(old size, consistency proof, checkpoint note) of an add-checkpoint body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("the body is not UTF-8", "nội dung không phải UTF-8") from None
    head, sep, note = text.partition("\n\n")  # the first blank line ends the proof lines
    lines = head.split("\n")
    if not sep or not lines[0].startswith("old "):
        raise _malformed("expected 'old <size>', proof lines, a blank line, a checkpoint",
                         "cần dòng 'old <kích thước>', các dòng bằng chứng, dòng trống, checkpoint")  # fmt: skip
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise _malformed("more than 63 proof lines", "quá 63 dòng bằng chứng", count=len(lines) - 1)
    try:
        old = decimal(lines[0][len("old ") :], "old size")
        proof = [b64decode(line, "consistency proof") for line in lines[1:]]
        split_note(note)  # form only; the signatures are checked against the log's keys
    except LocalizedError as e:
        raise _malformed(e.en, e.vi, **e.evidence) from None
    if any(len(h) != HASH_SIZE for h in proof):
        raise _malformed("a proof hash is not 32 bytes", "một giá trị băm không dài 32 byte")
    return old, proof, note


class Witness:
    """Checks and cosigns checkpoints of the logs it knows, one origin's state at a time."""

    def __init__(
        self,
        cosigner_key: str,
        logs: Sequence[Verifier],
        state: WitnessState,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if parse_signer_key(cosigner_key)[1] != COSIGNATURE_V1:
            raise ValueError("the witness key must be a cosignature/v1 key (minhbach witness init)")
        self.key = cosigner_key
        self.vkey = cosignature_vkey(cosigner_key)
        self.logs: dict[str, list[Verifier]] = {}
        for v in logs:
            if v.kind != "ed25519":
                raise ValueError(f"log key {v.name} is not an Ed25519 note key")
            self.logs.setdefault(v.name, []).append(v)  # a log's key name is its origin
        self.state = state
        self.clock = clock

    def add_checkpoint(self, body: bytes) -> str:
        """The cosignature line(s) for a request body, or an ``ApiProblem``."""
        old, proof, note = parse_request(body)
        text, _ = split_note(note)
        try:
            cp = parse_checkpoint(text)
        except LocalizedError as e:
            raise _malformed(e.en, e.vi, **e.evidence) from None
        keys = self.logs.get(cp.origin)
        if not keys:
            raise _problem(404, "unknown_log", "Unknown log",
                           "this witness has no key for the checkpoint's origin",
                           "nhân chứng không có khoá cho nguồn (origin) của checkpoint",
                           origin=cp.origin)  # fmt: skip
        try:
            verified = open_note(note, keys).verified
        except NoteError:
            verified = []
        if not verified:
            raise _problem(403, "bad_log_signature", "Forbidden",
                           "no signature by the log's key verifies",
                           "không có chữ ký hợp lệ nào của khoá của sổ", origin=cp.origin)  # fmt: skip
        if old > cp.size:
            raise _malformed("old size above the checkpoint's size",
                             "kích thước cũ lớn hơn kích thước checkpoint", old=old, size=cp.size)  # fmt: skip
        if old == 0 and proof:
            raise _malformed(
                "a proof from size 0 must be empty", "bằng chứng từ kích thước 0 phải rỗng"
            )
        if cp.size == 0 and cp.root != EMPTY_ROOT:
            raise _problem(422, "bad_empty_root", "Unprocessable content",
                           "an empty tree has another root", "cây rỗng có gốc khác")  # fmt: skip

        def decide(seen: Seen | None) -> tuple[Seen, str]:
            have = seen.size if seen else 0
            if old != have:
                raise SizeConflict(have, old)
            if seen is not None and old == cp.size and seen.root != cp.root:
                raise _problem(409, "fork", "Conflict",
                               "same size as the cosigned checkpoint, another root: a fork",
                               "cùng kích thước với checkpoint đã đồng ký nhưng khác gốc: sổ bị rẽ nhánh",
                               size=cp.size, cosigned_root=seen.root.hex(), root=cp.root.hex())  # fmt: skip
            if seen is not None and old > 0:
                try:
                    verify_consistency(old, cp.size, seen.root, cp.root, proof)
                except ProofError as e:
                    raise _problem(422, "bad_consistency_proof", "Unprocessable content",
                                   e.en, e.vi, **e.evidence) from None  # fmt: skip
            line = cosign(text, self.key, int(self.clock()))
            return Seen(cp.size, cp.root, add_signatures(note, [line])), line

        try:
            line = self.state.update(cp.origin, decide)
        except ApiProblem as e:
            log.warning("refused %s: %s", cp.origin, e.en, extra={"evidence": e.evidence})
            raise
        log.info("cosigned %s at size %d", cp.origin, cp.size)
        return line


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit, int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(witness: Witness, max_body: int = MAX_BODY) -> FastAPI:
    app = FastAPI(title="Minh Bạch witness", openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        body = await _read_limited(request, max_body)
        lines = await run_in_threadpool(witness.add_checkpoint, body)
        return Response(lines.encode(), headers={"content-type": "text/plain; charset=utf-8"})

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response(b"ok\n", headers={"content-type": "text/plain; charset=utf-8"})

    async def localized(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LocalizedError)
        if isinstance(exc, SizeConflict):
            body = f"{exc.size}\n".encode()
            return Response(body, status_code=409, headers={"content-type": SIZE_MEDIA_TYPE})
        return problem_response(exc, request)

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(
            http_problem(exc.status_code, request, dict(exc.headers or {})), request
        )

    app.add_exception_handler(LocalizedError, localized)
    app.add_exception_handler(StarletteHTTPException, http)
    return app


# -- command line --------------------------------------------------------------------------


def read_log_keys(values: Sequence[str], files: Sequence[str]) -> list[Verifier]:
    """Log keys from ``--log`` values and ``--log-file`` files (one vkey a line, ``#``
    comments; a tlog-policy file's ``log`` lines work too)."""
    texts = list(values)
    for f in files:
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            words = line.split()
            if words and not words[0].startswith("#"):
                texts.append(words[1] if words[0] == "log" and len(words) > 1 else words[0])
    return [parse_verifier_key(t) for t in texts]


def _state_path(value: str) -> Path:
    path = Path(value)
    return path / "state.json" if path.is_dir() else path


def cmd_init(args: argparse.Namespace) -> int:
    path = Path(args.key)
    if path.exists():
        print(f"{path} đã tồn tại / already exists", file=sys.stderr)
        return 2
    key = generate_cosigner_key(args.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    print(cosignature_vkey(key))
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    print(cosignature_vkey(Path(args.key).read_text(encoding="utf-8").strip()))
    return 0


def build_witness(args: argparse.Namespace) -> Witness:
    env = os.environ.get("MINHBACH_WITNESS_LOGS", "").split()
    logs = read_log_keys(args.log or env, args.log_file)
    if not logs:
        raise ValueError("no log key: give --log VKEY, --log-file or MINHBACH_WITNESS_LOGS")
    key = Path(args.key).read_text(encoding="utf-8").strip()
    return Witness(key, logs, WitnessState(_state_path(args.state)))


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    witness = build_witness(args)
    logging.basicConfig(level=os.environ.get("MINHBACH_LOG_LEVEL", "INFO"))
    log.info("witness %s for %s", witness.vkey, ", ".join(sorted(witness.logs)))
    app = create_app(witness, args.max_body)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def register(sub: Any) -> None:
    """Add ``witness init|key|serve`` to the ``minhbach`` command line (api/cli.py)."""
    w = sub.add_parser("witness", help="nhân chứng / a tlog-witness").add_subparsers(
        dest="witness_command", required=True
    )
    ini = w.add_parser("init", help="tạo khoá đồng ký / new cosigner key (mode 0600)")
    ini.add_argument("--key", required=True, help="file to create")
    ini.add_argument("--name", required=True, help="the witness's name, e.g. witness.example/w1")
    ini.set_defaults(func=cmd_init)
    k = w.add_parser("key", help="khoá xác minh của nhân chứng / print the witness's vkey")
    k.add_argument("--key", required=True)
    k.set_defaults(func=cmd_key)
    sv = w.add_parser(
        "serve",
        help="chạy nhân chứng / serve POST /add-checkpoint",
        description="Exit 2 on a bad key file or no log key.",
    )
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8100)
    sv.add_argument("--key", required=True, help="cosigner key file (minhbach witness init)")
    sv.add_argument("--state", required=True, help="state file (a folder: <folder>/state.json)")
    sv.add_argument(
        "--log",
        action="append",
        default=[],
        help="a log's verifier key (name = origin); repeat; else env MINHBACH_WITNESS_LOGS",
    )
    sv.add_argument("--log-file", action="append", default=[], help="file of log vkeys")
    sv.add_argument("--max-body", type=int, default=MAX_BODY, help="largest request body, bytes")
    sv.set_defaults(func=cmd_serve)
