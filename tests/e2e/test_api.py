"""The HTTP API and public pages over the real app, on a temporary SQLite file.

Every refusal is checked twice: the problem document names the right error, and the
log did not grow (``/readyz`` reports the log size read from the store).
"""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from fastapi.testclient import TestClient
from signed_province import COMMUNE, COMMUNE_NAME, PROVINCE, YEAR, Province, t

from domain.signing import generate, sign_event

JSON = {"content-type": "application/json"}
PROBLEM = "application/problem+json"


def log_size(client: TestClient) -> int:
    r = client.get("/readyz")
    assert r.status_code == 200
    return int(r.json()["log_size"])


def post(client: TestClient, body: bytes | str) -> object:
    return client.post("/v1/events", content=body, headers=JSON)


def assert_refused(client: TestClient, body: bytes | str, status: int, code: str) -> dict:
    before = log_size(client)
    r = client.post("/v1/events", content=body, headers=JSON)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["status"] == status
    assert problem["code"] == code
    for member in ("type", "title", "detail", "message_vi", "message_en", "evidence"):
        assert member in problem
    assert log_size(client) == before, "a refused envelope must not be stored"
    return problem


def reencode(envelope: bytes, **changes: object) -> bytes:
    doc = json.loads(envelope)
    doc.update(changes)
    return json.dumps(doc).encode()


# -- accepted ----------------------------------------------------------------------
def test_good_envelope_is_accepted_with_its_receipt(client: TestClient, province: Province) -> None:
    before = log_size(client)
    r = post(client, province.opened())
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"index", "leaf_hash", "envelope_hash", "type", "unit", "year", "findings"}
    assert body["index"] == before
    assert (body["type"], body["unit"], body["year"]) == ("EvaluationOpened", COMMUNE, YEAR)
    assert len(body["leaf_hash"]) == len(body["envelope_hash"]) == 64
    assert log_size(client) == before + 1


def test_envelope_with_whitespace_is_accepted_and_stored_canonically(
    client: TestClient, province: Province
) -> None:
    pretty = json.dumps(json.loads(province.opened()), indent=2).encode()
    r = post(client, pretty)
    assert r.status_code == 201, r.text


# -- 400 / 422: bytes that do not parse, content that breaks the schema -------------
@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[]", b'{"payload": "x"}', b'{"a": 1.5}'],
    ids=["broken", "empty", "array", "missing-fields", "float"],
)
def test_malformed_json_is_refused_with_400(client: TestClient, body: bytes) -> None:
    assert_refused(client, body, 400, "malformed")


def test_bad_base64_payload_is_refused_with_400(client: TestClient, province: Province) -> None:
    assert_refused(client, reencode(province.opened(), payload="!!not base64!!"), 400, "malformed")


def test_unpadded_base64_signature_is_refused_with_400(
    client: TestClient, province: Province
) -> None:
    doc = json.loads(province.opened())
    doc["signatures"][0]["sig"] = doc["signatures"][0]["sig"].rstrip("=") + "A"
    assert_refused(client, json.dumps(doc), 400, "malformed")


def test_payload_missing_data_fields_is_refused_with_422(
    client: TestClient, province: Province
) -> None:
    envelope = sign_event(
        [province.chairman], "EvaluationOpened", COMMUNE, YEAR, None, t("2023-01-05"), {}
    )
    problem = assert_refused(client, envelope, 422, "bad_event")
    assert problem["evidence"]["missing"] == ["catalog_id"]


def test_unknown_event_type_is_refused_with_422(client: TestClient, province: Province) -> None:
    envelope = sign_event(
        [province.chairman], "EvaluationInvented", COMMUNE, YEAR, None, t("2023-01-05"), {}
    )
    assert_refused(client, envelope, 422, "bad_event")


