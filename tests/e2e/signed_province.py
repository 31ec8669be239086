"""A minimal signed province for the HTTP tests (until ``api.demo`` builds a richer one).

Trust root and officials get fresh Ed25519 keys; every event is signed with
``domain.signing.sign_event`` and submitted through the real app, so the tests exercise
exactly what a client would send.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.catalog import builtin_catalogs
from domain.signing import Signer, sign_event
from verify.law.correction import catalog_to_doc

PROVINCE, DISTRICT, COMMUNE, YEAR = "96", "964", "32002", 2023
COMMUNE_NAME = "Xã Tân Thành"


def t(day: str) -> datetime:
    """``"2023-01-05"`` → 09:00 Vietnam time (02:00 UTC) that day."""
    return datetime.fromisoformat(day + "T02:00:00").replace(tzinfo=UTC)


def env_hash(envelope: bytes) -> str:
    return hashlib.sha256(envelope).hexdigest()


@dataclass
class Province:
    """Keys and chain heads of the test province; ``sign`` builds the next envelope."""

    root: Signer
    chairman: Signer
    heads: dict[tuple[str, int | None], str | None] = field(default_factory=dict)

    def sign(
        self,
        signer: Signer,
        type_: str,
        unit: str,
        year: int | None,
        time: datetime,
        data: dict[str, Any],
        *,
        prev: str | None | bool = True,
    ) -> bytes:
        """Sign an event; ``prev=True`` uses the chain's current head (updated on submit)."""
        chain = (PROVINCE if year is None else unit, year)
        p = self.heads.get(chain) if prev is True else (prev or None)
        return sign_event([signer], type_, unit, year, p, time, data)

    def accepted(self, envelope: bytes, unit: str, year: int | None) -> None:
        self.heads[(PROVINCE if year is None else unit, year)] = env_hash(envelope)

    def registry_events(self) -> list[bytes]:
        qd25 = next(c for c in builtin_catalogs() if c.catalog_id == "qd25-2021")
        units = [
            {"code": PROVINCE, "name": "Tỉnh Cà Mau", "kind": "province", "level": "province",
             "district": None, "province": PROVINCE},
            {"code": DISTRICT, "name": "Huyện Thới Bình", "kind": "district", "level": "district",
             "district": None, "province": PROVINCE},
            {"code": COMMUNE, "name": COMMUNE_NAME, "kind": "xa", "level": "commune",
             "district": DISTRICT, "province": PROVINCE},
        ]  # fmt: skip
        official = {
            "id": "cb-32002-ct",
            "name": "Nguyễn Văn An",
            "position": "Chủ tịch UBND xã Tân Thành",
            "role": "commune_chairman",
            "scope": COMMUNE,
            "key": self.chairman.key_doc(),
            "valid_from": "2022-01-01T00:00:00Z",
        }
        steps: list[tuple[str, dict[str, Any]]] = [
            ("LedgerInitialised", {"origin": "minhbach.example/96", "name": "Cà Mau",
                                   "trust_root": [self.root.key_doc()]}),
            ("UnitsRegistered", {"units": units}),
            ("CatalogPublished", {"catalog": catalog_to_doc(qd25)}),
            ("OfficialEnrolled", {"official": official}),
        ]  # fmt: skip
        out = []
        for type_, data in steps:
            envelope = self.sign(self.root, type_, PROVINCE, None, t("2022-12-01"), data)
            self.accepted(envelope, PROVINCE, None)
            out.append(envelope)
        return out

    def opened(self) -> bytes:
        data = {"catalog_id": "qd25-2021"}
        return self.sign(self.chairman, "EvaluationOpened", COMMUNE, YEAR, t("2023-01-05"), data)
