"""A realistic demo province: real units, enrolled officials, signed evaluation years.

``build_demo`` creates the trust root and officials (keys generated in memory), then
signs and submits every step of years 2022–2024 for every legacy commune of the
province, with a realistic mix of outcomes: most recognised, some below 80 points, one
below half on a criterion, one disqualified, one late posting, one late decision, a
complaint, an unanswered comment.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from api import unitdata
from domain.calendar import VN_TZ, add_working_days
from domain.catalog import builtin_catalogs
from domain.genesis import genesis
from domain.ledger import Ledger
from domain.signing import Signer, generate
from domain.writer import ChainWriter
from verify.law.catalog import Catalog, Indicator
from verify.law.scoring import suggested_points

STEP = Decimal("0.25")


def at(d: date, hour: int = 9) -> datetime:
    """A Vietnamese office hour on day ``d``, as UTC."""
    return datetime.combine(d, time(hour), tzinfo=VN_TZ).astimezone(UTC)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def unit_doc(u: unitdata.Unit) -> dict[str, Any]:
    d = {
        "code": u.code,
        "name": u.name,
        "kind": u.kind,
        "level": u.level,
        "district": u.district_code,
        "province": u.province_code,
        "valid_from": u.valid_from,
        "valid_until": u.valid_until,
        "successor": u.successor,
    }
    return {k: v for k, v in d.items() if v is not None}


def unit_docs(province: str) -> list[dict[str, Any]]:
    """Every unit of a province, legacy (before 01/07/2025) and current, as registry data."""
    prov, districts, communes = unitdata.legacy_province(province)
    _, current = unitdata.current_province(province)
    return [unit_doc(u) for u in (prov, *districts, *communes, *current)]


@dataclass
class Official:
    id: str
    name: str
    position: str
    role: str
    scope: str
    signer: Signer = field(default_factory=generate)
    valid_from: str = "2021-12-01T00:00:00Z"
    chain: list[str] | None = None  # enrolled by certificate: verify.x509_bundle.encode_chain
    valid_until: str = "2026-12-31T00:00:00Z"

    def doc(self) -> dict[str, Any]:
        key: dict[str, Any] = (
            {"key": self.signer.key_doc()}
            if self.chain is None
            else {"certificate": {"chain": self.chain}}
        )
        return {
            "id": self.id,
            "name": self.name,
            "position": self.position,
            "role": self.role,
            "scope": self.scope,
            **key,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }


SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
]
MIDDLES = ["Văn", "Thị", "Minh", "Thanh", "Hoàng", "Ngọc", "Quốc", "Hữu"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hà",
    "Hải",
    "Hạnh",
    "Hùng",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
    "Quang",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trung",
    "Tuấn",
    "Vân",
    "Yến",
]


@dataclass
class Variant:
    quality: float = 0.92
    weak_criterion: str | None = None
    disqualified: bool = False
    late_posting: bool = False
    unanswered_comment: bool = False
    complaint: bool = False


@dataclass
class DemoResult:
    events: int = 0
    refused: list[str] = field(default_factory=list)
    officials: dict[str, Official] = field(default_factory=dict)
    trust_root: Signer | None = None
    notes: dict[str, str] = field(default_factory=dict)


class DemoBuilder:
    def __init__(
        self, ledger: Ledger, province: str = "96", seed: int = 96, batch: int = 500
    ) -> None:
        self.ledger = ledger
        self.province = province
        self.rng = random.Random(seed)
        self.writer = ChainWriter()
        self.pending: list[bytes] = []
        self.batch = batch
        self.result = DemoResult()
        self.catalogs = {c.catalog_id: c for c in builtin_catalogs()}
        self.progress: Callable[[int], None] | None = None
        self.current: list[unitdata.Unit] = []  # units since 01/07/2025 (set by setup)

    # -- plumbing -----------------------------------------------------------------
    def person(self) -> str:
        r = self.rng
        return f"{r.choice(SURNAMES)} {r.choice(MIDDLES)} {r.choice(GIVEN)}"

    def emit(
        self,
        signers: Iterable[Signer],
        type: str,
        unit: str,
        year: int | None,
        when: datetime,
        data: dict[str, Any],
    ) -> None:
        self.pending.append(self.writer.sign(list(signers), type, unit, year, when, data))
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        outcomes = self.ledger.submit_many(self.pending)
        for o in outcomes:
            if o.error is not None:
                self.result.refused.append(str(o.error))
        self.result.events += sum(1 for o in outcomes if o.receipt is not None)
        if self.progress:
            self.progress(len(self.pending))
        self.pending = []

    def official(
        self, id: str, position: str, role: str, scope: str, valid_from: str | None = None
    ) -> Official:
        o = Official(id, self.person(), position, role, scope)
        if valid_from is not None:
            o.valid_from = valid_from
        self.result.officials[id] = o
        return o

    # -- setup --------------------------------------------------------------------
    def setup(self, limit: int | None = None) -> tuple[list[unitdata.Unit], list[unitdata.Unit]]:
        root = generate()
        self.result.trust_root = root
        p = self.province
        start = at(date(2021, 12, 1), 8)
        prov, districts, communes = unitdata.legacy_province(p)
        _, current = unitdata.current_province(p)
        if limit is not None:
            keep = {c.district_code for c in communes[:limit]}
            districts = [d for d in districts if d.code in keep]
            communes = communes[:limit]
        if limit is not None:
            absorbed = {c.successor for c in communes}
            current = [u for u in current if u.code in absorbed]
        self.current = current
        docs = [unit_doc(u) for u in (prov, *districts, *communes, *current)]
        for type_, data in genesis(
            origin=f"minhbach.example/{p}",
            name=prov.name,
            trust_root=[root.key_doc()],
            units=docs,
            catalogs=self.catalogs.values(),
        ):
            self.emit([root], type_, p, None, start, data)
        enrol: list[Official] = []
        for d in districts:
            enrol.append(
                self.official(
                    f"{d.code}-chu-tich", f"Chủ tịch UBND {d.name}", "district_chairman", d.code
                )
            )
            enrol.append(
                self.official(
                    f"{d.code}-tu-phap",
                    f"Trưởng Phòng Tư pháp {d.name}",
                    "district_justice",
                    d.code,
                )
            )
            for i in range(1, 6):
                enrol.append(
                    self.official(
                        f"{d.code}-hd-{i}",
                        f"Thành viên Hội đồng {d.name}",
                        "council_member",
                        d.code,
                    )
                )
        for c in communes:
            enrol.append(
                self.official(
                    f"{c.code}-chu-tich", f"Chủ tịch UBND {c.name}", "commune_chairman", c.code
                )
            )
            for i in range(1, 4):
                enrol.append(
                    self.official(
                        f"{c.code}-cc-{i}", f"Công chức {c.name}", "commune_official", c.code
                    )
                )
        for o in enrol:
            self.emit([root], "OfficialEnrolled", p, None, start, {"official": o.doc()})
        return districts, communes

    # -- one commune-year -----------------------------------------------------------
    def points_for(self, ind: Indicator, q: float) -> tuple[dict[str, Any], Decimal]:
        top = ind.max_points.value
        spec = ind.input
        if spec.kind == "yesno":
            inp: dict[str, Any] = {"kind": "yesno", "value": self.rng.random() < q + 0.05}
        elif spec.kind == "ratio":
            den = self.rng.randint(20, 200)
            num = min(den, max(0, round(den * min(1.0, q + self.rng.uniform(-0.08, 0.08)))))
            inp = {"kind": "ratio", "numerator": num, "denominator": den}
        elif spec.kind == "checklist":
            items = [i.id for i in spec.items if self.rng.random() < q + 0.1]
            inp = {"kind": "checklist", "checked": items}
        else:
            inp = {"kind": "number", "value": str(self.rng.randint(1, 12))}
        from verify.law.scoring import parse_input

        pts = suggested_points(ind, parse_input(inp))
        if pts is None:
            pts = (top * Decimal(str(round(q, 2))) / STEP).to_integral_value(ROUND_FLOOR) * STEP
        return inp, min(pts, top)

    def commune_year(
        self, c: unitdata.Unit, year: int, cat: Catalog, v: Variant
    ) -> dict[str, Decimal]:
        officials = self.result.officials
        chair = officials[f"{c.code}-chu-tich"]
        staff = [officials[f"{c.code}-cc-{i}"] for i in range(1, 4)]
        u, y = c.code, year
        d0 = date(year, 12, 1)
        self.emit(
            [chair.signer], "EvaluationOpened", u, y, at(d0, 8), {"catalog_id": cat.catalog_id}
        )
        scores: dict[str, Decimal] = {}
        for n, ind in enumerate(cat.indicators):
            who = staff[n % 3]
            self.emit(
                [chair.signer],
                "IndicatorAssigned",
                u,
                y,
                at(d0, 9),
                {"indicator": ind.id, "official_id": who.id},
            )
        for n, ind in enumerate(cat.indicators):
            who = staff[n % 3]
            q = 0.3 if v.weak_criterion == ind.criterion_id else v.quality
            inp, pts = self.points_for(ind, q)
            scores[ind.id] = pts
            ev = [
                {
                    "sha256": sha(f"{u}/{y}/{ind.id}/minh-chung"),
                    "title": f"Tài liệu kiểm chứng chỉ tiêu {ind.id}",
                }
            ]
            self.emit(
                [who.signer],
                "SelfScoreRecorded",
                u,
                y,
                at(d0 + timedelta(days=3 + n % 5), 10),
                {"indicator": ind.id, "input": inp, "points": str(pts), "evidence": ev},
            )
        summary = sha(f"{u}/{y}/mau-02")
        self.emit(
            [chair.signer],
            "SelfAssessmentCompiled",
            u,
            y,
            at(date(y, 12, 12)),
            {"report_sha256": sha(f"{u}/{y}/mau-01"), "summary_sha256": summary},
        )
        start = date(y, 12, 13)
        end = start + timedelta(days=3 if v.late_posting else 7)
        for ch, place in (
            ("office", f"Trụ sở UBND {c.name}"),
            ("website", "Trang thông tin điện tử xã"),
        ):
            self.emit(
                [staff[0].signer],
                "PostingStarted",
                u,
                y,
                at(start, 8),
                {"channel": ch, "place": place, "drafts_sha256": summary},
            )
        comment = v.unanswered_comment or self.rng.random() < 0.15
        if comment:
            self.emit(
                [staff[0].signer],
                "CommentReceived",
                u,
                y,
                at(start + timedelta(days=2), 14),
                {
                    "comment_id": "YK-01",
                    "via": "hộp thư góp ý tại trụ sở",
                    "text": "Đề nghị làm rõ số liệu hòa giải ở cơ sở năm nay.",
                    "author": "Người dân ấp 3",
                },
            )
            if not v.unanswered_comment:
                self.emit(
                    [staff[0].signer],
                    "CommentAnswered",
                    u,
                    y,
                    at(start + timedelta(days=4), 15),
                    {
                        "comment_id": "YK-01",
                        "accepted": True,
                        "answer": "Đã bổ sung biên bản hòa giải vào tài liệu kiểm chứng chỉ tiêu 3.1.",
                    },
                )
        for ch in ("office", "website"):
            self.emit([staff[0].signer], "PostingEnded", u, y, at(end, 17), {"channel": ch})
        self.emit(
            [chair.signer],
            "CommuneMeetingHeld",
            u,
            y,
            at(date(y, 12, 22), 8),
            {
                "date": date(y, 12, 22).isoformat(),
                "chaired_by": chair.name,
                "attendees": [
                    {"role": "Chủ tịch UBND xã", "name": chair.name},
                    {"role": "Công an xã", "name": self.person()},
                    {"role": "Ủy ban MTTQ Việt Nam xã", "name": self.person()},
                    {"role": "Trưởng ấp", "name": self.person()},
                ],
            },
        )
        submit_day = date(y, 12, 20) if v.late_posting else date(y + 1, 1, 4)
        self.emit(
            [chair.signer],
            "DossierSubmitted",
            u,
            y,
            at(submit_day, 10),
            {
                "documents": [
                    {"kind": "form01", "sha256": sha(f"{u}/{y}/mau-01")},
                    {"kind": "form02", "sha256": summary},
                    {"kind": "request", "sha256": sha(f"{u}/{y}/to-trinh")},
                ],
                "requests_recognition": True,
            },
        )
        if v.disqualified:
            dj = officials[f"{c.district_code}-tu-phap"]
            self.emit(
                [dj.signer],
                "DisqualificationRecorded",
                u,
                y,
                at(date(y + 1, 1, 6)),
                {
                    "person": "chairman",
                    "ground": "disciplined",
                    "reference": f"Quyết định kỷ luật số 12/QĐ-UBND năm {y}",
                },
            )
        return scores

    # -- the district's round ---------------------------------------------------------
    def district_round(
        self,
        d: unitdata.Unit,
        year: int,
        units: dict[str, Decimal | None],
        scores: dict[str, dict[str, Decimal]],
        late_decision: bool,
        complaint_unit: str | None,
    ) -> None:
        officials = self.result.officials
        chair, justice = officials[f"{d.code}-chu-tich"], officials[f"{d.code}-tu-phap"]
        members = [officials[f"{d.code}-hd-{i}"] for i in range(1, 6)]
        y = year
        council = [
            {
                "name": chair.name,
                "position": chair.position,
                "council_role": "chair",
                "official_id": chair.id,
            },
            {
                "name": justice.name,
                "position": justice.position,
                "council_role": "secretary",
                "official_id": justice.id,
            },
        ]
        council += [
            {"name": m.name, "position": m.position, "council_role": "member", "official_id": m.id}
            for m in members
        ]
        self.emit(
            [chair.signer],
            "CouncilFormed",
            d.code,
            y,
            at(date(y, 11, 20)),
            {"decision_no": f"{100 + int(d.code) % 100}/QĐ-UBND", "members": council},
        )
        codes = sorted(units)
        circ = date(y + 1, 1, 12)
        meeting = add_working_days(circ, 4)
        self.emit(
            [justice.signer],
            "DossiersCirculated",
            d.code,
            y,
            at(circ),
            {"units": codes, "meeting_date": meeting.isoformat()},
        )
        for u in codes:
            appraised = {k: str(v) for k, v in scores[u].items()}
            self.emit(
                [justice.signer],
                "ScoresAppraised",
                u,
                y,
                at(meeting, 10),
                {"scores": appraised, "form07_sha256": sha(f"{u}/{y}/mau-07")},
            )
        absent = members[-1]
        self.emit(
            [justice.signer],
            "CouncilMeetingHeld",
            d.code,
            y,
            at(meeting, 11),
            {
                "date": meeting.isoformat(),
                "mode": "meeting",
                "present": [m["name"] for m in council if m["name"] != absent.name],
                "written_opinions": [
                    {"member": absent.name, "sha256": sha(f"{d.code}/{y}/y-kien")}
                ],
            },
        )
        self.emit(
            [chair.signer, justice.signer],
            "AppraisalConcluded",
            d.code,
            y,
            at(meeting, 16),
            {"units": codes, "minutes_sha256": sha(f"{d.code}/{y}/bien-ban")},
        )
        meeting_list = [u for u in codes if units[u] is not None]
        not_meeting = [u for u in codes if units[u] is None]
        dec_day = date(y + 1, 2, 12) if late_decision else add_working_days(meeting, 3)
        self.emit(
            [chair.signer],
            "RecognitionDecided",
            d.code,
            y,
            at(dec_day, 15),
            {
                "decision_no": f"{200 + int(d.code) % 100}/QĐ-UBND",
                "meeting": meeting_list,
                "not_meeting": not_meeting,
            },
        )
        self.emit(
            [justice.signer],
            "ResultPublished",
            d.code,
            y,
            at(add_working_days(dec_day, 1)),
            {"url": f"https://{d.code}.camau.gov.vn/tiep-can-phap-luat/{y}", "units": codes},
        )
        if complaint_unit:
            self.emit(
                [justice.signer],
                "ComplaintFiled",
                complaint_unit,
                y,
                at(add_working_days(dec_day, 5)),
                {
                    "complaint_id": "KN-01",
                    "author": "Công dân xã",
                    "summary": "Khiếu nại kết quả chấm điểm chỉ tiêu 5.1 chưa phản ánh đúng số vụ việc đã giải quyết.",
                },
            )
            self.emit(
                [chair.signer],
                "ComplaintResolved",
                complaint_unit,
                y,
                at(add_working_days(dec_day, 20)),
                {
                    "complaint_id": "KN-01",
                    "upheld": False,
                    "outcome": "Giữ nguyên kết quả; số liệu đã được Hội đồng thẩm định đúng quy định.",
                },
            )

    # -- Decision 27/2025: the province holds the round for the current communes ------------
    def enrol_province(self, province: unitdata.Unit) -> None:
        """Officials of the province-level round and of the communes created in 2025."""
        root = self.result.trust_root
        assert root is not None
        since, p = "2025-07-01T00:00:00Z", province.code
        new = [
            self.official(f"{p}-chu-tich", f"Chủ tịch UBND {province.name}", "province_chairman", p, since),
            self.official(f"{p}-tu-phap", f"Giám đốc Sở Tư pháp {province.name}", "province_justice", p, since),
        ]  # fmt: skip
        new += [
            self.official(f"{p}-hd-{i}", f"Thành viên Hội đồng {province.name}", "council_member", p, since)
            for i in range(1, 6)
        ]  # fmt: skip
        for c in self.current:
            if f"{c.code}-chu-tich" in self.result.officials:
                continue  # the code lived on: its officials stay
            new.append(self.official(f"{c.code}-chu-tich", f"Chủ tịch UBND {c.name}", "commune_chairman", c.code, since))  # fmt: skip
            new += [
                self.official(f"{c.code}-cc-{i}", f"Công chức {c.name}", "commune_official", c.code, since)
                for i in range(1, 4)
            ]  # fmt: skip
        when = at(date(2025, 7, 1), 8)
        for o in new:
            self.emit([root], "OfficialEnrolled", self.province, None, when, {"official": o.doc()})

    # -- today: drafts posted now, so residents can comment (api.comments) ----------------------
    def live_posting(self, today: date, units: list[unitdata.Unit]) -> None:
        """Enrol the portal's ``public_intake`` key, and post the drafts of ``units`` for the
        year under way: opened 12 days ago, self-assessed, posted two days ago, not yet ended."""
        root = self.result.trust_root
        assert root is not None
        p = self.province
        intake = Official(
            f"{p}-cong-tiep-nhan", "Cổng thông tin điện tử tỉnh",
            "Cổng tiếp nhận ý kiến của người dân", "public_intake", p,
        )  # fmt: skip
        intake.valid_from = f"{today - timedelta(days=30)}T00:00:00Z"
        intake.valid_until = f"{today + timedelta(days=365)}T00:00:00Z"
        self.result.officials[intake.id] = intake
        self.emit(
            [root], "OfficialEnrolled", p, None, at(today - timedelta(days=30), 8),
            {"official": intake.doc()},
        )  # fmt: skip
        year = (today - timedelta(days=12)).year
        cat = next(c for c in self.catalogs.values() if c.applies_to(year))
        for c in units:
            chair = self.result.officials[f"{c.code}-chu-tich"]
            staff = self.result.officials[f"{c.code}-cc-1"]
            d0 = today - timedelta(days=12)
            self.emit([chair.signer], "EvaluationOpened", c.code, year, at(d0, 8),
                      {"catalog_id": cat.catalog_id})  # fmt: skip
            for ind in cat.indicators:
                self.emit([chair.signer], "IndicatorAssigned", c.code, year, at(d0, 9),
                          {"indicator": ind.id, "official_id": staff.id})  # fmt: skip
            for ind in cat.indicators:
                inp, pts = self.points_for(ind, 0.92)
                evidence = [
                    {"sha256": sha(f"{c.code}/{year}/{ind.id}"), "title": f"Minh chứng {ind.id}"}
                ]
                self.emit([staff.signer], "SelfScoreRecorded", c.code, year,
                          at(d0 + timedelta(days=4), 10),
                          {"indicator": ind.id, "input": inp, "points": str(pts), "evidence": evidence})  # fmt: skip
            summary = sha(f"{c.code}/{year}/mau-02")
            self.emit([chair.signer], "SelfAssessmentCompiled", c.code, year,
                      at(today - timedelta(days=3)),
                      {"report_sha256": sha(f"{c.code}/{year}/mau-01"), "summary_sha256": summary})  # fmt: skip
            for ch, place in (
                ("office", f"Trụ sở UBND {c.name}"),
                ("website", "Trang thông tin điện tử xã"),
            ):
                self.emit([staff.signer], "PostingStarted", c.code, year,
                          at(today - timedelta(days=2), 8),
                          {"channel": ch, "place": place, "drafts_sha256": summary})  # fmt: skip


def variants_for(
    communes: list[unitdata.Unit], year: int, rng: random.Random
) -> dict[str, Variant]:
    out = {c.code: Variant(quality=rng.uniform(0.86, 0.99)) for c in communes}
    codes = [c.code for c in communes]
    if len(codes) < 8:
        return out
    k = {2022: 1, 2023: 2, 2024: 3}.get(year, 0)
    pick = codes[k::7]
    for code in pick[:3]:
        out[code].quality = rng.uniform(0.62, 0.74)  # below 80 points
    if year == 2023:
        out[codes[3]].weak_criterion = "TC3"
        out[codes[5]].disqualified = True
        out[codes[6]].late_posting = True
        out[codes[8 % len(codes)]].unanswered_comment = True
    return out


def build_demo(
    ledger: Ledger,
    province: str = "96",
    years: Iterable[int] = (2022, 2023, 2024, 2025),
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> DemoResult:
    """The demo province. With ``today``, also the year under way: two communes' drafts
    posted since two days before ``today`` and the portal's comment key enrolled
    (``DemoResult.officials[f"{province}-cong-tiep-nhan"]``), so the public pages take
    residents' comments."""
    b = DemoBuilder(ledger, province)
    b.progress = progress
    districts, communes = b.setup(limit)
    by_district: dict[str, list[unitdata.Unit]] = {}
    for c in communes:
        by_district.setdefault(c.district_code or "", []).append(c)
    prov = unitdata.current_province(province)[0]
    for year in years:
        cat = next(c for c in b.catalogs.values() if c.applies_to(year))
        units, holders = communes, districts
        if cat.authority.level.value == "province":  # Decision 27/2025: no districts
            b.enrol_province(prov)
            units, holders = b.current, [prov]
            by_district = {prov.code: b.current}
        variants = variants_for(units, year, b.rng)
        for n, d in enumerate(holders):
            members = by_district.get(d.code, [])
            scores: dict[str, dict[str, Decimal]] = {}
            meets: dict[str, Decimal | None] = {}
            for c in members:
                v = variants[c.code]
                s = b.commune_year(c, year, cat, v)
                scores[c.code] = s
                from verify.law.scoring import assess

                a = assess(cat, s, v.disqualified)
                meets[c.code] = a.total if a.meets else None
            if members:
                late = year == 2023 and n == 1
                complaint = members[0].code if (year == 2022 and n == 0) else None
                b.district_round(d, year, meets, scores, late, complaint)
    if today is not None and b.current:
        b.live_posting(today, b.current[:2])
    b.flush()
    b.result.notes = {"late_decision_district": districts[1].code if len(districts) > 1 else ""}
    b.result.notes["current_units"] = ",".join(u.code for u in b.current)
    return b.result
