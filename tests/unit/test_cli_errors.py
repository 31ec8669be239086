"""The command line on bad input or an unreachable store (and the server on the latter): a
clear error in Vietnamese and English, a non-zero exit status, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli import main, write_private
from domain.signing import generate

EVENT = {"type": "EvaluationOpened", "unit": "31999", "year": 2024, "data": {}, "prev": None}


@pytest.fixture
def key(tmp_path: Path) -> str:
    path = tmp_path / "k.pem"
    write_private(path, generate().pem())
    return str(path)


@pytest.mark.parametrize(
    ("text", "vi", "en"),
    [
        ('{"type": "EvaluationOpened"', "không phải JSON hợp lệ (dòng 1, cột 28)", "not valid JSON"),
        ("[1, 2]", "phải là một đối tượng JSON", "must hold one JSON object"),
        ('{"type": "EvaluationOpened"}', "thiếu unit, data", "lacks unit, data"),
        ("\udcff", "không đọc được tệp sự kiện", "cannot read the event file"),
    ],
    ids=["malformed", "not-an-object", "missing-fields", "not-utf8"],
)
def test_a_bad_event_file_is_refused_clearly(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str], text: str, vi: str, en: str
) -> None:
    event, out = tmp_path / "e.json", tmp_path / "e.dsse.json"
    event.write_bytes(text.encode("utf-8", "surrogateescape"))
    assert main(["sign", "--key", key, str(event), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "[invalid_input]" in err and vi in err and en in err, err
    assert not out.exists()


def test_a_missing_event_or_key_file_is_named(tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]) -> None:
    event = tmp_path / "e.json"
    event.write_text(json.dumps(EVENT))
    assert main(["sign", "--key", key, str(tmp_path / "nope.json")]) == 1
    assert "không đọc được tệp sự kiện" in capsys.readouterr().err
    assert main(["sign", "--key", str(tmp_path / "nokey.pem"), str(event)]) == 1
    err = capsys.readouterr().err
    assert "không đọc được tệp khoá" in err and "cannot read the key file" in err and "nokey.pem" in err


def test_an_unwritable_output_is_an_os_error_in_both_languages(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    event = tmp_path / "e.json"
    event.write_text(json.dumps(EVENT))
    assert main(["sign", "--key", key, str(event), "-o", str(tmp_path / "no" / "such" / "x.json")]) == 2
    err = capsys.readouterr().err
    assert "không đọc hoặc ghi được tệp" in err and "cannot read or write" in err


def test_an_unreachable_database_is_named_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSTGRES_CONNECT_TIMEOUT", "1")
    out = tmp_path / "x.jsonl"
    url = "postgresql://inspector:s3cret@127.0.0.1:1/nowhere"  # nothing listens on port 1
    assert main(["--database", url, "events", "export", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "[store_unavailable]" in err and "không kết nối được cơ sở dữ liệu" in err
    assert "cannot reach the database postgresql://inspector:***@127.0.0.1:1/nowhere" in err
    assert "s3cret" not in err and "Traceback" not in err
    assert not out.exists()


def test_the_server_does_not_start_on_an_unreachable_database_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from api.config import Settings
    from api.main import create_app

    monkeypatch.setenv("POSTGRES_CONNECT_TIMEOUT", "1")
    settings = Settings(database_url="postgresql://api:s3cret@127.0.0.1:1/nowhere", data_dir=tmp_path)
    with pytest.raises(RuntimeError) as e, TestClient(create_app(settings)):
        pass
    assert "không kết nối được cơ sở dữ liệu / cannot reach the database" in str(e.value)
    assert "postgresql://api:***@127.0.0.1:1/nowhere" in str(e.value) and "s3cret" not in str(e.value)


def test_a_bad_validity_date_names_its_option(tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--database", f"sqlite:///{tmp_path / 'l.db'}"]
    enrol = [*db, "enrol", "--key", key, "--official-key", key, "--id", "x", "--role", "commune_chairman",
             "--scope-code", "96", "--name", "A", "--position", "B"]  # fmt: skip
    for option in ("--valid-from", "--valid-until"):
        assert main([*enrol, option, "yesterday"]) == 1
        err = capsys.readouterr().err
        assert f"{option} phải là thời điểm UTC" in err and f"{option} must be UTC time" in err


def test_an_unreachable_server_is_named(tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]) -> None:
    event = tmp_path / "e.json"
    event.write_text(json.dumps({k: v for k, v in EVENT.items() if k != "prev"}))  # prev: ask the server
    assert main(["sign", "--url", "http://127.0.0.1:1", "--key", key, str(event)]) == 2
    err = capsys.readouterr().err
    assert "[server_unreachable]" in err and "không kết nối được máy chủ http://127.0.0.1:1/" in err
    assert "cannot reach the server" in err and "Traceback" not in err
    envelope = tmp_path / "e.dsse.json"
    event.write_text(json.dumps(EVENT))
    assert main(["sign", "--key", key, str(event), "-o", str(envelope)]) == 0
    assert main(["submit", "--url", "http://127.0.0.1:1", str(envelope)]) == 2
    assert "[server_unreachable]" in capsys.readouterr().err


def test_the_demo_of_another_province_takes_its_scope_or_refuses_a_conflicting_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.config import Settings, make_ledger

    monkeypatch.delenv("MINHBACH_SCOPE", raising=False)
    monkeypatch.setenv("MINHBACH_DATA_DIR", str(tmp_path / "data"))
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert main(["--database", url, "--scope", "96", "demo", "--province", "79", "--limit", "1"]) == 2
    err = capsys.readouterr().err
    assert "tỉnh 79 của demo khác phạm vi 96" in err and "every event would be refused" in err
    assert make_ledger(Settings(database_url=url, scope="96")).registry() is None  # nothing stored
    assert main(["--database", url, "demo", "--province", "79", "--limit", "1"]) == 0  # scope 79
    assert "0 bị từ chối / refused" in capsys.readouterr().out
    assert make_ledger(Settings(database_url=url, scope="79")).registry() is not None
