"""The verifier's outputs: exit statuses, JSON shape, the progress bar, unusable input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from verify.bundle.errors import CheckpointFork
from verify.bundle.progress import Progress
from verify.bundle.report import render_json, render_text
from verify.bundle.steps import TITLES, Result


def test_exit_status_follows_failures_then_findings() -> None:
    r = Result("b")
    assert r.exit_code == 0 and r.verdict == "authentic_and_lawful"
    r.findings.append({"code": "decision_late", "vi": "v", "en": "e", "cite": "c", "events": []})
    assert r.exit_code == 3
    r.steps[7].fail(CheckpointFork("fork", "rẽ nhánh", size=5))
    assert r.exit_code == 1 and r.first_failure()["code"] == "checkpoint_fork"
    r.unusable = {"code": "unusable_input", "vi": "x", "en": "y"}
    assert r.exit_code == 2


def test_json_report_lists_the_eight_numbered_steps_with_their_status() -> None:
    r = Result("b")
    r.steps[7].fail(CheckpointFork("fork", "rẽ nhánh", size=5, expected_root="aa", actual_root="bb"))
    doc = json.loads(render_json(r))
    assert [s["n"] for s in doc["steps"]] == list(TITLES)
    s7 = doc["steps"][6]
    assert s7["status"] == "failed" and s7["failures"][0]["evidence"]["actual_root"] == "bb"
    assert doc["exit_code"] == 1 and doc["result"] == "integrity_failure"


def test_text_report_is_vietnamese_by_default_and_english_on_request() -> None:
    r = Result("b", header={"version": 1, "scope": {"kind": "log"}, "origin": "o", "log_size": 3})
    vi, en = render_text(r), render_text(r, "en")
    assert "Kết luận: XÁC THỰC VÀ HỢP PHÁP (mã thoát 0)" in vi and "toàn bộ sổ" in vi
    assert "Result: AUTHENTIC AND LAWFUL (exit status 0)" in en


def test_progress_bar_draws_on_stderr_like_output() -> None:
    out = io.StringIO()
    bar = Progress(1000, out, "en", every=0)
    bar.update(500)
    bar.close()
    assert "Verifying" in out.getvalue() and " 50.0%" in out.getvalue()
    assert out.getvalue().endswith("\n")


def test_missing_file_and_bad_options_exit_2_without_a_traceback(tmp_path: Path) -> None:
    for args in (["nope.jsonl"], ["x", "--log-key", "not-a-key"], ["x", "--policy", "missing"],
                 ["x", "--lang", "fr"], ["x", "--trust-root", __file__]):  # fmt: skip
        r = subprocess.run([sys.executable, "-m", "verify", *args], capture_output=True, text=True,
                           cwd=tmp_path, timeout=60)  # fmt: skip
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
