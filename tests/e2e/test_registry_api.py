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


def P(v: str) -> dict[str, str]:
    return {"value": v, "status": "provisional", "source": "Đính chính thử nghiệm"}


CORRECTION = {
    "catalog_id": "qd25-2021", "from_version": 1, "legal_basis": "Quyết định số 1/QĐ-BTP (thử nghiệm)",
    "changes": {"TC2.1.max_points": P("3"), "TC2.max_points": P("28"),
                "TC3.1.max_points": P("8.75"), "TC3.max_points": P("22")},
    "years": [2023],
}  # fmt: skip


def test_impact_of_an_unsigned_correction_over_http_and_its_errors(demo_url: str) -> None:
    """The same report as ``minhbach impact --correction``, over the demo; nothing stored."""
    import os
    from pathlib import Path

    from api.config import Settings
    from api.main import create_app

    settings = Settings(database_url=demo_url, data_dir=Path(os.environ["MINHBACH_DATA_DIR"]))
    with TestClient(create_app(settings)) as c:
        before = c.app.state.ledger.recorder.log_head()[0]  # type: ignore[attr-defined]
        r = c.post("/v1/impact", json=CORRECTION)
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["catalog_id"] == "qd25-2021" and report["years"] == [2023]
        assert report["unit_years_considered"] > 0 and isinstance(report["changed"], list)
        assert report["correction"].startswith("unsigned correction")
        problem(c.post("/v1/impact", json={"catalog_id": "qd25-2021"}), 422, "bad_event")
        problem(c.post("/v1/impact", content=b"{", headers={"content-type": "application/json"}),
                400, "malformed_json")  # fmt: skip
        problem(c.post("/v1/impact", content=b"x"), 415, "unsupported_media_type")
        problem(c.get("/v1/corrections/qd25-2021/2/impact"), 422, "bad_catalog")
        assert c.app.state.ledger.recorder.log_head()[0] == before  # type: ignore[attr-defined]


def test_the_whole_log_as_one_bundle_verifies_offline(opened: TestClient, tmp_path: object) -> None:
    import subprocess
    import sys
    from pathlib import Path

    r = opened.get("/v1/log/bundle")
    assert r.status_code == 200 and '"kind":"log"' in r.text
    path = Path(str(tmp_path)) / "log.jsonl"
    path.write_bytes(r.content)
    done = subprocess.run([sys.executable, "-m", "verify", str(path), "--json"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode in (0, 3), done.stdout[-1500:] + done.stderr[-1500:]
