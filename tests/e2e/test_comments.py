"""Residents' comments from a unit's public page (``api.comments``), over the real app on a
small demo whose drafts are posted today: the form, the receipt, the signed envelope in the
log, the commune's answer linking back, and every refusal storing nothing."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.comments import Intake, RateLimit
from api.config import Settings
from api.demo import DemoResult, build_demo
from api.main import create_app
from domain.calendar import VN_TZ
from domain.signing import sign_event

JSON = {"content-type": "application/json"}
TODAY = datetime.now(VN_TZ).date()
YEAR = (TODAY - timedelta(days=12)).year  # the year the demo opened (api.demo.live_posting)


@pytest.fixture(scope="module")
def posted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoResult]]:
    """The app over a demo (8 communes) with two current communes' drafts posted today."""
    from api.config import make_ledger

    folder = tmp_path_factory.mktemp("comments")
    url = f"sqlite:///{folder / 'demo.db'}"
    ledger = make_ledger(Settings(database_url=url))
    result = build_demo(ledger, limit=8, today=TODAY)
    ledger.close()
    assert result.refused == []
    intake = result.officials["96-cong-tiep-nhan"]
    key = folder / "intake-key.pem"
    key.write_bytes(intake.signer.pem())
    with TestClient(create_app(Settings(database_url=url, intake_key_file=key))) as c:
        yield c, result


@pytest.fixture
def client(posted: tuple[TestClient, DemoResult]) -> TestClient:
    c, _ = posted
    c.app.state.comment_limit = RateLimit()  # type: ignore[attr-defined]
    return c


@pytest.fixture
def unit(posted: tuple[TestClient, DemoResult]) -> str:
    return posted[1].notes["current_units"].split(",")[0]


def size(c: TestClient) -> int:
    return int(c.app.state.ledger.recorder.log_head()[0])  # type: ignore[attr-defined]


def stored(c: TestClient, index: int) -> dict[str, Any]:
    env = c.app.state.ledger.recorder.log_leaves(index, index + 1)[0]  # type: ignore[attr-defined]
    doc = json.loads(env)
    payload: dict[str, Any] = json.loads(base64.b64decode(doc["payload"]))
    return payload


def test_the_page_of_posted_drafts_has_a_labelled_comment_form_and_others_do_not(
    client: TestClient, unit: str
) -> None:
    html = client.get(f"/u/{unit}/{YEAR}").text
    assert f'action="/u/{unit}/{YEAR}/comment"' in html
    assert '<label for="c-text">' in html and 'id="c-text" name="text"' in html
    assert 'maxlength="2000"' in html
    closed = client.get(f"/u/{unit}/2025").text  # that year's posting ended long ago
    assert "comment-form" not in closed


def test_a_comment_from_the_form_is_signed_logged_and_shown_as_text(
    client: TestClient, unit: str
) -> None:
    before = size(client)
    text = 'Đề nghị công khai số liệu <script>alert("x")</script> hòa giải'
    r = client.post(f"/u/{unit}/{YEAR}/comment", data={"text": text, "author": "Trần Thị C"})
    assert r.status_code == 201, r.text
    assert f'id="receipt-index">{before}<' in r.text
    assert f'href="/v1/log/receipt/{before}"' in r.text
    assert size(client) == before + 1
    p = stored(client, before)
    intake = client.app.state.intake.signer()  # type: ignore[attr-defined]
    assert p["type"] == "CommentReceived" and p["unit"] == unit and p["year"] == YEAR
    assert p["signers"] == [intake.key_id]
    assert p["data"]["text"] == text and p["data"]["author"] == "Trần Thị C"
    assert p["data"]["via"] == "web"
    page = client.get(f"/u/{unit}/{YEAR}").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page and "<script>" not in page
    assert f'id="y-kien-{p["data"]["comment_id"]}"' in page


