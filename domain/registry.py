"""Sổ đăng ký (registry) as an aggregate; its state and checks are
``verify.process.registry.RegistryState``."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.chain import Chain, open_envelope
from verify.process.registry import RegistryState


class Registry(Chain, RegistryState):
    EVENTS = {
        "UnitsRegistered": "units_registered",
        "OfficialEnrolled": "enrolled",
        "KeyRevoked": "revoked",
        "CatalogPublished": "catalog_published",
        "CalendarPublished": "calendar_published",
        "CatalogCorrected": "catalog_corrected",
        "TrustAnchorAdded": "anchor_added",
        "RevocationListRecorded": "crl_recorded",
    }

    @staticmethod
    def create_id(envelope: str) -> Any:
        return Chain.id_for("registry", envelope)

    @event("LedgerInitialised")
    def __init__(self, envelope: str) -> None:
        self.start(*open_envelope(envelope))

    @event("UnitsRegistered")
    def units_registered(self, envelope: str) -> None:
        self._applied(envelope)

    @event("OfficialEnrolled")
    def enrolled(self, envelope: str) -> None:
        self._applied(envelope)

    @event("KeyRevoked")
    def revoked(self, envelope: str) -> None:
        self._applied(envelope)

    @event("CatalogPublished")
    def catalog_published(self, envelope: str) -> None:
        self._applied(envelope)

    @event("CalendarPublished")
    def calendar_published(self, envelope: str) -> None:
        self._applied(envelope)

    @event("CatalogCorrected")
    def catalog_corrected(self, envelope: str) -> None:
        self._applied(envelope)

    @event("TrustAnchorAdded")
    def anchor_added(self, envelope: str) -> None:
        self._applied(envelope)

    @event("RevocationListRecorded")
    def crl_recorded(self, envelope: str) -> None:
        self._applied(envelope)
