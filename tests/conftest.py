"""Shared fixtures: a ledger on real SQLite and PostgreSQL, and a signed demo "world".

Backends
--------
``ledger_url`` is parametrised over ``sqlite`` (a file in ``tmp_path``) and ``postgres``
(``MINHBACH_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``,
whose tables are dropped before each test). PostgreSQL tests:

- carry ``pytest.mark.postgres`` (deselect with ``-m "not postgres"``);
- are skipped when the server is unreachable, unless ``CI`` is set: then they FAIL,
  because CI must run PostgreSQL for real;
- never run concurrently: each holds an exclusive ``flock`` on
  ``$TMPDIR/minhbach-postgres-tests.lock`` (which also serialises separate pytest runs
  sharing the database), and they carry ``xdist_group("postgres")`` so
  ``pytest -n auto --dist loadgroup`` sends them all to one worker.

A test module that is storage-independent overrides the ``backend`` fixture to return
``"sqlite"``; a single test can still ``@pytest.mark.parametrize("backend", ["sqlite", "postgres"])``
(the postgres marks are added at collection, whichever way it was parametrised).

World
-----
``world`` is a ``DemoBuilder`` on the ledger after ``setup(limit=8)`` (one district, 964,
and its first 8 communes; officials enrolled), wrapped in a ``World``, which
emits chosen events one by one and checks that bad envelopes are refused with nothing
stored (``World`` is defined below; tests use it through the fixture).

PKI
---
``pki`` is the in-memory test PKI (``tests/pki.py``: roots, intermediate, officials'
certificates with one defect each), built once per session; ``anchors`` its trust anchor
read from the root's PEM, as a deployment or an inspector reads it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import psycopg.sql
import pytest
from cryptography import x509
from hypothesis import settings
from pki import Issued, TestPKI, crl_data, format_utc

from api import unitdata
from api.config import storage_env
from api.demo import DemoBuilder, Official, Variant, at, sha
from domain.calendar import add_working_days, is_working_day
from domain.ledger import Ledger, Receipt
from domain.signing import Signer, sign_event, signer_from_private
from verify.errors import LocalizedError
from verify.law.catalog import Catalog, Indicator
from verify.law.scoring import assess, parse_input, suggested_points
from verify.process.schema import spec_for
from verify.x509 import TrustAnchor, load_anchors
from verify.x509_bundle import anchors_doc, encode_chain

PG_URL = os.environ.get(
    "MINHBACH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PG_LOCK = Path(tempfile.gettempdir()) / "minhbach-postgres-tests.lock"
PG_TABLES = ("log_leaves", "log_nodes", "log_head", "log_checkpoints", "proj_docs", "proj_tracking")
IN_CI = bool(os.environ.get("CI"))

# Tests never assert timings (the working agreement): no Hypothesis deadlines, which fail
# at random on a loaded machine.
settings.register_profile("minhbach", deadline=None)
settings.load_profile("minhbach")

# Servers, CLIs and subprocesses started without their own data folder keep keys (the log
# signer key, made at the first checkpoint) in a temporary one, not in ./data.
# The xdist workers of one run share it (and so one log key), as they share the demo ledger.
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID")
if _RUN:
    _shared = os.path.join(tempfile.gettempdir(), f"minhbach-test-data-{_RUN}")
    os.makedirs(_shared, exist_ok=True)
    os.environ.setdefault("MINHBACH_DATA_DIR", _shared)
else:
    os.environ.setdefault("MINHBACH_DATA_DIR", tempfile.mkdtemp(prefix="minhbach-test-data-"))


def _probe_postgres() -> str | None:
    """None when the server answers, else why not."""
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as e:
        return f"{type(e).__name__}: {e}".strip()
    return None


PG_DOWN = _probe_postgres()


def _postgres_marks() -> list[pytest.MarkDecorator]:
    marks = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]
    if PG_DOWN and not IN_CI:
        marks.append(pytest.mark.skip(reason=f"PostgreSQL unreachable at {PG_URL}: {PG_DOWN}"))
    return marks


BACKENDS = ["sqlite", "postgres"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test instance whose ``backend`` is postgres, however it was parametrised."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgres":
            for mark in _postgres_marks():
                item.add_marker(mark)


def reset_postgres(url: str = PG_URL) -> None:
    """Drop the ledger's tables: the events table (prefix ``minhbach_``) and the log."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND (tablename LIKE 'minhbach\\_%%' OR tablename = ANY(%s))",
            (list(PG_TABLES),),
        ).fetchall()
        for (name,) in rows:
            conn.execute(
                psycopg.sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(psycopg.sql.Identifier(name))
            )


