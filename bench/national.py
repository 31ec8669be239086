"""National-scale dataset for benchmarks: every current commune-level unit (3,321 in 34
provinces), N evaluation years from 2025 under Decision 27/2025, really signed (Ed25519)
envelopes in one log, written straight into the log table.

One log (scope ``VN``) rather than one per province (GUIDE §4): a single runner
following a single log is the worst case for a rebuild; per-province logs are
independent and rebuild in parallel, each in a fraction of this time. The envelopes are
signed exactly as officials would sign them but are NOT judged on the way in (the
ledger's judged write path is ``bench/ingest.py``'s subject): they go into
``log_leaves``/``log_head`` with COPY, which is all a rebuild reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from typing import Any

from api import unitdata
from api.demo import at, sha, unit_doc
from domain.catalog import builtin_catalogs
from domain.genesis import genesis
from domain.signing import Signer, generate
from domain.writer import ChainWriter
from verify.merkle import leaf_hash


def official(oid: str, name: str, role: str, scope: str, s: Signer) -> dict[str, Any]:
    return {"id": oid, "name": name, "position": name, "role": role, "scope": scope,
            "key": s.key_doc(), "valid_from": "2025-01-01T00:00:00Z"}  # fmt: skip


def envelopes(years: range, provinces: list[str] | None = None) -> Iterator[bytes]:
    """Signed envelopes in log order."""
    w, root = ChainWriter(), generate()
    cat = next(c for c in builtin_catalogs() if c.catalog_id.startswith("qd27"))
    codes = provinces or sorted({u.province_code for u in unitdata.all_current_communes()})
    provs = {p: unitdata.current_province(p) for p in codes}
    units = [unit_doc(u) for p in codes for u in (provs[p][0], *provs[p][1])]
    t0 = at(date(2025, 7, 1), 8)
    for type_, data in genesis(origin="minhbach.example/VN", name="Việt Nam",
                               trust_root=[root.key_doc()], units=units, catalogs=[cat]):  # fmt: skip
        yield w.sign([root], type_, "VN", None, t0, data)
    keys: dict[str, Signer] = {}
    for p in codes:
        for oid, role in ((f"{p}-ct", "province_chairman"), (f"{p}-tp", "province_justice")):
            keys[oid] = generate()
            yield w.sign([root], "OfficialEnrolled", "VN", None, t0,
                         {"official": official(oid, oid, role, p, keys[oid])})  # fmt: skip
        for u in provs[p][1]:
            for oid, role in ((f"{u.code}-ct", "commune_chairman"), (f"{u.code}-cc", "commune_official")):
                keys[oid] = generate()
                yield w.sign([root], "OfficialEnrolled", "VN", None, t0,
                             {"official": official(oid, oid, role, u.code, keys[oid])})  # fmt: skip
    for y in years:
        for p in codes:
            chair, justice = keys[f"{p}-ct"], keys[f"{p}-tp"]
            members = [{"name": f"{p}-ct", "position": "Chủ tịch", "council_role": "chair", "official_id": f"{p}-ct"},
                       {"name": f"{p}-tp", "position": "Giám đốc Sở Tư pháp", "council_role": "secretary", "official_id": f"{p}-tp"}]  # fmt: skip
            yield w.sign([chair], "CouncilFormed", p, y, at(date(y, 11, 20)),
                         {"decision_no": f"{p}/QĐ-UBND", "members": members})  # fmt: skip
            communes = [u.code for u in provs[p][1]]
            for code in communes:
                yield from _commune_year(w, keys, code, y, cat)
            yield w.sign([justice], "DossiersCirculated", p, y, at(date(y + 1, 1, 12)),
                         {"units": communes, "meeting_date": f"{y + 1}-01-16"})  # fmt: skip
            for code in communes:
                yield w.sign([justice], "ScoresAppraised", code, y, at(date(y + 1, 1, 16)),
                             {"scores": {i.id: str(i.max_points.value) for i in cat.indicators},
                              "form07_sha256": sha(f"{code}/{y}/07")})  # fmt: skip
            t = at(date(y + 1, 1, 16), 15)
            yield w.sign([justice], "CouncilMeetingHeld", p, y, t, {"date": f"{y + 1}-01-16",
                         "mode": "meeting", "present": [f"{p}-ct", f"{p}-tp"], "written_opinions": []})  # fmt: skip
            yield w.sign([chair, justice], "AppraisalConcluded", p, y, t,
                         {"units": communes, "minutes_sha256": sha(f"{p}/{y}")})  # fmt: skip
            yield w.sign([chair], "RecognitionDecided", p, y, at(date(y + 1, 1, 20)),
                         {"decision_no": f"{p}-{y}/QĐ-UBND", "meeting": communes, "not_meeting": []})  # fmt: skip
            yield w.sign([justice], "ResultPublished", p, y, at(date(y + 1, 1, 21)),
                         {"url": f"https://{p}.gov.vn/tcpl/{y}", "units": communes})  # fmt: skip


def _commune_year(w: ChainWriter, keys: dict[str, Signer], code: str, y: int, cat: Any) -> Iterator[bytes]:
    chair, staff = keys[f"{code}-ct"], keys[f"{code}-cc"]
    t = at(date(y, 12, 1), 8)
    yield w.sign([chair], "EvaluationOpened", code, y, t, {"catalog_id": cat.catalog_id})
    for ind in cat.indicators:
        yield w.sign([chair], "IndicatorAssigned", code, y, t, {"indicator": ind.id, "official_id": f"{code}-cc"})
    for ind in cat.indicators:
        inp = ({"kind": "yesno", "value": True} if ind.input.kind == "yesno"
               else {"kind": "ratio", "numerator": 40, "denominator": 40} if ind.input.kind == "ratio"
               else {"kind": "checklist", "checked": [i.id for i in ind.input.items]} if ind.input.kind == "checklist"
               else {"kind": "number", "value": "5"})  # fmt: skip
        yield w.sign([staff], "SelfScoreRecorded", code, y, at(date(y, 12, 4), 10),
                     {"indicator": ind.id, "input": inp, "points": str(ind.max_points.value),
                      "evidence": [{"sha256": sha(f"{code}/{y}/{ind.id}"), "title": ind.id}]})  # fmt: skip
    yield w.sign([chair], "SelfAssessmentCompiled", code, y, at(date(y, 12, 12)),
                 {"report_sha256": sha(f"{code}/{y}/01"), "summary_sha256": sha(f"{code}/{y}/02")})  # fmt: skip
    for ch in ("office", "website"):
        yield w.sign([staff], "PostingStarted", code, y, at(date(y, 12, 13), 8),
                     {"channel": ch, "place": ch, "drafts_sha256": sha(f"{code}/{y}/02")})  # fmt: skip
    for ch in ("office", "website"):
        yield w.sign([staff], "PostingEnded", code, y, at(date(y, 12, 20), 17), {"channel": ch})
    yield w.sign([chair], "CommuneMeetingHeld", code, y, at(date(y, 12, 22), 8),
                 {"date": f"{y}-12-22", "chaired_by": f"{code}-ct",
                  "attendees": [{"role": "Chủ tịch UBND", "name": f"{code}-ct"}]})  # fmt: skip
    yield w.sign([chair], "DossierSubmitted", code, y, at(date(y + 1, 1, 4), 10),
                 {"documents": [{"kind": "form01", "sha256": sha(f"{code}/{y}/01")}],
                  "requests_recognition": True})  # fmt: skip


def load_postgres(url: str, envs: Iterator[bytes]) -> int:
    """Replace the log tables of ``url`` with these envelopes (COPY); returns the count."""
    import psycopg

    n = 0
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS log_leaves, log_head, proj_docs, proj_tracking")
        conn.execute("CREATE TABLE log_leaves (idx BIGINT PRIMARY KEY, leaf_hash BYTEA NOT NULL,"
                     " envelope_hash TEXT NOT NULL, envelope BYTEA NOT NULL)")  # fmt: skip
        conn.execute("CREATE TABLE log_head (id INTEGER PRIMARY KEY, size BIGINT NOT NULL,"
                     " root BYTEA NOT NULL)")  # fmt: skip
        with conn.cursor().copy("COPY log_leaves FROM STDIN") as cp:
            for env in envs:
                cp.write_row((n, leaf_hash(env), hashlib.sha256(env).hexdigest(), env))
                n += 1
        conn.execute("INSERT INTO log_head VALUES (1, %s, %s)", (n, b"\0" * 32))
    return n