def test_the_commune_answers_a_web_comment_and_the_answer_links_to_it(
    posted: tuple[TestClient, DemoResult], client: TestClient, unit: str
) -> None:
    r = client.post(f"/v1/evaluations/{unit}/{YEAR}/comments", json={"text": "Xin hỏi lịch họp?"})
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert set(receipt) >= {"comment_id", "index", "leaf_hash", "envelope_hash", "proof"}
    assert receipt["proof"] == f"/v1/log/receipt/{receipt['index']}"
    staff = posted[1].officials[f"{unit}-cc-1"]
    head = client.get(f"/v1/chains/evaluation/{unit}", params={"year": YEAR}).json()["head"]
    answer = sign_event(
        [staff.signer], "CommentAnswered", unit, YEAR, head, datetime.now(UTC).replace(microsecond=0),
        {"comment_id": receipt["comment_id"], "accepted": True, "answer": "Ngày 20 tháng này."},
    )  # fmt: skip
    assert client.post("/v1/events", content=answer, headers=JSON).status_code == 201
    page = client.get(f"/u/{unit}/{YEAR}").text
    assert f'<a href="#y-kien-{receipt["comment_id"]}">' in page
    assert "Ngày 20 tháng này." in page


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "   "}, 422, "invalid_comment"),
        ({"text": "x" * 2001}, 422, "invalid_comment"),
        ({"text": "a\x00b"}, 422, "invalid_comment"),
        ({"text": 42}, 422, "invalid_comment"),
        ({"text": "ok", "author": "y" * 101}, 422, "invalid_comment"),
        ({"text": "ok", "html": "<b>"}, 422, "invalid_comment"),
        ([1, 2], 422, "invalid_comment"),
    ],
)
def test_bad_comments_are_refused_in_both_languages_and_store_nothing(
    client: TestClient, unit: str, body: Any, status: int, code: str
) -> None:
    before = size(client)
    r = client.post(f"/v1/evaluations/{unit}/{YEAR}/comments", json=body)
    assert r.status_code == status, r.text
    problem = r.json()
    assert problem["code"] == code and problem["message_vi"] and problem["message_en"]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert size(client) == before


def test_malformed_json_wrong_media_type_unknown_unit_and_closed_posting_store_nothing(
    client: TestClient, unit: str
) -> None:
    before = size(client)
    url = f"/v1/evaluations/{unit}/{YEAR}/comments"
    assert client.post(url, content=b"{not json", headers=JSON).status_code == 400
    assert client.post(url, content=b"text=hi").status_code == 415
    assert (
        client.post(f"/v1/evaluations/99999/{YEAR}/comments", json={"text": "a"}).status_code == 404
    )
    closed = client.post(f"/v1/evaluations/{unit}/2025/comments", json={"text": "a"})
    assert closed.status_code == 409 and closed.json()["code"] == "posting_closed"
    form = client.post(f"/u/{unit}/2025/comment", data={"text": "a"})
    assert form.status_code == 409 and 'id="comment-refused"' in form.text
    assert size(client) == before


def test_an_address_may_send_five_comments_per_ten_minutes(client: TestClient, unit: str) -> None:
    url = f"/v1/evaluations/{unit}/{YEAR}/comments"
    for i in range(5):
        assert client.post(url, json={"text": f"ý kiến {i}"}).status_code == 201
    before = size(client)
    r = client.post(url, json={"text": "một ý kiến nữa"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert r.json()["code"] == "too_many_comments"
    page = client.post(f"/u/{unit}/{YEAR}/comment", data={"text": "nữa"})
    assert page.status_code == 429 and "retry-after" in page.headers
    assert size(client) == before


def test_rate_limit_forgets_after_the_window() -> None:
    limit = RateLimit(2, 60.0)
    limit.take("a", now=0.0)
    limit.take("a", now=1.0)
    with pytest.raises(Exception, match="comments"):
        limit.take("a", now=30.0)
    limit.take("b", now=30.0)  # another address
    limit.take("a", now=61.0)  # the first one has left the window


def test_without_an_enrolled_intake_key_there_is_no_form_and_comments_are_refused(
    tmp_path: Path, client: TestClient, unit: str
) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    kept = state.intake
    state.intake = Intake(tmp_path / "no-such-key.pem")
    try:
        # ?lang=vi: another page-cache entry than the one made with the key
        assert "comment-form" not in client.get(f"/u/{unit}/{YEAR}?lang=vi").text
        before = size(client)
        r = client.post(f"/v1/evaluations/{unit}/{YEAR}/comments", json={"text": "a"})
        assert r.status_code == 403 and r.json()["code"] == "comments_unavailable"
        assert size(client) == before
    finally:
        state.intake = kept
