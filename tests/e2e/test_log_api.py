"""The transparency log over HTTP: C2SP tlog-tiles (checkpoint, hash tiles, entry
bundles), the JSON proofs, receipts, and every error as a bilingual problem document;
``minhbach submit --url --wait`` against a real uvicorn."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from logkit import flips
from signed_province import COMMUNE, YEAR, Province, t

from api.cli import main
from api.cli_log import check_receipt
from api.config import Settings
from api.devserver import LiveServer
from api.main import create_app
from verify.checkpoint import Checkpoint, format_checkpoint
from verify.errors import LocalizedError
from verify.merkle import (
    TILE_WIDTH,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from verify.note import open_note, parse_checkpoint, parse_verifier_key, sign_note

PROBLEM = "application/problem+json"


def problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["code"] == code and body["message_vi"] and body["message_en"]
    assert body["message_vi"] != body["message_en"]
    return body


@pytest.fixture
def signed(opened: TestClient) -> TestClient:
    """The client after a checkpoint of its 5 events was signed."""
    assert opened.app.state.checkpoints.checkpoint().size == 5  # type: ignore[attr-defined]
    return opened


def vkey_of(c: TestClient) -> Any:
    doc = c.get("/v1/log/key").json()
    assert doc["origin"] == "minhbach.example/96"
    return parse_verifier_key(doc["vkey"])


def test_checkpoint_is_signed_text_that_is_not_cached_long(signed: TestClient) -> None:
    r = signed.get("/log/checkpoint")
    assert r.status_code == 200 and r.headers["content-type"] == "text/plain; charset=utf-8"
    assert "max-age=2" in r.headers["cache-control"]
    opened = open_note(r.text, [vkey_of(signed)])
    assert len(opened.verified) == 1
    cp = parse_checkpoint(opened.text)
    assert (cp.origin, cp.size) == ("minhbach.example/96", 5)


def test_no_checkpoint_yet_is_a_404_problem(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'e.db'}", data_dir=tmp_path)
    with TestClient(create_app(settings)) as c:
        problem(c.get("/log/checkpoint"), 404, "not_found")
        problem(c.get("/log/tile/0/000.p/1"), 404, "not_found")
        problem(c.get("/v1/log/receipt/0"), 404, "not_found")


def test_partial_tiles_and_entry_bundle_match_the_entries(signed: TestClient) -> None:
    envs = [signed.get(f"/v1/log/entries/{i}").content for i in range(5)]
    tile = signed.get("/log/tile/0/000.p/5")
    assert tile.status_code == 200 and tile.headers["content-type"] == "application/octet-stream"
    assert tile.content == b"".join(leaf_hash(e) for e in envs)
    bundle = signed.get("/log/tile/entries/000.p/5").content
    got, at = [], 0
    while at < len(bundle):  # big-endian uint16 length, then the entry
        n = int.from_bytes(bundle[at : at + 2], "big")
        got.append(bundle[at + 2 : at + 2 + n])
        at += 2 + n
    assert got == envs
    cp = parse_checkpoint(open_note(signed.get("/log/checkpoint").text, [vkey_of(signed)]).text)
    assert root_of([leaf_hash(e) for e in got]) == cp.root
    assert signed.get("/log/tile/0/000.p/3").content == tile.content[: 3 * 32]


@pytest.mark.parametrize("path", ["0/000", "0/000.p/6", "entries/000.p/6", "entries/000",
                                  "1/000.p/1", "0/001.p/1", "63/000.p/1"])  # fmt: skip
def test_tiles_beyond_the_latest_checkpoint_are_404(signed: TestClient, path: str) -> None:
    body = problem(signed.get(f"/log/tile/{path}"), 404, "not_found")
    assert body["evidence"]["checkpoint_size"] == 5


@pytest.mark.parametrize("path", ["0/0", "0/000.p/256", "0/000.p/0", "01/000.p/1", "x/000",
                                  "0/x000/001", "64/000.p/1", "entries/000.p/05", "0/000/"])  # fmt: skip
def test_malformed_tile_paths_are_404_problems(signed: TestClient, path: str) -> None:
    problem(signed.get(f"/log/tile/{path}"), 404, "not_found")


def test_a_tile_after_new_events_waits_for_the_next_checkpoint(signed: TestClient, province: Province) -> None:
    env = province.sign(province.chairman, "IndicatorAssigned", COMMUNE, YEAR, t("2023-01-06"),
                        {"indicator": "TC1.1", "official_id": "cb-32002-ct"})  # fmt: skip
    r = signed.post("/v1/events", content=env, headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text
    index = r.json()["index"]
    problem(signed.get("/log/tile/0/000.p/6"), 404, "not_found")
    problem(signed.get(f"/v1/log/receipt/{index}"), 404, "not_checkpointed")
    signed.app.state.checkpoints.checkpoint()  # type: ignore[attr-defined]
    assert signed.get("/log/tile/0/000.p/6").status_code == 200
    assert signed.get(f"/v1/log/receipt/{index}").status_code == 200


def test_inclusion_and_consistency_proofs_verify(signed: TestClient) -> None:
    hashes = [leaf_hash(signed.get(f"/v1/log/entries/{i}").content) for i in range(5)]
    for size in range(1, 6):
        root = root_of(hashes[:size])
        for index in range(size):
            doc = signed.get("/v1/log/proof/inclusion", params={"index": index, "tree_size": size}).json()
            assert base64.b64decode(doc["leaf_hash"]) == hashes[index]
            verify_inclusion(index, size, hashes[index], [base64.b64decode(p) for p in doc["proof"]], root)
        for old in range(0, size + 1):
            r = signed.get("/v1/log/proof/consistency", params={"old_size": old, "new_size": size})
            doc = r.json()
            assert set(doc) == {"old_size", "new_size", "proof"} and (doc["old_size"], doc["new_size"]) == (old, size)
            proof = [base64.b64decode(p, validate=True) for p in doc["proof"]]
            verify_consistency(old, size, root_of(hashes[:old]), root, proof)


@pytest.mark.parametrize("url,status,code", [
    ("/v1/log/proof/inclusion?index=5&tree_size=5", 404, "no_such_proof"),
    ("/v1/log/proof/inclusion?index=0&tree_size=6", 404, "not_found"),
    ("/v1/log/proof/inclusion?index=-1&tree_size=5", 422, "invalid_request"),
    ("/v1/log/proof/inclusion?index=0", 422, "invalid_request"),
    ("/v1/log/proof/inclusion?index=a&tree_size=5", 422, "invalid_request"),
    ("/v1/log/proof/consistency?old_size=4&new_size=3", 404, "no_such_proof"),
    ("/v1/log/proof/consistency?old_size=1&new_size=99", 404, "not_found"),
    ("/v1/log/proof/consistency?old_size=1", 422, "invalid_request"),
    ("/v1/log/proof/consistency?old_size=1&new_size=99999999999999999999", 422, "invalid_request"),
    ("/v1/log/entries/5", 404, "not_found"),
    ("/v1/log/entries/-1", 404, "not_found"),
    ("/v1/log/entries/x", 422, "invalid_request"),
    ("/v1/log/receipt/5", 404, "not_found"),
    ("/v1/log/receipt/x", 422, "invalid_request"),
])  # fmt: skip
def test_bad_log_requests_are_bilingual_problems(signed: TestClient, url: str, status: int, code: str) -> None:
    problem(signed.get(url), status, code)


def test_receipts_are_tlog_proofs_that_verify_offline(signed: TestClient) -> None:
    vkey = signed.get("/v1/log/key").json()["vkey"]
    for index in range(5):
        r = signed.get(f"/v1/log/receipt/{index}")
        assert r.status_code == 200 and r.text.startswith("c2sp.org/tlog-proof@v1\nindex ")
        check_receipt(r.text, signed.get(f"/v1/log/entries/{index}").content, index, vkey)


def test_full_tiles_are_immutable_and_tile_levels_fold_to_the_root(tmp_path: Path) -> None:
    """300 raw leaves and a checkpoint signed with the app's key: a full level-0 tile, a
    partial one, and level 1 (the hash of the full tile below)."""
    from logkit import append_raw

    settings = Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", data_dir=tmp_path,
                        origin="minhbach.example/96", checkpoint_interval=3600)  # fmt: skip
    with TestClient(create_app(settings)) as c:
        cps = c.app.state.checkpoints  # type: ignore[attr-defined]
        envs = [b'{"n":%d}' % i for i in range(300)]
        append_raw(cps.recorder, envs)
        cps.key.ensure()
        hashes = [leaf_hash(e) for e in envs]
        root = root_of(hashes)
        cps.store.add(300, root, sign_note(format_checkpoint(Checkpoint("minhbach.example/96", 300, root)), cps.key.signer()))
        full = c.get("/log/tile/0/000")
        assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert full.content == b"".join(hashes[:TILE_WIDTH]) and len(full.content) == 8192
        part = c.get("/log/tile/0/001.p/44")
        assert part.content == b"".join(hashes[TILE_WIDTH:]) and "immutable" not in part.headers["cache-control"]
        up = c.get("/log/tile/1/000.p/1").content
        assert up == root_of(hashes[:TILE_WIDTH])
        assert node_hash(up, root_of(hashes[TILE_WIDTH:])) == root
        bundle = c.get("/log/tile/entries/000")
        assert bundle.headers["cache-control"].endswith("immutable")
        assert bundle.content == b"".join(len(e).to_bytes(2, "big") + e for e in envs[:TILE_WIDTH])
        problem(c.get("/log/tile/0/001"), 404, "not_found")
        problem(c.get("/log/tile/0/001.p/45"), 404, "not_found")


def test_submit_wait_against_a_real_server_saves_verified_receipts(tmp_path: Path, province: Province) -> None:
    env = {"MINHBACH_DATA_DIR": str(tmp_path / "data"), "MINHBACH_CHECKPOINT_INTERVAL": "0.2"}
    with LiveServer(f"sqlite:///{tmp_path / 'live.db'}", env=env) as server:
        files = []
        for i, e in enumerate([*province.registry_events(), province.opened()]):
            f = tmp_path / f"e{i}.dsse.json"
            f.write_bytes(e)
            files.append(str(f))
        rdir = tmp_path / "receipts"
        assert main(["submit", *files, "--url", server.url, "--wait", "--receipt-dir", str(rdir)]) == 0
        saved = sorted(rdir.glob("*.tlog-proof"))
        assert [p.name for p in saved] == [f"{i}.tlog-proof" for i in range(5)]
        vkey = httpx.get(server.url + "/v1/log/key").json()["vkey"]
        for i, p in enumerate(saved):
            check_receipt(p.read_text(), Path(files[i]).read_bytes(), i, vkey)
        assert (tmp_path / "data" / "log-signer.key").exists()
        assert os.stat(tmp_path / "data" / "log-signer.key").st_mode & 0o777 == 0o600


def test_every_single_bit_flip_of_a_receipt_is_refused(signed: TestClient) -> None:
    """Proof hashes, index, checkpoint size, root and signature: no flip still verifies."""
    vkey = signed.get("/v1/log/key").json()["vkey"]
    text = signed.get("/v1/log/receipt/2").text
    env = signed.get("/v1/log/entries/2").content
    check_receipt(text, env, 2, vkey)
    for bad in flips(text.encode()):
        with pytest.raises((LocalizedError, UnicodeDecodeError)):
            check_receipt(bad.decode("utf-8"), env, 2, vkey)


def test_log_page_shows_the_checkpoint_looks_up_an_entry_and_links_its_proof(
    signed: TestClient,
) -> None:
    page = signed.get("/log").text
    assert 'id="checkpoint-size">5<' in page and "minhbach.example/96" in page
    assert 'id="checkpoint-note">minhbach.example/96\n5\n' in page
    assert '<label for="l-entry">' in page
    found = signed.get("/log", params={"entry": 4}).text
    assert 'id="entry"' in found and "EvaluationOpened" in found
    assert 'href="/v1/log/entries/4"' in found and 'href="/v1/log/receipt/4"' in found
    missing = signed.get("/log", params={"entry": 99}).text
    assert "Sổ không có vị trí 99." in missing
    bad = signed.get("/log", params={"entry": -1}, headers={"accept": "text/html"})
    assert bad.status_code == 404  # not a page address


def test_a_timeline_receipt_link_leads_to_the_log_entry(signed: TestClient) -> None:
    unit = signed.get(f"/u/{COMMUNE}/{YEAR}").text
    hashes = re.findall(r'href="/log/e/([0-9a-f]{64})"', unit)
    assert hashes
    r = signed.get(f"/log/e/{hashes[0]}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/log?entry=4#entry"
    assert signed.get("/log/e/" + "0" * 64, follow_redirects=False).status_code == 404
