"""The registry and the log's contents over HTTP (``api.routes.registry``): catalogs with
their provenance, officials and keys, every envelope in log order, a province-year bundle;
each with its error paths as bilingual problem documents."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from signed_province import PROVINCE, YEAR, Province

PROBLEM = "application/problem+json"


def problem(r: object, status: int, code: str) -> None:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith(PROBLEM)  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["code"] == code and body["message_vi"] and body["message_en"]


def test_catalogs_list_and_one_catalog_with_provenance(client: TestClient) -> None:
    cats = client.get("/v1/catalogs").json()
    assert [c["catalog_id"] for c in cats] == ["qd25-2021"]
    assert cats[0]["versions"] == [1] and cats[0]["provisional"] is True
    doc = client.get("/v1/catalogs/qd25-2021").json()
    assert doc["catalog_id"] == "qd25-2021" and doc["version"] == 1
    assert "provisional" in str(doc) and "source" in str(doc)
    problem(client.get("/v1/catalogs/qd27-2025"), 404, "not_found")
    problem(client.get("/v1/catalogs/qd25-2021", params={"version": 9}), 404, "not_found")
    problem(client.get("/v1/catalogs/qd25-2021", params={"version": 0}), 422, "invalid_request")
    problem(client.get("/v1/catalogs/BAD ID"), 422, "invalid_request")


def test_officials_and_one_key(client: TestClient, province: Province) -> None:
    rows = client.get("/v1/officials").json()
    assert [r["official_id"] for r in rows] == ["cb-32002-ct"]
    row = rows[0]
    assert row["key_id"] == province.chairman.key_id and row["role"] == "commune_chairman"
    assert row["valid_from"] == "2022-01-01T00:00:00Z" and row["revoked_from"] is None
    assert client.get("/v1/officials", params={"role": "district_chairman"}).json() == []
    assert client.get("/v1/officials", params={"scope": "32002"}).json() == rows
    assert client.get(f"/v1/keys/{province.chairman.key_id}").json() == row
    problem(client.get("/v1/keys/" + "0" * 64), 404, "not_found")
    problem(client.get("/v1/keys/NOTHEX"), 422, "invalid_request")
    problem(client.get("/v1/officials", params={"scope": "x"}), 422, "invalid_request")


def test_events_in_log_order_a_page_at_a_time_byte_for_byte(client: TestClient) -> None:
    first = client.get("/v1/log/envelopes", params={"limit": 3})
    assert [e["index"] for e in first.json()] == [0, 1, 2]
    assert first.headers["link"].endswith('after=2>; rel="next"')
    rest = client.get("/v1/log/envelopes", params={"after": 2, "limit": 3})
    assert [e["index"] for e in rest.json()] == [3] and "link" not in rest.headers
    recorder = client.app.state.ledger.recorder  # type: ignore[attr-defined]
    stored = recorder.log_leaves(0, 4)
    for e in first.json() + rest.json():
        assert e["envelope"].encode() == stored[e["index"]]
        assert e["envelope_hash"] == hashlib.sha256(stored[e["index"]]).hexdigest()
    assert client.get("/v1/log/envelopes", params={"after": 99}).json() == []
    problem(client.get("/v1/log/envelopes", params={"limit": 0}), 422, "invalid_request")
    problem(client.get("/v1/log/envelopes", params={"after": -2}), 422, "invalid_request")


def test_a_province_year_bundle(opened: TestClient) -> None:
    r = opened.get(f"/v1/provinces/{PROVINCE}/{YEAR}/bundle")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/")
    assert f'"kind":"province","unit":"{PROVINCE}","year":{YEAR}' in r.text
    problem(opened.get(f"/v1/provinces/01/{YEAR}/bundle"), 404, "not_found")
    problem(opened.get(f"/v1/provinces/9/{YEAR}/bundle"), 422, "invalid_request")