def test_wrong_media_type_is_refused_with_415(client: TestClient, province: Province) -> None:
    before = log_size(client)
    r = client.post("/v1/events", content=province.opened(), headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert r.json()["code"] == "unsupported_media_type"
    assert log_size(client) == before


# -- 403: signatures and signers ---------------------------------------------------
def test_bad_signature_is_refused_with_403(client: TestClient, province: Province) -> None:
    doc = json.loads(province.opened())
    sig = bytearray(base64.b64decode(doc["signatures"][0]["sig"]))
    sig[0] ^= 1
    doc["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    assert_refused(client, json.dumps(doc), 403, "bad_signature")


def test_signature_over_another_payload_is_refused_with_403(
    client: TestClient, province: Province
) -> None:
    good = json.loads(province.opened())
    other = json.loads(
        sign_event([province.chairman], "EvaluationOpened", COMMUNE, YEAR, None, t("2023-01-06"),
                   {"catalog_id": "qd25-2021"})
    )  # fmt: skip
    good["signatures"] = other["signatures"]
    assert_refused(client, json.dumps(good), 403, "bad_signature")


def test_unknown_key_is_refused_with_403(client: TestClient) -> None:
    stranger = generate()
    envelope = sign_event([stranger], "EvaluationOpened", COMMUNE, YEAR, None, t("2023-01-05"),
                          {"catalog_id": "qd25-2021"})  # fmt: skip
    problem = assert_refused(client, envelope, 403, "unknown_key")
    assert problem["evidence"]["key_id"] == stranger.key_id


def test_registrar_event_signed_by_an_official_is_refused_with_403(
    client: TestClient, province: Province
) -> None:
    envelope = province.sign(province.chairman, "UnitsRegistered", PROVINCE, None, t("2022-12-02"),
                             {"units": [{"code": "32003", "name": "Xã Mới", "kind": "xa",
                                         "level": "commune", "district": "964", "province": "96"}]})  # fmt: skip
    assert_refused(client, envelope, 403, "not_allowed")


# -- 409: chain and duplicates ------------------------------------------------------
def test_broken_chain_is_refused_with_409(opened: TestClient, province: Province) -> None:
    data = {"indicator": "TC1.1", "official_id": "cb-32002-ct"}
    wrong_prev = "0" * 64
    envelope = province.sign(province.chairman, "IndicatorAssigned", COMMUNE, YEAR, t("2023-01-06"),
                             data, prev=wrong_prev)  # fmt: skip
    problem = assert_refused(opened, envelope, 409, "broken_chain")
    assert problem["evidence"]["actual"] == wrong_prev
    assert problem["evidence"]["expected"] == province.heads[(COMMUNE, YEAR)]


def test_follow_up_with_the_right_prev_is_accepted(opened: TestClient, province: Province) -> None:
    data = {"indicator": "TC1.1", "official_id": "cb-32002-ct"}
    envelope = province.sign(
        province.chairman, "IndicatorAssigned", COMMUNE, YEAR, t("2023-01-06"), data
    )
    r = post(opened, envelope)
    assert r.status_code == 201, r.text
    timeline = opened.get(f"/v1/evaluations/{COMMUNE}/{YEAR}").json()["timeline"]
    assert [e["type"] for e in timeline] == ["EvaluationOpened", "IndicatorAssigned"]


def test_duplicate_envelope_is_refused_with_409(client: TestClient, province: Province) -> None:
    envelope = province.opened()
    assert post(client, envelope).status_code == 201
    assert_refused(client, envelope, 409, "duplicate")


def test_second_opening_of_the_same_evaluation_is_refused_with_409(
    opened: TestClient, province: Province
) -> None:
    again = sign_event([province.chairman], "EvaluationOpened", COMMUNE, YEAR, None, t("2023-01-07"),
                       {"catalog_id": "qd25-2021"})  # fmt: skip
    assert_refused(opened, again, 409, "duplicate")
    assert len(opened.get(f"/v1/evaluations/{COMMUNE}/{YEAR}").json()["timeline"]) == 1


# -- 413 -------------------------------------------------------------------------
def test_oversized_body_is_refused_with_413(client: TestClient) -> None:
    body = b'{"payload": "' + b"A" * (65 * 1024) + b'"}'
    problem = assert_refused(client, body, 413, "too_large")
    assert problem["evidence"]["max_bytes"] == 64 * 1024


def test_oversized_streamed_body_without_length_is_refused_with_413(client: TestClient) -> None:
    def chunks():  # no Content-Length: the server must count while reading
        for _ in range(80):
            yield b"A" * 1024

    before = log_size(client)
    r = client.post("/v1/events", content=chunks(), headers=JSON)
    assert r.status_code == 413
    assert r.json()["code"] == "too_large"
    assert log_size(client) == before


# -- reads -------------------------------------------------------------------------
def test_evaluation_status_after_opening(opened: TestClient) -> None:
    r = opened.get(f"/v1/evaluations/{COMMUNE}/{YEAR}")
    assert r.status_code == 200
    s = r.json()
    assert s["unit"]["name"] == COMMUNE_NAME
    assert s["stage"] == "opened"
    assert s["catalog"]["id"] == "qd25-2021"
    assert s["dates"]["opened"] == "05/01/2023"
    assert len(s["criteria"]) == 5
    assert s["totals"]["max"] == "100"
    assert s["totals"]["total_min"] == "80"
    assert any(c["provisional"] for c in s["criteria"])
    assert s["eligibility"]["meets"] is False
    [event] = s["timeline"]
    assert event["signers"][0]["name"] == "Nguyễn Văn An"


def test_missing_evaluation_is_a_404_problem(client: TestClient) -> None:
    r = client.get(f"/v1/evaluations/{COMMUNE}/2022")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == "not_found"


def test_bad_path_parameter_is_a_422_problem(client: TestClient) -> None:
    r = client.get(f"/v1/evaluations/{COMMUNE}/year")
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_request"


def test_units_and_province_overview(opened: TestClient) -> None:
    units = opened.get("/v1/units", params={"level": "commune"}).json()
    assert [u["code"] for u in units] == [COMMUNE]
    overview = opened.get(f"/v1/provinces/{YEAR}").json()
    assert overview["counts"]["total"] == 1
    assert overview["units"][0]["stage"] == "opened"
    assert overview["units"][0]["appraised_total"] is None


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"


# -- pages -------------------------------------------------------------------------
def test_unit_page_shows_the_unit_in_vietnamese_and_english(opened: TestClient) -> None:
    r = opened.get(f"/u/{COMMUNE}/{YEAR}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert COMMUNE_NAME in html
    assert '<html lang="vi">' in html
    assert "tạm tính" in html
    assert "05/01/2023" in html
    assert "<script" not in html
    en = opened.get(f"/u/{COMMUNE}/{YEAR}", params={"lang": "en"}).text
    assert '<html lang="en">' in en and COMMUNE_NAME in en and "provisional" in en


def test_home_and_province_pages(opened: TestClient) -> None:
    home = opened.get("/").text
    assert str(YEAR) in home and "<svg" in home
    page = opened.get(f"/p/{YEAR}").text
    assert COMMUNE_NAME in page and f"/u/{COMMUNE}/{YEAR}" in page


def test_unknown_unit_page_is_404_html(client: TestClient) -> None:
    r = client.get(f"/u/{COMMUNE}/2022")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")


def test_comment_text_is_shown_escaped_on_the_unit_page(
    opened: TestClient, province: Province
) -> None:
    compiled = {"report_sha256": "a" * 64, "summary_sha256": "b" * 64}
    steps = [
        ("SelfAssessmentCompiled", t("2023-12-10"), compiled),
        ("CommentReceived", t("2023-12-12"), {
            "comment_id": "YK-1", "via": "hộp thư", "text": '<script>alert("x")</script> & điểm?'}),
    ]  # fmt: skip
    for type_, when, data in steps:
        envelope = province.sign(province.chairman, type_, COMMUNE, YEAR, when, data)
        assert post(opened, envelope).status_code == 201
        province.accepted(envelope, COMMUNE, YEAR)
    status = opened.get(f"/v1/evaluations/{COMMUNE}/{YEAR}").json()
    assert status["stage"] == "compiled"
    assert status["comments"][0]["text"] == '<script>alert("x")</script> & điểm?'
    html = opened.get(f"/u/{COMMUNE}/{YEAR}").text
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; điểm?" in html


def test_batcher_groups_concurrent_submissions_and_answers_each() -> None:
    from api.batcher import Batcher
    from domain.ledger import Outcome, Receipt

    sizes: list[int] = []

    def submit_many(items: list[bytes]) -> list[Outcome]:
        sizes.append(len(items))
        return [Outcome(receipt=Receipt(0, "", d.decode(), "T", "", None)) for d in items]

    async def run() -> list[Outcome]:
        batcher = Batcher(submit_many, max_batch=8)
        await batcher.start()
        try:
            return await asyncio.gather(*(batcher.submit(str(i).encode()) for i in range(20)))
        finally:
            await batcher.stop()

    outcomes = asyncio.run(run())
    assert [o.receipt.envelope_hash for o in outcomes if o.receipt] == [str(i) for i in range(20)]
    assert sum(sizes) == 20 and max(sizes) == 8 and len(sizes) == 3
