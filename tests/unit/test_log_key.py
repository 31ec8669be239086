"""The log's signer key file and the log settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.config import Settings
from api.logkey import LogKey, LogKeyError
from verify.note import parse_verifier_key


def test_a_new_key_is_private_named_for_the_origin_and_never_overwritten(tmp_path: Path) -> None:
    key = LogKey(tmp_path / "keys" / "log.key", "minhbach.example/96")
    vkey = key.create()
    assert parse_verifier_key(vkey).name == "minhbach.example/96" and key.vkey() == vkey
    assert (tmp_path / "keys" / "log.key").stat().st_mode & 0o777 == 0o600
    before = (tmp_path / "keys" / "log.key").read_bytes()
    with pytest.raises(LogKeyError, match="already exists"):
        key.create()
    key.ensure()
    assert (tmp_path / "keys" / "log.key").read_bytes() == before


def test_a_missing_key_or_one_for_another_origin_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LogKeyError, match="log init"):
        LogKey(tmp_path / "none", "minhbach.example/96").vkey()
    LogKey(tmp_path / "k", "minhbach.example/01").create()
    with pytest.raises(LogKeyError, match="another origin") as e:
        LogKey(tmp_path / "k", "minhbach.example/96").vkey()
    assert e.value.vi and e.value.evidence["key_name"] == "minhbach.example/01"


def test_log_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MINHBACH_DATA_DIR", str(tmp_path))
    assert Settings.from_env().log_key_path == tmp_path / "log-signer.key"
    assert Settings.from_env().witnesses == () and Settings.from_env().checkpoint_interval == 5.0
    monkeypatch.setenv("MINHBACH_LOG_KEY_FILE", "/srv/keys/log.key")
    monkeypatch.setenv("MINHBACH_WITNESSES", " https://w1.example/  https://w2.example/ ")
    monkeypatch.setenv("MINHBACH_CHECKPOINT_INTERVAL", "0.5")
    s = Settings.from_env()
    assert s.log_key_path == Path("/srv/keys/log.key")
    assert s.witnesses == ("https://w1.example/", "https://w2.example/")
    assert s.checkpoint_interval == 0.5
    assert Settings.from_env(witnesses=("https://w3.example/",)).witnesses == ("https://w3.example/",)
