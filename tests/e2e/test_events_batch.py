"""POST /v1/events/batch: several envelopes, one per line, judged in order as if each had
been sent alone; a wrongly framed batch is refused whole with nothing stored."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from signed_province import COMMUNE, YEAR, Province, env_hash, t

from api.routes.events import MAX_BATCH

NDJSON = {"content-type": "application/x-ndjson"}
PROBLEM = "application/problem+json"
INDICATORS = ["TC1.1", "TC1.2", "TC2.1", "TC2.2"]


def log_size(client: TestClient) -> int:
    return int(client.get("/readyz").json()["log_size"])


def chain(province: Province, n: int) -> list[bytes]:
    """EvaluationOpened and ``n - 1`` assignments, each linked to the one before."""
    out = [province.opened()]
    province.accepted(out[0], COMMUNE, YEAR)
    for indicator in INDICATORS[: n - 1]:
        data = {"indicator": indicator, "official_id": "cb-32002-ct"}
        env = province.sign(province.chairman, "IndicatorAssigned", COMMUNE, YEAR,
                            t("2023-01-06"), data)  # fmt: skip
        province.accepted(env, COMMUNE, YEAR)
        out.append(env)
    return out


def test_a_chain_in_one_batch_is_recorded_in_order(client: TestClient, province: Province) -> None:
    before = log_size(client)
    envs = chain(province, 4)
    r = client.post("/v1/events/batch", content=b"\n".join(envs) + b"\n", headers=NDJSON)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["recorded"], body["refused"]) == (4, 0), body
    assert [x["line"] for x in body["results"]] == [1, 2, 3, 4]
    assert [x["receipt"]["index"] for x in body["results"]] == list(range(before, before + 4))
    assert [x["receipt"]["envelope_hash"] for x in body["results"]] == [env_hash(e) for e in envs]
    assert log_size(client) == before + 4
    timeline = client.get(f"/v1/evaluations/{COMMUNE}/{YEAR}").json()["timeline"]
    assert [e["type"] for e in timeline] == ["EvaluationOpened"] + ["IndicatorAssigned"] * 3


def test_each_line_gets_its_own_answer(client: TestClient, province: Province) -> None:
    """A forged line is refused with its problem; the lines around it are judged as if
    sent alone: the line after it breaks the chain only if it depended on it."""
    before = log_size(client)
    envs = chain(province, 3)
    doc = json.loads(envs[1])
    sig = bytearray(base64.b64decode(doc["signatures"][0]["sig"]))
    sig[0] ^= 1
    doc["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    forged = json.dumps(doc, separators=(",", ":")).encode()
    r = client.post("/v1/events/batch", content=b"\n".join([envs[0], forged, envs[2]]),
                    headers=NDJSON)  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["recorded"], body["refused"]) == (1, 2)
    first, second, third = body["results"]
    assert first["status"] == 201
    assert second["status"] in (400, 403) and second["problem"]["code"] == "bad_signature"
    assert second["problem"]["message_vi"] and second["problem"]["message_en"]
    assert third["status"] == 409 and third["problem"]["code"] == "broken_chain"
    assert log_size(client) == before + 1


def test_the_same_envelope_twice_in_a_batch_is_a_duplicate(
    client: TestClient, province: Province
) -> None:
    env = province.opened()
    r = client.post("/v1/events/batch", content=env + b"\n" + env, headers=NDJSON)
    assert [x["status"] for x in r.json()["results"]] == [201, 409]
    assert r.json()["results"][1]["problem"]["code"] == "duplicate"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"", 400, "empty_batch"),
        (b"\n", 400, "blank_line"),
        (b"{ENV}\n\n{ENV}", 400, "blank_line"),
        (b"{ENV}\n   \n", 400, "blank_line"),
    ],
    ids=["empty", "only-newline", "blank-line", "spaces-line"],
)
def test_a_wrongly_framed_batch_is_refused_whole(
    client: TestClient, province: Province, body: bytes, status: int, code: str
) -> None:
    before = log_size(client)
    body = body.replace(b"{ENV}", province.opened())
    r = client.post("/v1/events/batch", content=body, headers=NDJSON)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == code and r.json()["message_vi"]
    assert log_size(client) == before, "nothing of a refused batch is stored"


def test_too_many_lines_are_refused_whole(client: TestClient, province: Province) -> None:
    before = log_size(client)
    body = b"\n".join([b"{}"] * (MAX_BATCH + 1))
    r = client.post("/v1/events/batch", content=body, headers=NDJSON)
    assert r.status_code == 413 and r.json()["code"] == "batch_too_large"
    assert r.json()["evidence"]["max_lines"] == MAX_BATCH
    assert log_size(client) == before


def test_a_batch_must_be_json_lines(client: TestClient, province: Province) -> None:
    before = log_size(client)
    r = client.post("/v1/events/batch", content=province.opened(),
                    headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"
    assert log_size(client) == before


def test_a_batch_over_the_body_limit_is_refused_before_it_is_read(
    client: TestClient, province: Province
) -> None:
    before = log_size(client)
    env = province.opened()
    body = b"\n".join([env] * (64 * 1024 // len(env) + 1))  # the fixture's limit is 64 KiB
    r = client.post("/v1/events/batch", content=body, headers=NDJSON)
    assert r.status_code == 413, r.text
    assert log_size(client) == before


def test_malformed_lines_are_each_refused(client: TestClient, province: Province) -> None:
    before = log_size(client)
    r = client.post("/v1/events/batch", content=b'{not json\n[]\n{"a": 1.5}', headers=NDJSON)
    assert r.status_code == 200
    body = r.json()
    assert body["recorded"] == 0 and body["refused"] == 3
    assert all(x["status"] == 400 and "problem" in x for x in body["results"])
    assert log_size(client) == before


def test_import_halves_a_batch_the_server_finds_too_large(
    client: TestClient, province: Province
) -> None:
    """``events import --url`` sends a batch over the server's body limit (here 64 KiB) in
    halves; a single line over it gets the 413 as its own result."""
    from api.cli_projections import _by_size, _post_batch

    env = province.opened()
    lines = [env] * (64 * 1024 // len(env) + 5) + [b'{"x":"' + b"y" * 70_000 + b'"}']
    results = _post_batch(client, lines, 10)
    assert [x["line"] for x in results] == list(range(11, 11 + len(lines)))
    assert [x["status"] for x in results] == [201] + [409] * (len(lines) - 2) + [413]
    assert [len(c) for c in _by_size([b"a" * 9] * 7, 3, 25)] == [2, 2, 2, 1]
    assert [len(c) for c in _by_size([b"a" * 9] * 7, 3, 1000)] == [3, 3, 1]
    assert [len(c) for c in _by_size([b"a" * 99], 3, 10)] == [1]
