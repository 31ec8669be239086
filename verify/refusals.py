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


class CertificateNotValid(KeyNotValid):
    """Chứng thư số (certificate) of a signing key that does not allow this signature: the
    chain is outside its validity at the claimed time, or a CRL recorded before the
    envelope revokes it (whatever time the envelope claims). ``evidence["cause"]`` is the
    ``verify.x509_errors`` code (``certificate_expired``, ``certificate_revoked``…)."""

    code = "certificate_not_valid"


class EnrolmentRefused(BadEvent):
    """An ``OfficialEnrolled`` whose certificate chain does not validate to a trust anchor
    recorded in the registry, or is revoked by a CRL already recorded; ``evidence["cause"]``
    names the failed check."""

    code = "enrolment_certificate_refused"


class RevocationListRefused(BadEvent):
    """A ``RevocationListRecorded`` whose CRL is malformed, not signed by a CA the registry
    knows, or issued after the time it claims to be recorded at."""

    code = "crl_refused"


class TrustAnchorRefused(BadEvent):
    """A ``TrustAnchorAdded`` whose certificate is not a usable CA certificate or does not
    match its stated fingerprint or subject."""

    code = "trust_anchor_refused"
