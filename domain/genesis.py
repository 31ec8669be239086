"""What a new ledger records first: itself, its X.509 trust anchors, its units, the
catalogs and the calendar.

Returned as ``(type, data)`` pairs for the trust root to sign in order. Units go in
chunks so that every envelope stays under the ledger's size limit (each leaf must fit a
C2SP tlog-tiles entry bundle).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from domain.calendar import calendar_doc
from domain.catalog import builtin_catalogs
from verify.law.catalog import Catalog
from verify.law.correction import catalog_to_doc
from verify.x509 import TrustAnchor
from verify.x509_bundle import anchors_doc

UNITS_PER_EVENT = 150
CALENDAR_YEARS = range(2021, 2031)  # evaluation years 2021–2029 and their deadlines in N+1


def genesis(
    *,
    origin: str,
    name: str,
    trust_root: Sequence[dict[str, str]],
    units: Sequence[dict[str, Any]],
    catalogs: Iterable[Catalog] | None = None,
    calendar_years: Iterable[int] = CALENDAR_YEARS,
    anchors: Iterable[TrustAnchor] = (),
) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = [
        ("LedgerInitialised", {"origin": origin, "name": name, "trust_root": list(trust_root)})
    ]
    for doc in anchors_doc(anchors):
        events.append(("TrustAnchorAdded", {"anchor": doc}))
    for i in range(0, len(units), UNITS_PER_EVENT):
        events.append(("UnitsRegistered", {"units": list(units[i : i + UNITS_PER_EVENT])}))
    for cat in builtin_catalogs() if catalogs is None else catalogs:
        events.append(("CatalogPublished", {"catalog": catalog_to_doc(cat)}))
    events.append(("CalendarPublished", {"calendar": calendar_doc(calendar_years)}))
    return events
