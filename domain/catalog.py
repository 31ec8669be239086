"""The catalogs shipped with the package (Decision 25/2021, Decision 27/2025), as data.

The documents are JSON files in ``domain/catalogs/``; the ledger publishes them as signed
``CatalogPublished`` events, after which only the signed copy counts.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from verify.canonical import parse_strict
from verify.errors import MalformedInput
from verify.law.catalog import Catalog, load_catalog
from verify.refusals import CatalogError

BUILTIN_FILES = ("qd25_2021.json", "qd27_2025.json")


@cache
def _builtin() -> tuple[Catalog, ...]:
    out = []
    for name in BUILTIN_FILES:
        data = resources.files("domain.catalogs").joinpath(name).read_bytes()
        try:
            doc = parse_strict(data)
        except MalformedInput as e:
            raise CatalogError(f"{name}: {e.en}", f"{name}: {e.vi}", file=name) from None
        out.append(load_catalog(doc))
    return tuple(out)


def builtin_catalogs() -> list[Catalog]:
    """The catalogs shipped with the package (Decision 25/2021, Decision 27/2025)."""
    return list(_builtin())
