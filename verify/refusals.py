"""Refusals raised by the domain: each has a stable code and Vietnamese + English text.

A refusal means nothing is stored. What an official did wrongly but really did is not
a refusal: it is recorded and flagged as a finding (see ``verify.law.rules``; ADR 0002).
"""

from __future__ import annotations

from verify.errors import LocalizedError


class DomainError(LocalizedError):
    code = "domain_error"


class CatalogError(DomainError):
    code = "bad_catalog"


class InvalidInput(DomainError):
    code = "invalid_input"


class Refused(DomainError):
    """The ledger refuses an envelope; nothing is stored."""

    code = "refused"


class UnknownKey(Refused):
    code = "unknown_key"


class KeyNotValid(Refused):
    """Key revoked, expired or not yet valid at the signer's claimed time."""

    code = "key_not_valid"


class NotAllowed(Refused):
    """The signer's role or unit may not record this event."""

    code = "not_allowed"


class BrokenChain(Refused):
    """The envelope does not name the previous envelope of its evaluation."""

    code = "broken_chain"


class OutOfOrder(Refused):
    """A step that makes no sense yet, or any more (e.g. a decision before appraisal)."""

    code = "out_of_order"


class BadEvent(Refused):
    """The payload does not match the event's schema."""

    code = "bad_event"


class Duplicate(Refused):
    code = "duplicate"
