"""The deployment files: ``docker-compose.yml`` validates offline with Debian's
``docker-compose config`` (no Docker engine needed) and says what docs/deployment.md says.

Without the ``docker-compose`` binary the check is skipped on a developer's machine and
FAILS in CI (``CI`` set), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = shutil.which("docker-compose")
LONG_RUNNING = {"postgres", "api", "projector", "witness"}


def compose(
    *args: str, password: str | None = "test-password", **extra: str
) -> subprocess.CompletedProcess[str]:
    if COMPOSE is None:
        if os.environ.get("CI"):
            pytest.fail(
                "docker-compose is missing in CI: .ci/run must apt-get install docker-compose"
            )
        pytest.skip("docker-compose is not installed (apt-get install -y docker-compose)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "MINHBACH_"))}
    if password is not None:
        env["POSTGRES_PASSWORD"] = password
    env.update(extra)
    return subprocess.run(
        [COMPOSE, "-f", str(ROOT / "docker-compose.yml"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    r = compose("config")
    assert r.returncode == 0, r.stderr
    doc: dict[str, Any] = yaml.safe_load(r.stdout)
    return doc


def test_compose_file_validates_offline() -> None:
    r = compose("config", "-q")
    assert r.returncode == 0, r.stderr


def test_compose_refuses_to_run_without_a_database_password() -> None:
    r = compose("config", "-q", password=None)
    assert r.returncode != 0 and "POSTGRES_PASSWORD" in r.stderr


def test_every_long_running_service_has_a_health_check_and_a_restart_policy(
    config: dict[str, Any],
) -> None:
    services = config["services"]
    assert set(services) == LONG_RUNNING | {"backup"}
    for name in LONG_RUNNING:
        assert services[name]["healthcheck"]["test"], name
        assert services[name]["restart"] == "unless-stopped", name
    assert services["backup"]["profiles"] == ["backup"]  # run on demand only


def test_api_runs_the_app_factory_against_the_postgres_service(config: dict[str, Any]) -> None:
    api = config["services"]["api"]
    assert api["command"][:3] == ["uvicorn", "api.main:create_app", "--factory"]
    url = api["environment"]["MINHBACH_DATABASE_URL"]
    assert url == "postgresql://minhbach:test-password@postgres:5432/minhbach"
    assert api["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
    assert config["services"]["projector"]["command"] == ["minhbach", "project", "run"]
    assert config["services"]["witness"]["command"][:3] == ["minhbach", "witness", "serve"]
    assert "MINHBACH_DATABASE_URL" not in config["services"]["witness"]["environment"]


def test_api_processes_default_to_one_and_follow_the_setting(config: dict[str, Any]) -> None:
    command = config["services"]["api"]["command"]
    assert command[command.index("--workers") + 1] == "1"
    r = compose("config", MINHBACH_API_WORKERS="2")
    assert r.returncode == 0, r.stderr
    command = yaml.safe_load(r.stdout)["services"]["api"]["command"]
    assert command[command.index("--workers") + 1] == "2"


def test_the_witness_command_is_one_the_cli_accepts(config: dict[str, Any]) -> None:
    from api.cli import build_parser

    witness = config["services"]["witness"]
    args = build_parser().parse_args(witness["command"][1:])
    assert (args.command, args.witness_command) == ("witness", "serve")
    assert args.key == "/run/secrets/witness_key" and args.state.startswith("/witness/")
    assert "MINHBACH_WITNESS_LOGS" in witness["environment"]  # the log keys it trusts
    assert "/healthz" in " ".join(witness["healthcheck"]["test"])


def test_state_lives_in_named_volumes_and_keys_come_as_secrets(config: dict[str, Any]) -> None:
    assert set(config["volumes"]) == {"pgdata", "data", "witness", "backups"}
    s = config["services"]
    assert "pgdata:/var/lib/postgresql/data" in [_vol(v) for v in s["postgres"]["volumes"]]
    assert "witness:/witness" in [_vol(v) for v in s["witness"]["volumes"]]
    assert set(config["secrets"]) == {"log_signing_key", "intake_key", "witness_key"}


def _vol(v: Any) -> str:
    """``source:target`` of a volume, long or short syntax, without the ``:rw`` mode."""
    text = v if isinstance(v, str) else f"{v['source']}:{v['target']}"
    return text.removesuffix(":rw")


def test_dockerfile_builds_the_package_and_runs_as_an_unprivileged_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    for copied in ("domain", "projections", "api", "verify"):
        assert f"COPY {copied} ./{copied}" in text and (ROOT / copied).is_dir()
    assert "USER minhbach" in text and "api.healthcheck" in text
    assert '"api.main:create_app", "--factory"' in text