@pytest.fixture
def postgres_lock() -> Iterator[None]:
    """Hold the cross-process PostgreSQL test lock for the whole test."""
    with open(PG_LOCK, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ledger_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/t.db"
    if PG_DOWN:
        msg = f"PostgreSQL unreachable at {PG_URL}: {PG_DOWN}"
        if IN_CI:
            pytest.fail("CI must run PostgreSQL for real: " + msg)
        pytest.skip(msg)
    request.getfixturevalue("postgres_lock")
    reset_postgres()
    return PG_URL


@pytest.fixture
def make_ledger(ledger_url: str):  # type: ignore[no-untyped-def]
    """Open (another) Ledger on the test database, e.g. to check what was persisted."""
    opened: list[Ledger] = []

    def make(**kwargs: object) -> Ledger:
        led = Ledger(storage_env(ledger_url), scope="96", **kwargs)  # type: ignore[arg-type]
        opened.append(led)
        return led

    yield make
    for led in opened:
        led.close()


@pytest.fixture
def ledger(make_ledger) -> Ledger:  # type: ignore[no-untyped-def]
    return make_ledger()


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    return TestPKI.build()


@pytest.fixture(scope="session")
def anchors(pki: TestPKI) -> tuple[TrustAnchor, ...]:
    """The deployment's trust anchors: the test root only, read from its PEM."""
    return load_anchors(pki.anchors_pem)


@pytest.fixture
def world(ledger: Ledger) -> World:
    """The ledger after the demo setup for 8 communes of district 964, flushed."""
    builder = DemoBuilder(ledger, "96")
    districts, communes = builder.setup(limit=8)
    builder.flush()
    assert builder.result.refused == []
    return World(ledger, builder, districts, communes)


# -- the world: officials, a chain writer and the procedure step by step -------------------
KEEP = object()  # "use the chain's current head" for World.sign(prev=...)


def full_marks(ind: Indicator) -> tuple[dict[str, Any], Decimal]:
    """An input giving the indicator's maximum, and those points."""
    kind = ind.input.kind
    if kind == "yesno":
        inp: dict[str, Any] = {"kind": "yesno", "value": True}
    elif kind == "ratio":
        inp = {"kind": "ratio", "numerator": 40, "denominator": 40}
    elif kind == "checklist":
        inp = {"kind": "checklist", "checked": [i.id for i in ind.input.items]}
    else:
        inp = {"kind": "number", "value": "5"}
    pts = suggested_points(ind, parse_input(inp))
    return inp, ind.max_points.value if pts is None else pts


class World:
    """One district (964) and 8 communes with enrolled officials, on a real ledger.

    Step methods sign with the right official, submit at once and assert acceptance;
    ``sign`` builds an envelope without submitting (for refusal tests), ``refuse``
    submits one and checks it is refused with nothing stored. Default dates follow the
    lawful calendar of evaluation year ``y`` (dossier on 04/01/y+1, decision mid-January).
    """

    def __init__(
        self,
        ledger: Ledger,
        builder: DemoBuilder,
        districts: list[unitdata.Unit],
        communes: list[unitdata.Unit],
    ) -> None:
        self.ledger = ledger
        self.b = builder
        self.district = districts[0]
        self.communes = communes
        self.codes = [c.code for c in communes]
        self.root: Signer = builder.result.trust_root  # type: ignore[assignment]

    # -- officials -------------------------------------------------------------------
    def o(self, official_id: str) -> Official:
        return self.b.result.officials[official_id]

    def chair(self, code: str) -> Signer:
        return self.o(f"{code}-chu-tich").signer

    def staff(self, code: str, i: int = 1) -> Signer:
        return self.o(f"{code}-cc-{i}").signer

    def dchair(self) -> Signer:
        return self.o(f"{self.district.code}-chu-tich").signer

    def justice(self) -> Signer:
        return self.o(f"{self.district.code}-tu-phap").signer

    def catalog(self, year: int) -> Catalog:
        return next(c for c in self.b.catalogs.values() if c.applies_to(year))

    # -- signing and submitting ------------------------------------------------------
    @staticmethod
    def chain_key(type_: str, unit: str, year: int | None) -> tuple[str, str, int | None]:
        chain = spec_for(type_).chain
        return (chain, unit, None if chain == "registry" else year)

    def sign(
        self, signers: Sequence[Signer], type_: str, unit: str, year: int | None,
        when: datetime, data: dict[str, Any], *, prev: Any = KEEP,
    ) -> bytes:
        """Sign without submitting; ``prev`` defaults to the chain's current head."""
        head = self.b.writer.heads.get(self.chain_key(type_, unit, year)) if prev is KEEP else prev
        return sign_event(list(signers), type_, unit, year, head, when, data)

    def submit(self, envelope: bytes, type_: str, unit: str, year: int | None) -> Receipt:
        receipt = self.ledger.submit(envelope)
        self.b.writer.heads[self.chain_key(type_, unit, year)] = hashlib.sha256(envelope).hexdigest()
        return receipt

    def emit(
        self, signers: Sequence[Signer], type_: str, unit: str, year: int | None,
        when: datetime, data: dict[str, Any],
    ) -> Receipt:
        return self.submit(self.sign(signers, type_, unit, year, when, data), type_, unit, year)

    def state(self, unit: str | None = None, year: int | None = None) -> tuple[Any, ...]:
        """What a refusal must leave unchanged: log size and root, chain versions."""
        led = self.ledger
        size, root = led.recorder.log_head()  # type: ignore[attr-defined]
        reg = led.registry()
        out: list[Any] = [size, root, reg.version if reg else None]
        if unit is not None and year is not None:
            ev, rnd = led.evaluation(unit, year), led.round(self.district.code, year)
            out += [ev.version if ev else None, rnd.version if rnd else None]
        return tuple(out)

    def refuse(
        self, envelope: bytes, error: type[LocalizedError], code: str,
        unit: str | None = None, year: int | None = None,
    ) -> LocalizedError:
        """Submit ``envelope``; assert it is refused with ``error``/``code``, nothing stored."""
        digest = hashlib.sha256(envelope).hexdigest()
        recorder: Any = self.ledger.recorder
        before = self.state(unit, year), recorder.has_envelope(digest)  # True only for a replay
        with pytest.raises(LocalizedError) as info:
            self.ledger.submit(envelope)
        assert isinstance(info.value, error), repr(info.value)
        assert info.value.code == code, str(info.value)
        assert (self.state(unit, year), recorder.has_envelope(digest)) == before
        return info.value

    # -- certificates (ADR 0007) ---------------------------------------------------------
    def add_anchor(self, anchor: TrustAnchor, when: datetime) -> Receipt:
        return self.emit([self.root], "TrustAnchorAdded", "96", None, when,
                         {"anchor": anchors_doc([anchor])[0]})

    def record_crl(self, crl: x509.CertificateRevocationList, when: datetime) -> Receipt:
        return self.emit([self.root], "RevocationListRecorded", "96", None, when, crl_data(crl))

    def enrol_certificate(
        self, official_id: str, issued: Issued, chain: Sequence[Issued], when: datetime,
        *, valid_until: str = "2026-12-31T00:00:00Z",
    ) -> Signer:
        """Enrol ``official_id`` again (same name, role and unit) with a certificate, and
        make it sign the official's next steps; returns its signer."""
        o = self.o(official_id)
        o.signer = signer_from_private(issued.key)
        o.chain = encode_chain([issued.cert, *(c.cert for c in chain)])
        o.valid_from, o.valid_until = format_utc(when), valid_until
        self.emit([self.root], "OfficialEnrolled", "96", None, when, {"official": o.doc()})
        return o.signer

    def findings(self, code: str, year: int) -> list[str]:
        return [f.code for f in self.ledger.findings_for(code, year)]

    # -- commune stage -----------------------------------------------------------------
    def open(self, code: str, y: int) -> Receipt:
        return self.emit([self.chair(code)], "EvaluationOpened", code, y, at(date(y, 12, 1), 8),
                         {"catalog_id": self.catalog(y).catalog_id})

    def assignee(self, code: str, y: int, n: int) -> Official:
        return self.o(f"{code}-cc-{n % 3 + 1}")

    def assign_all(self, code: str, y: int) -> None:
        for n, ind in enumerate(self.catalog(y).indicators):
            self.emit([self.chair(code)], "IndicatorAssigned", code, y, at(date(y, 12, 1), 9),
                      {"indicator": ind.id, "official_id": self.assignee(code, y, n).id})

    def score_data(self, code: str, y: int, ind: Indicator, evidence: bool = True) -> dict[str, Any]:
        inp, pts = full_marks(ind)
        ev = [{"sha256": sha(f"{code}/{y}/{ind.id}/mc"), "title": f"Minh chứng {ind.id}"}] if evidence else []
        return {"indicator": ind.id, "input": inp, "points": str(pts), "evidence": ev}

    def score_all(
        self, code: str, y: int, *, skip: Iterable[str] = (), without_evidence: Iterable[str] = (),
        when: dict[str, datetime] | None = None,
    ) -> None:
        skip, bare, when = set(skip), set(without_evidence), when or {}
        for n, ind in enumerate(self.catalog(y).indicators):
            if ind.id in skip:
                continue
            t = when.get(ind.id, at(date(y, 12, 4), 10))
            self.emit([self.assignee(code, y, n).signer], "SelfScoreRecorded", code, y, t,
                      self.score_data(code, y, ind, ind.id not in bare))

    def summary(self, code: str, y: int) -> str:
        return sha(f"{code}/{y}/mau-02")

    def compile(self, code: str, y: int) -> Receipt:
        return self.emit([self.chair(code)], "SelfAssessmentCompiled", code, y, at(date(y, 12, 12)),
                         {"report_sha256": sha(f"{code}/{y}/mau-01"), "summary_sha256": self.summary(code, y)})

    def post(
        self, code: str, y: int, channel: str, start: date, end: date | None,
        *, drafts: str | None = None, broadcasts: Sequence[str] | None = None,
    ) -> None:
        s = self.staff(code)
        self.emit([s], "PostingStarted", code, y, at(start, 8),
                  {"channel": channel, "place": f"Kênh {channel}", "drafts_sha256": drafts or self.summary(code, y)})
        if end is not None:
            data: dict[str, Any] = {"channel": channel}
            if broadcasts is not None:
                data["broadcasts"] = list(broadcasts)
            self.emit([s], "PostingEnded", code, y, at(end, 17), data)

    def comment(self, code: str, y: int, cid: str, received: date, answered: date | None) -> None:
        s = self.staff(code)
        self.emit([s], "CommentReceived", code, y, at(received, 14),
                  {"comment_id": cid, "via": "hộp thư góp ý", "text": "Đề nghị làm rõ số liệu."})
        if answered is not None:
            self.emit([s], "CommentAnswered", code, y, at(answered, 15),
                      {"comment_id": cid, "accepted": True, "answer": "Đã bổ sung tài liệu."})

    def meeting(self, code: str, y: int, day: date) -> Receipt:
        chair = self.o(f"{code}-chu-tich")
        return self.emit([chair.signer], "CommuneMeetingHeld", code, y, at(day, 8), {
            "date": day.isoformat(), "chaired_by": chair.name,
            "attendees": [{"role": "Chủ tịch UBND xã", "name": chair.name},
                          {"role": "Công an xã", "name": "Lê Văn Hùng"}]})

    def dossier(self, code: str, y: int, day: date, *, form02: str | None = None) -> Receipt:
        return self.emit([self.chair(code)], "DossierSubmitted", code, y, at(day, 10), {
            "documents": [{"kind": "form01", "sha256": sha(f"{code}/{y}/mau-01")},
                          {"kind": "form02", "sha256": form02 or self.summary(code, y)}],
            "requests_recognition": True})

    def supplement(self, code: str, y: int, rid: str, requested: date, provided: date | None) -> None:
        self.emit([self.justice()], "SupplementRequested", code, y, at(requested, 9),
                  {"request_id": rid, "missing": ["Biên bản họp"]})
        if provided is not None:
            self.emit([self.chair(code)], "SupplementProvided", code, y, at(provided, 9),
                      {"request_id": rid, "documents": [{"kind": "minutes", "sha256": sha(f"{code}/{rid}")}]})

    def commune_stage(
        self, code: str, y: int, *, skip: Iterable[str] = (), without_evidence: Iterable[str] = (),
        score_times: dict[str, datetime] | None = None,
        postings: dict[str, tuple[date, date | None, Sequence[str] | None]] | None = None,
        drafts: dict[str, str] | None = None,
        comments: Sequence[tuple[str, date, date | None]] = (),
        meeting: date | None = None, no_meeting: bool = False,
        submitted: date | None = None, form02: str | None = None,
    ) -> None:
        """The whole commune stage, lawful unless a knob says otherwise."""
        self.open(code, y)
        self.assign_all(code, y)
        self.score_all(code, y, skip=skip, without_evidence=without_evidence, when=score_times)
        self.compile(code, y)
        if postings is None:
            postings = {ch: (date(y, 12, 13), date(y, 12, 20), None) for ch in ("office", "website")}
        for ch, (start, end, casts) in postings.items():
            self.post(code, y, ch, start, end, drafts=(drafts or {}).get(ch), broadcasts=casts)
        for cid, received, answered in comments:
            self.comment(code, y, cid, received, answered)
        if not no_meeting:
            self.meeting(code, y, meeting or date(y, 12, 22))
        self.dossier(code, y, submitted or date(y + 1, 1, 4), form02=form02)

    # -- the district's round -------------------------------------------------------------
    def circulation_day(self, y: int) -> date:
        d = date(y + 1, 1, 9)
        while not is_working_day(d):
            d = add_working_days(d, 1)
        return d

    def council(self, y: int, size: int = 7) -> list[dict[str, str]]:
        dc, dj = self.o(f"{self.district.code}-chu-tich"), self.o(f"{self.district.code}-tu-phap")
        members = [
            {"name": dc.name, "position": dc.position, "council_role": "chair", "official_id": dc.id},
            {"name": dj.name, "position": dj.position, "council_role": "secretary", "official_id": dj.id},
        ]
        members += [{"name": f"Thành viên số {i}", "position": "Ủy viên", "council_role": "member"}
                    for i in range(3, size + 1)]
        return members

    def form_council(self, y: int, size: int = 7) -> list[dict[str, str]]:
        members = self.council(y, size)
        self.emit([self.dchair()], "CouncilFormed", self.district.code, y, at(date(y, 11, 20)),
                  {"decision_no": "101/QĐ-UBND", "members": members})
        return members

    def circulate(self, y: int, units: Sequence[str], day: date, meeting_date: date) -> Receipt:
        return self.emit([self.justice()], "DossiersCirculated", self.district.code, y, at(day),
                         {"units": list(units), "meeting_date": meeting_date.isoformat()})

    def appraise(self, code: str, y: int, day: date, scores: dict[str, Decimal] | None = None) -> Receipt:
        full = {ind.id: full_marks(ind)[1] for ind in self.catalog(y).indicators}
        full.update(scores or {})
        return self.emit([self.justice()], "ScoresAppraised", code, y, at(day, 10),
                         {"scores": {k: str(v) for k, v in full.items()}, "form07_sha256": sha(f"{code}/{y}/07")})

    def council_meeting(self, y: int, day: date, present: Sequence[str], opinions: Sequence[str] = ()) -> Receipt:
        return self.emit([self.justice()], "CouncilMeetingHeld", self.district.code, y, at(day, 11), {
            "date": day.isoformat(), "mode": "meeting", "present": list(present),
            "written_opinions": [{"member": m, "sha256": sha(m)} for m in opinions]})

    def conclude(self, y: int, units: Sequence[str], day: date) -> Receipt:
        return self.emit([self.dchair(), self.justice()], "AppraisalConcluded", self.district.code, y,
                         at(day, 16), {"units": list(units), "minutes_sha256": sha(f"{y}/bien-ban")})

    def decide(self, y: int, meeting: Sequence[str], not_meeting: Sequence[str], day: date) -> Receipt:
        return self.emit([self.dchair()], "RecognitionDecided", self.district.code, y, at(day, 15),
                         {"decision_no": "201/QĐ-UBND", "meeting": list(meeting), "not_meeting": list(not_meeting)})

    def publish(self, y: int, units: Sequence[str], day: date) -> Receipt:
        return self.emit([self.justice()], "ResultPublished", self.district.code, y, at(day),
                         {"url": f"https://964.camau.gov.vn/tcpl/{y}", "units": list(units)})

    def round_stage(
        self, y: int, units: Sequence[str], *, scores: dict[str, dict[str, Decimal]] | None = None,
        council_size: int = 7, absent: int = 0, opinions: bool = True,
        circulated: date | None = None, meeting_date: date | None = None,
        appraised: Sequence[str] | None = None, recognised: Sequence[str] | None = None,
        not_recognised: Sequence[str] = (), decided: date | None = None, published: date | None = None,
    ) -> None:
        """Council, circulation, appraisal, meeting, conclusion, decision, publication."""
        members = self.form_council(y, council_size)
        circ = circulated or self.circulation_day(y)
        meet = meeting_date or add_working_days(circ, 3)
        self.circulate(y, units, circ, meet)
        appraised = list(units if appraised is None else appraised)
        for code in appraised:
            self.appraise(code, y, meet, (scores or {}).get(code))
        names = [m["name"] for m in members]
        gone = names[len(names) - absent:] if absent else []
        self.council_meeting(y, meet, [n for n in names if n not in gone], gone if opinions else ())
        self.conclude(y, appraised, meet)
        dec = decided or add_working_days(meet, 2)
        meeting_list = list(appraised if recognised is None else recognised)
        self.decide(y, meeting_list, not_recognised, dec)
        self.publish(y, units, published or add_working_days(dec, 1))

    # -- the demo's own scripts (api.demo), for a whole lawful or flawed year ----------------
    def full_year(self, codes: str | Sequence[str], year: int, variant: Variant | None = None) -> None:
        """``DemoBuilder.commune_year`` for each unit, then the district's round; all accepted."""
        codes = [codes] if isinstance(codes, str) else list(codes)
        cat = self.catalog(year)
        units = {c.code: c for c in self.communes}
        scores: dict[str, dict[str, Decimal]] = {}
        meets: dict[str, Decimal | None] = {}
        for code in codes:
            v = variant or Variant()
            scores[code] = self.b.commune_year(units[code], year, cat, v)
            a = assess(cat, scores[code], v.disqualified)
            meets[code] = a.total if a.meets else None
        self.b.district_round(self.district, year, meets, scores, False, None)
        self.b.flush()
        assert self.b.result.refused == []
