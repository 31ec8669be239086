"""The transparency log's read API (ADR 0014).

C2SP tlog-tiles (https://c2sp.org/tlog-tiles), under the prefix ``/log``:

- ``GET /log/checkpoint``: the latest signed checkpoint with its cosignatures
  (``text/plain; charset=utf-8``, not cached beyond a few seconds);
- ``GET /log/tile/<L>/<N>[.p/<W>]``: hash tiles, the node hashes of tree level 8·L;
- ``GET /log/tile/entries/<N>[.p/<W>]``: entry bundles, each entry a big-endian uint16
  length then the envelope's bytes.

Tiles are ``application/octet-stream``, long-lived for full tiles, and 404 beyond the
latest checkpoint. JSON under ``/v1/log``: the log key, one entry, inclusion and
consistency proofs (standard base64), and a C2SP tlog-proof receipt for an entry.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.checkpointer import Checkpointer
from api.deps import LedgerDep
from api.openapi import problems
from api.problems import ApiProblem, not_found
from api.store.checkpoints import StoredCheckpoint
from api.store.proofs import consistency_proof, inclusion_proof, tlog_receipt
from verify.checkpoint import b64encode
from verify.errors import MalformedInput
from verify.tiles import ENTRIES, TILE_HEIGHT, TILE_WIDTH, parse_tile_path

router = APIRouter(tags=["log"])
OCTETS = "application/octet-stream"
TEXT = "text/plain; charset=utf-8"
IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL = "public, max-age=3600"
CHECKPOINT_CACHE = "public, max-age=2"  # tlog-tiles: mutable, "a few seconds"
Index = Annotated[int, Query(ge=0, le=(1 << 63) - 1)]


def _checkpoints(request: Request) -> Checkpointer:
    cp: Checkpointer = request.app.state.checkpoints
    return cp


def _latest(request: Request) -> StoredCheckpoint:
    cp = _checkpoints(request).store.latest()
    if cp is None:
        raise not_found(
            "the log has no signed checkpoint yet; try again in a few seconds",
            "sổ chưa có điểm kiểm tra (checkpoint) đã ký; hãy thử lại sau vài giây",
        )
    return cp


@router.get(
    "/log/checkpoint",
    summary="Điểm kiểm tra mới nhất, đã ký và đồng ký / Latest signed checkpoint (tlog-checkpoint)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}, **problems(404)},
)
def get_checkpoint(request: Request) -> Response:
    note = _latest(request).note
    return Response(note, media_type=TEXT, headers={"Cache-Control": CHECKPOINT_CACHE})


def _beyond(path: str, size: int) -> ApiProblem:
    return not_found(
        "this tile is beyond the latest checkpoint",
        "ô (tile) này nằm ngoài điểm kiểm tra mới nhất",
        path=path,
        checkpoint_size=size,
    )


@router.get(
    "/log/tile/{path:path}",
    summary="Ô băm hoặc gói mục của cây Merkle / Hash tile or entry bundle (tlog-tiles)",
    response_class=Response,
    responses={200: {"content": {OCTETS: {}}}, **problems(404, 422)},
)
def get_tile(request: Request, ledger: LedgerDep, path: str) -> Response:
    full_path = "tile/" + path
    try:
        level, index, width = parse_tile_path(full_path)
    except MalformedInput as e:
        raise not_found(e.en, e.vi, **e.evidence) from None  # no such resource
    size = _latest(request).size
    recorder: Any = ledger.recorder
    start = index * TILE_WIDTH
    if level == ENTRIES:
        if start + width > size:
            raise _beyond(full_path, size)
        envs = recorder.log_leaves(start, start + width)
        body = b"".join(len(e).to_bytes(2, "big") + e for e in envs)
    else:
        tree_level = TILE_HEIGHT * level
        if tree_level >= 63 or (start + width) << tree_level > size:
            raise _beyond(full_path, size)
        rows = recorder.log_sql(
            "SELECT hash FROM log_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
            (tree_level, start, start + width),
        )
        body = b"".join(bytes(r[0]) for r in rows)
        if len(rows) != width:
            raise ApiProblem(500, "log_storage", "Internal error", "stored tree hashes are missing",
                             "thiếu giá trị băm của cây đã lưu", path=full_path)  # fmt: skip
    cache = IMMUTABLE if width == TILE_WIDTH else PARTIAL
    return Response(body, media_type=OCTETS, headers={"Cache-Control": cache})


@router.get(
    "/v1/log/key",
    summary="Khoá xác minh của sổ / The log's verifier key (signed-note)",
)
def get_log_key(request: Request) -> dict[str, Any]:
    cp = _checkpoints(request)
    return {"origin": cp.origin, "vkey": cp.vkey()}


def _head_size(ledger: LedgerDep) -> int:
    size, _ = ledger.recorder.log_head()  # type: ignore[attr-defined]
    return int(size)


def _check_sizes(ledger: LedgerDep, **sizes: int) -> None:
    head = _head_size(ledger)
    for name, value in sizes.items():
        if value > head:
            raise not_found(
                f"{name} is larger than the log",
                f"{name} lớn hơn kích thước của sổ",
                **{name: value, "log_size": head},
            )


@router.get(
    "/v1/log/entries/{index}",
    summary="Một mục của sổ: đúng từng byte phong bì / One log entry: the envelope's exact bytes",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, **problems(404, 422)},
)
def get_entry(ledger: LedgerDep, index: int) -> Response:
    if index < 0 or index >= _head_size(ledger):
        raise not_found("no log entry at this index", "không có mục nào ở chỉ số này", index=index)
    env = ledger.recorder.log_leaves(index, index + 1)  # type: ignore[attr-defined]
    return Response(env[0], media_type="application/json", headers={"Cache-Control": IMMUTABLE})


def _no_such_proof(en: str, vi: str, **evidence: Any) -> ApiProblem:
    """Well-formed sizes that name no proof (an index outside the tree, old > new)."""
    return ApiProblem(404, "no_such_proof", "Not found", en, vi, **evidence)


@router.get(
    "/v1/log/proof/inclusion",
    summary="Bằng chứng bao hàm / Inclusion proof (RFC 9162 §2.1.3)",
    responses=problems(404, 422),
)
def get_inclusion(ledger: LedgerDep, index: Index, tree_size: Index) -> dict[str, Any]:
    if index >= tree_size:
        raise _no_such_proof("index must be smaller than tree_size", "index phải nhỏ hơn tree_size",
                           index=index, tree_size=tree_size)  # fmt: skip
    _check_sizes(ledger, tree_size=tree_size)
    recorder: Any = ledger.recorder
    proof = inclusion_proof(recorder, index, tree_size)
    leaf = recorder.log_nodes([(0, index)])[(0, index)]
    return {"index": index, "tree_size": tree_size, "leaf_hash": b64encode(leaf),
            "proof": [b64encode(h) for h in proof]}  # fmt: skip


@router.get(
    "/v1/log/proof/consistency",
    summary="Bằng chứng nhất quán / Consistency proof (RFC 9162 §2.1.4)",
    responses=problems(404, 422),
)
def get_consistency(ledger: LedgerDep, old_size: Index, new_size: Index) -> dict[str, Any]:
    if old_size > new_size:
        raise _no_such_proof("old_size must not exceed new_size", "old_size không được lớn hơn new_size",
                           old_size=old_size, new_size=new_size)  # fmt: skip
    _check_sizes(ledger, new_size=new_size)
    proof = consistency_proof(ledger.recorder, old_size, new_size)
    return {"old_size": old_size, "new_size": new_size, "proof": [b64encode(h) for h in proof]}


@router.get(
    "/v1/log/receipt/{index}",
    summary="Biên nhận ngoại tuyến (tlog-proof) của một mục / Offline receipt of an entry",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}, **problems(404, 422)},
)
def get_receipt(request: Request, ledger: LedgerDep, index: int) -> Response:
    if index < 0 or index >= _head_size(ledger):
        raise not_found("no log entry at this index", "không có mục nào ở chỉ số này", index=index)
    cp = _checkpoints(request).store.latest()
    if cp is None or cp.size <= index:
        raise ApiProblem(
            404, "not_checkpointed", "Not found",
            "no signed checkpoint covers this entry yet; try again in a few seconds",
            "chưa có điểm kiểm tra đã ký nào bao gồm mục này; hãy thử lại sau vài giây",
            index=index,
            checkpoint_size=cp.size if cp else 0,
        )  # fmt: skip
    text = tlog_receipt(ledger.recorder, index, cp.note)
    return Response(text, media_type=TEXT, headers={"Cache-Control": "no-cache"})
