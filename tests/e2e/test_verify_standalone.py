"""``verify`` stands alone: a fresh virtual environment holding only ``cryptography`` (and
what it needs) plus a copy of the ``verify`` package runs ``python -m verify`` on a bundle.

No server code, no ``eventsourcing``, FastAPI, psycopg or rfc8785 is importable there;
the import-linter contract "Verifier stands alone" keeps it so at the source level.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import venv
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "bundle-example.jsonl"
POLICY = ROOT / "docs" / "bundle-example.policy"


def _closure(name: str) -> list[metadata.Distribution]:
    """The distribution and its installed runtime requirements (no extras)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [name]
    while todo:
        n = todo.pop()
        key = n.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = metadata.distribution(n)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = dist
        for req in dist.requires or []:
            if "extra ==" in req:
                continue
            todo.append(re.split(r"[ ;<>=!~\[(]", req, maxsplit=1)[0])
    return list(seen.values())


def _fresh_env(tmp: Path) -> tuple[Path, Path]:
    env = tmp / "venv"
    venv.EnvBuilder(with_pip=False, clear=True).create(env)
    py = env / "bin" / "python"
    site = Path(subprocess.check_output(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip())  # fmt: skip
    for dist in _closure("cryptography"):
        for f in dist.files or []:
            src = Path(str(dist.locate_file(f)))
            if src.is_file() and ".." not in f.parts:
                dst = site / f
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
    shutil.copytree(ROOT / "verify", site / "verify", ignore=shutil.ignore_patterns("__pycache__"))
    return py, site


def test_verify_runs_in_a_fresh_venv_with_only_cryptography(tmp_path: Path) -> None:
    py, site = _fresh_env(tmp_path)
    installed = sorted(p.name for p in site.iterdir() if not p.name.endswith(".dist-info"))
    assert "verify" in installed and "cryptography" in installed
    for absent in ("eventsourcing", "fastapi", "psycopg", "rfc8785", "holidays", "api", "domain"):
        r = subprocess.run([str(py), "-c", f"import {absent}"], capture_output=True, cwd=tmp_path)
        assert r.returncode != 0, f"{absent} must not be importable in the fresh venv"
    r = subprocess.run(
        [str(py), "-m", "verify", str(EXAMPLE), "--policy", str(POLICY), "--lang", "en"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "AUTHENTIC AND LAWFUL" in r.stdout
    tampered = tmp_path / "t.jsonl"
    tampered.write_bytes(EXAMPLE.read_bytes().replace(b'"index":4', b'"index":3', 1))
    r = subprocess.run([str(py), "-m", "verify", str(tampered), "--policy", str(POLICY)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)  # fmt: skip
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert sys.executable != str(py)
