"""Tile addressing for the C2SP tlog-tiles read API (https://c2sp.org/tlog-tiles).

A tile L/N of width W holds the hashes of tree level 8*L, indices N*256 .. N*256+W-1
(tlog-tiles "Merkle Tree": tile height 8, full tiles 256 hashes wide). Entry bundles
("tile/entries/N") are addressed here with level ``ENTRIES`` (-1), as Go's
``tlog.Tile`` uses L = -1 for data tiles.
"""

from __future__ import annotations

from verify.errors import MalformedInput

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes in a full tile
MAX_LEVEL = 63  # tlog-tiles: <L> is between 0 and 63
ENTRIES = -1  # level used for entry bundles, "tile/entries/<N>"


def _bad(what: str, vi: str, **evidence: object) -> MalformedInput:
    return MalformedInput(f"bad tile {what}", f"địa chỉ ô (tile) sai: {vi}", **evidence)


def _check(level: int, index: int, width: int) -> None:
    if not (ENTRIES <= level <= MAX_LEVEL):
        raise _bad("level", "tầng ngoài khoảng cho phép", level=level)
    if index < 0:
        raise _bad("index", "chỉ số âm", index=index)
    if not (1 <= width <= TILE_WIDTH):
        raise _bad("width", "độ rộng phải từ 1 đến 256", width=width)


def tile_nodes(level: int, index: int, width: int) -> list[tuple[int, int]]:
    """Tree nodes (level, index) whose hashes tile ``level/index`` of ``width`` holds."""
    _check(level, index, width)
    if level == ENTRIES:
        raise _bad("level", "gói mục (entry bundle) không chứa giá trị băm", level=level)
    start = index * TILE_WIDTH
    return [(TILE_HEIGHT * level, start + i) for i in range(width)]


def _encode_index(index: int) -> str:
    # tlog-tiles: zero-padded 3-digit elements, all but the last prefixed by "x",
    # so 1234067 is "x001/x234/067".
    parts = [f"{index % 1000:03d}"]
    index //= 1000
    while index > 0:
        parts.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(parts))


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """Path of a tile, e.g. "tile/0/x001/234.p/12"; level ENTRIES gives "tile/entries/..."."""
    _check(level, index, width)
    head = "entries" if level == ENTRIES else str(level)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"  # partial tiles only
    return f"tile/{head}/{_encode_index(index)}{suffix}"


def _decimal(text: str, what: str) -> int:
    # Decimal ASCII with no leading zeroes: must round-trip.
    if not (text.isascii() and text.isdigit()) or str(int(text)) != text:
        raise _bad(what, "số thập phân không chuẩn", value=text)
    return int(text)


def parse_tile_path(path: str) -> tuple[int, int, int]:
    """Strict inverse of ``tile_path``: (level, index, width)."""
    if len(path) > 200 or not path.startswith("tile/"):
        raise _bad("path", "không bắt đầu bằng tile/", path=path[:200])
    rest = path[len("tile/") :]
    head, _, rest = rest.partition("/")
    level = ENTRIES if head == "entries" else _decimal(head, "level")
    width = TILE_WIDTH
    if ".p/" in rest:
        rest, _, w = rest.partition(".p/")
        width = _decimal(w, "width")
        if width >= TILE_WIDTH:
            raise _bad("width", "ô một phần (partial) phải rộng dưới 256", path=path)
    index = 0
    elements = rest.split("/")
    for i, element in enumerate(elements):
        digits = element[1:] if i < len(elements) - 1 and element.startswith("x") else element
        if len(digits) != 3 or not (digits.isascii() and digits.isdigit()):
            raise _bad("index", "phần tử chỉ số phải gồm 3 chữ số", path=path)
        index = index * 1000 + int(digits)
    _check(level, index, width)
    if tile_path(level, index, width) != path:  # e.g. "x000/001" or a missing "x"
        raise _bad("path", "cách mã hoá không chuẩn", path=path)
    return level, index, width
