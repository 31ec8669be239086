"""Settings, read once from the command line or the environment, and the ledger factory.

``MINHBACH_DATABASE_URL``: ``sqlite:///path/to/file.db`` (default: ``./data/minhbach.db``)
or ``postgresql://user@host:port/dbname``. ``MINHBACH_SCOPE``: the province code of this
deployment's log (default 96). ``MINHBACH_ORIGIN``: the log origin (default
``minhbach.example/<scope>``). ``MINHBACH_DATA_DIR``: keys and state (default ``./data``).
``MINHBACH_PRECHECK_WORKERS``: processes that parse envelopes and verify signatures ahead
of the writer (default ``auto``: one per spare core on PostgreSQL, none on SQLite).
``MINHBACH_MAX_BODY_BYTES``: the largest request body (default 1 MiB).
``MINHBACH_LOG_LEVEL``: level of the JSON logs (default ``INFO``).
``MINHBACH_INTAKE_KEY_FILE``: the private key (PEM) of the portal's ``public_intake``
official, which signs residents' comments sent from a unit's public page (default
``<data_dir>/intake-key.pem``; no file, no comment form).
``MINHBACH_TRUST_ANCHORS``: PEM files of the X.509 trust anchors (root certificates) that
officials' certificates must chain to, separated by ``:`` (``os.pathsep``); each file may hold
several. ``minhbach init`` records them in the log; the ledger refuses any other (ADR 0007).
``MINHBACH_LOG_KEY_FILE``: the log's signed-note signer key (default ``<data_dir>/log-signer.key``,
made by ``minhbach log init``). ``MINHBACH_WITNESSES``: space-separated witness URLs asked to
cosign each checkpoint. ``MINHBACH_CHECKPOINT_INTERVAL``: seconds between checkpoints when
the log has grown (default 5; ADR 0014).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse, urlsplit, urlunsplit

from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError

from domain.ledger import Ledger
from verify.keys import PublicKey
from verify.x509 import TrustAnchor, load_anchors


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    scope: str = "96"
    origin: str = ""
    data_dir: Path = Path("data")
    trust_root: tuple[PublicKey, ...] = field(default=())
    max_body_bytes: int = 1_048_576
    precheck_workers: int | None = None  # None: one per spare core on PostgreSQL, 0 on SQLite
    log_level: str = "INFO"
    trust_anchors: tuple[TrustAnchor, ...] = field(default=())
    intake_key_file: Path | None = None  # None: <data_dir>/intake-key.pem

    def intake_key_path(self) -> Path:
        return self.intake_key_file or self.data_dir / "intake-key.pem"

    log_key_file: Path | None = None  # None: <data_dir>/log-signer.key
    witnesses: tuple[str, ...] = ()
    checkpoint_interval: float = 5.0

    @property
    def log_key_path(self) -> Path:
        return self.log_key_file or self.data_dir / "log-signer.key"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        data_dir = Path(
            str(overrides.get("data_dir") or os.environ.get("MINHBACH_DATA_DIR", "data"))
        )
        scope = str(overrides.get("scope") or os.environ.get("MINHBACH_SCOPE", "96"))
        url = str(
            overrides.get("database_url")
            or os.environ.get("MINHBACH_DATABASE_URL")
            or f"sqlite:///{data_dir / 'minhbach.db'}"
        )
        origin = str(
            overrides.get("origin")
            or os.environ.get("MINHBACH_ORIGIN")
            or f"minhbach.example/{scope}"
        )
        workers = overrides.get("precheck_workers") or os.environ.get("MINHBACH_PRECHECK_WORKERS")
        anchors = overrides.get("trust_anchors")  # anchors, or PEM file paths
        if not isinstance(anchors, tuple):
            paths = anchors or os.environ.get("MINHBACH_TRUST_ANCHORS", "")
            anchors = read_anchor_files(str(paths))
        key_file = overrides.get("log_key_file") or os.environ.get("MINHBACH_LOG_KEY_FILE")
        witnesses = overrides.get("witnesses") or os.environ.get("MINHBACH_WITNESSES", "")
        return cls(
            database_url=url,
            scope=scope,
            origin=origin,
            data_dir=data_dir,
            precheck_workers=None if workers in (None, "", "auto") else int(str(workers)),
            max_body_bytes=int(os.environ.get("MINHBACH_MAX_BODY_BYTES", "1048576")),
            log_level=os.environ.get("MINHBACH_LOG_LEVEL", "INFO"),
            trust_anchors=anchors,
            intake_key_file=Path(os.environ["MINHBACH_INTAKE_KEY_FILE"])
            if os.environ.get("MINHBACH_INTAKE_KEY_FILE")
            else None,
            log_key_file=Path(str(key_file)) if key_file else None,
            witnesses=tuple(witnesses)
            if isinstance(witnesses, (tuple, list))
            else tuple(str(witnesses).split()),
            checkpoint_interval=float(os.environ.get("MINHBACH_CHECKPOINT_INTERVAL", "5")),
        )

    def workers(self) -> int:
        """Processes that parse and verify signatures ahead of the writer (api.precheck)."""
        if self.precheck_workers is not None:
            return self.precheck_workers
        if self.database_url.startswith("sqlite"):
            return 0
        from api.precheck import default_workers

        return default_workers()


def read_anchor_files(paths: str) -> tuple[TrustAnchor, ...]:
    """The trust anchors in PEM files ``paths`` (separated by ``os.pathsep``), deduplicated."""
    found: dict[str, TrustAnchor] = {}
    for path in filter(None, paths.split(os.pathsep)):
        for anchor in load_anchors(Path(path).read_bytes()):
            found.setdefault(anchor.fingerprint, anchor)
    return tuple(found.values())


def storage_env(url: str) -> dict[str, str]:
    """Translate a database URL into the ``eventsourcing`` environment."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else ""
        if not path:
            raise ValueError(
                "sqlite URL must look like sqlite:///path/to/file.db or sqlite:///:memory:"
            )
        if path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "APPLICATION_RECORDER_TOPIC": "api.store.sqlite:LogSQLiteRecorder",
            "CREATE_TABLE": "y",
        }
    if parsed.scheme in ("postgresql", "postgres"):
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": (parsed.path or "/postgres").lstrip("/"),
            "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parsed.port or 5432),
            "POSTGRES_USER": unquote(parsed.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parsed.password or ""),
            "POSTGRES_SCHEMA": "public",
            "APPLICATION_RECORDER_TOPIC": "api.store.postgres:LogPostgresRecorder",
            "CREATE_TABLE": "y",
        }
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


def without_password(url: str) -> str:
    """A database URL fit to print: its password, if any, masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}"
    return urlunsplit(parts._replace(netloc=netloc + (f":{parts.port}" if parts.port else "")))


STORE_DOWN = (StoreOperationalError, StoreInterfaceError)  # the store could not be reached


def store_unreachable(url: str, cause: object) -> str:
    """What the CLI and the server say when the store cannot be reached."""
    url = without_password(url)
    return f"không kết nối được cơ sở dữ liệu / cannot reach the database {url}: {cause}"


def make_ledger(settings: Settings) -> Ledger:
    return Ledger(
        storage_env(settings.database_url),
        scope=settings.scope,
        trust_root=settings.trust_root,
        trust_anchors=settings.trust_anchors,
    )
