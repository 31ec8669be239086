"""Certificates over HTTP: the trust anchors the log records, listed with their SHA-256
fingerprints and served as PEM, and the problem documents of certificate refusals
(enrolment, CRL and anchor refusals are 422; a signature the certificate does not allow
is 403), each leaving the log as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pki import NOW, Issued, TestPKI, crl_data, format_utc
from signed_province import COMMUNE, PROVINCE, Province
from test_api import JSON, assert_refused

from api.config import Settings
from api.main import create_app
from domain.signing import signer_from_private
from verify.x509 import TrustAnchor
from verify.x509_bundle import anchors_doc, encode_chain

ENROLLED = datetime(2024, 7, 1, 1, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path, province: Province, anchors: tuple[TrustAnchor, ...]) -> Iterator[TestClient]:
    """The real app, configured with the test root as its trust anchor, registry signed in."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        scope=PROVINCE,
        data_dir=tmp_path,
        trust_root=(province.root.public,),
        trust_anchors=anchors,
    )
    with TestClient(create_app(settings)) as c:
        for envelope in province.registry_events():
            assert c.post("/v1/events", content=envelope, headers=JSON).status_code == 201
        yield c


def registry(c: TestClient, province: Province, type_: str, data: dict[str, Any], when: datetime = ENROLLED) -> Any:
    envelope = province.sign(province.root, type_, PROVINCE, None, when, data)
    r = c.post("/v1/events", content=envelope, headers=JSON)
    if r.status_code == 201:
        province.accepted(envelope, PROVINCE, None)
    return r, envelope


def add_anchor(c: TestClient, province: Province, anchors: tuple[TrustAnchor, ...]) -> None:
    r, _ = registry(c, province, "TrustAnchorAdded", {"anchor": anchors_doc(anchors)[0]})
    assert r.status_code == 201, r.text


def enrolment(pki: TestPKI, issued: Issued) -> dict[str, Any]:
    return {"official": {
        "id": f"cts-{issued.cert.serial_number % 1000}", "name": "Trần Thị Bình",
        "position": "Chủ tịch UBND xã", "role": "commune_chairman", "scope": COMMUNE,
        "certificate": {"chain": encode_chain([issued.cert, pki.intermediate.cert])},
        "valid_from": format_utc(ENROLLED),
    }}  # fmt: skip


def test_the_configured_anchor_is_pending_until_the_log_records_it_then_listed_with_its_pem(
    app: TestClient, province: Province, anchors: tuple[TrustAnchor, ...], pki: TestPKI
) -> None:
    before = app.get("/v1/trust-anchors").json()
    assert before["anchors"] == []
    assert [a["sha256"] for a in before["pending"]] == [anchors[0].fingerprint]
    add_anchor(app, province, anchors)
    body = app.get("/v1/trust-anchors").json()
    assert body["pending"] == []
    (listed,) = body["anchors"]
    assert listed["sha256"] == anchors[0].fingerprint and listed["configured"] is True
    assert listed["subject"]["common_name"] == "Test Root CA (Cơ quan chứng thực gốc)"
    assert listed["recorded"]["time"]["utc"] == format_utc(ENROLLED)
    pem = app.get(listed["pem"])
    assert pem.status_code == 200 and pem.content == pki.root.pem
    assert app.get(f"/v1/trust-anchors/{'0' * 64}.pem").status_code == 404


def test_an_anchor_the_deployment_is_not_configured_with_is_refused_with_403(
    app: TestClient, province: Province, pki: TestPKI
) -> None:
    other = anchors_doc([TrustAnchor(pki.other_root.cert)])[0]
    envelope = province.sign(province.root, "TrustAnchorAdded", PROVINCE, None, ENROLLED, {"anchor": other})
    assert_refused(app, envelope, 403, "not_allowed")


def test_an_anchor_that_is_not_a_ca_is_refused_with_422(
    app: TestClient, province: Province, pki: TestPKI
) -> None:
    leaf = anchors_doc([TrustAnchor(pki.ec_official.cert)])[0]
    envelope = province.sign(province.root, "TrustAnchorAdded", PROVINCE, None, ENROLLED, {"anchor": leaf})
    problem = assert_refused(app, envelope, 422, "trust_anchor_refused")
    assert problem["evidence"]["cause"] == "certificate_issuer_not_ca"


def test_an_expired_certificate_is_refused_at_enrolment_with_422_in_vietnamese(
    app: TestClient, province: Province, anchors: tuple[TrustAnchor, ...], pki: TestPKI
) -> None:
    add_anchor(app, province, anchors)
    envelope = province.sign(province.root, "OfficialEnrolled", PROVINCE, None, ENROLLED, enrolment(pki, pki.expired))
    problem = assert_refused(app, envelope, 422, "enrolment_certificate_refused")
    assert problem["evidence"]["cause"] == "certificate_expired"
    assert "hết hiệu lực" in problem["detail"] and problem["title"] == "Certificate refused at enrolment"


def test_a_crl_with_a_wrong_sha256_is_refused_with_422(
    app: TestClient, province: Province, anchors: tuple[TrustAnchor, ...], pki: TestPKI
) -> None:
    add_anchor(app, province, anchors)
    data = {**crl_data(pki.crl), "sha256": "0" * 64}
    envelope = province.sign(province.root, "RevocationListRecorded", PROVINCE, None, NOW, data)
    assert_refused(app, envelope, 422, "crl_refused")


def test_a_signature_by_a_certificate_revoked_in_the_log_is_refused_with_403(
    app: TestClient, province: Province, anchors: tuple[TrustAnchor, ...], pki: TestPKI
) -> None:
    add_anchor(app, province, anchors)
    r, _ = registry(app, province, "OfficialEnrolled", enrolment(pki, pki.revoked))
    assert r.status_code == 201, r.text
    r, _ = registry(app, province, "RevocationListRecorded", crl_data(pki.crl), NOW)
    assert r.status_code == 201, r.text
    signer = signer_from_private(pki.revoked.key)
    envelope = province.sign(signer, "EvaluationOpened", COMMUNE, 2024, datetime(2024, 12, 1, 1, tzinfo=UTC),
                             {"catalog_id": "qd25-2021"})  # fmt: skip
    problem = assert_refused(app, envelope, 403, "certificate_not_valid")
    assert problem["evidence"]["cause"] == "certificate_revoked"
    assert problem["title"] == "Certificate does not allow this signature"
