"""The project's own standards, checked as part of the suite: ruff, mypy, import-linter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    exe = BIN / cmd[0]
    if not exe.exists():
        found = shutil.which(cmd[0])
        if found is None:
            pytest.fail(f"{cmd[0]} is not installed: pip install -e '.[test]'")
        exe = Path(found)
    return subprocess.run(
        [str(exe), *cmd[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_finds_nothing() -> None:
    r = run("ruff", "check", ".")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict_on_domain_and_verify() -> None:
    r = run("mypy", "domain", "verify")
    assert r.returncode == 0, r.stdout + r.stderr


def test_import_contracts_are_kept() -> None:
    r = run("lint-imports")
    assert r.returncode == 0, r.stdout + r.stderr
