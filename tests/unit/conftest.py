"""Fixtures for unit tests: the in-memory test PKI (see ``tests/pki.py``)."""

from __future__ import annotations

import pytest
from pki import TestPKI

from verify.x509 import TrustAnchor, load_anchors


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    return TestPKI.build()


@pytest.fixture(scope="session")
def anchors(pki: TestPKI) -> tuple[TrustAnchor, ...]:
    """The deployment's trust anchors: the test root only, read from its PEM."""
    return load_anchors(pki.anchors_pem)
