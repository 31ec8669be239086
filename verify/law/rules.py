"""Lawfulness checks (DOMAIN.md §4–§5): what officials did that breaks the rules.

These never refuse anything: the ledger records what really happened and these checks
flag it, each finding citing the provision it breaks and the events involved (ADR 0002).
They are pure functions of the signed history, so the verifier and the projections
reach the same findings as the ledger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from verify.law.calendar import NO_CALENDAR, Calendar, local_date
from verify.law.catalog import Catalog, dec_str
from verify.law.scoring import assess
from verify.process.evaluation import EvaluationState as Evaluation
from verify.process.round import RoundState as Round

QD25 = "QĐ 25/2021/QĐ-TTg"
TT09 = "TT 09/2021/TT-BTP"
# Articles for procedure steps could not be read from the primary text: provisional.
CITES = {
    "conditions": f"{QD25}, Điều 4",
    "scoring": f"{QD25}, Điều 3; {TT09}, Phụ lục I (tạm tính)",
    "posting": f"{QD25} và {TT09}: niêm yết công khai (bước 3, điều khoản tạm tính)",
    "comments": f"{TT09}: tiếp thu, giải trình ý kiến, mẫu 03 (tạm tính)",
    "meeting": f"{TT09}: họp cấp xã (bước 5, tạm tính)",
    "submission": f"{TT09}: thời hạn gửi hồ sơ trước 10/01 (tạm tính)",
    "supplement": f"{TT09}: bổ sung hồ sơ trong 3 ngày làm việc (tạm tính)",
    "council": f"{QD25}: Hội đồng đánh giá, tối đa 15 thành viên, họp khi có ≥ 2/3 (tạm tính)",
    "circulation": f"{TT09}: gửi hồ sơ đến Hội đồng ≥ 3 ngày làm việc trước phiên họp (tạm tính)",
    "decision": f"{QD25}: quyết định công nhận trước 10/02 (tạm tính); {QD25}, Điều 4",
    "publication": f"{TT09}: công bố kết quả trong 2 ngày làm việc (tạm tính)",
}


@dataclass(frozen=True)
class Finding:
    code: str
    rule: str  # key of CITES
    cite: str
    vi: str
    en: str
    events: tuple[str, ...] = ()  # envelope hashes involved
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "cite": self.cite,
            "vi": self.vi,
            "en": self.en,
            "events": list(self.events),
            "details": self.details,
        }


def _f(code: str, rule: str, vi: str, en: str, *events: str, **details: Any) -> Finding:
    return Finding(code, rule, CITES[rule], vi, en, tuple(e for e in events if e), details)


def _d(t: datetime) -> date:
    return local_date(t)


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def evaluation_findings(
    ev: Evaluation, rnd: Round | None, cat: Catalog, calendar: Calendar = NO_CALENDAR
) -> list[Finding]:
    """Every finding about one unit's year, under catalog ``cat`` and ``calendar``."""
    out: list[Finding] = []
    out += _scoring_findings(ev, cat)
    if ev.submitted is not None:
        out += _posting_findings(ev, cat)
        out += _commune_findings(ev, cat)
    out += _supplement_findings(ev, cat, calendar)
    if rnd is not None:
        out += _council_findings(rnd, cat, ev.unit, calendar)
        out += _decision_findings(ev, rnd, cat, calendar)
    return out


def _scoring_findings(ev: Evaluation, cat: Catalog) -> list[Finding]:
    out: list[Finding] = []
    if ev.compiled is None:
        return out
    compiled = ev.hash_of("SelfAssessmentCompiled")
    window = date(ev.year, 1, 1)
    for ind in cat.indicators:
        s = ev.self_scores.get(ind.id)
        if s is None:
            out.append(
                _f(
                    "indicator_not_scored",
                    "scoring",
                    f"Chỉ tiêu {ind.id} không có điểm tự chấm được người được phân công ký.",
                    f"Indicator {ind.id} has no self-score signed by its assignee.",
                    compiled,
                    indicator=ind.id,
                )
            )
            continue
        if not s["evidence"] and s["input"].get("kind") != "not_arising":
            out.append(
                _f(
                    "indicator_without_evidence",
                    "scoring",
                    f"Chỉ tiêu {ind.id} không có tài liệu kiểm chứng.",
                    f"Indicator {ind.id} was scored without evidence.",
                    compiled,
                    indicator=ind.id,
                )
            )
        if _d(s["time"]) < window:
            out.append(
                _f(
                    "score_outside_data_window",
                    "scoring",
                    f"Điểm chỉ tiêu {ind.id} được chấm trước kỳ số liệu (01/01/{ev.year}).",
                    f"Indicator {ind.id} was scored before the data window opened (01/01/{ev.year}).",
                    indicator=ind.id,
                )
            )
    return out


def _posting_findings(ev: Evaluation, cat: Catalog) -> list[Finding]:
    assert ev.submitted is not None
    out: list[Finding] = []
    submitted = ev.hash_of("DossierSubmitted")
    sub_day = _d(ev.submitted["time"])
    days = cat.rules.posting_days.value
    min_radio = cat.rules.radio_min_broadcasts.value
    summary = ev.compiled["summary_sha256"] if ev.compiled else None

    def lasted(p: dict[str, Any]) -> bool:
        return p["end"] is not None and (_d(p["end"]) - _d(p["start"])).days >= days

    def before_submission(p: dict[str, Any]) -> bool:
        return p["end"] is not None and _d(p["end"]) <= sub_day

    office = ev.postings.get("office")
    if office is None or not lasted(office) or not before_submission(office):
        out.append(
            _f(
                "posting_office_insufficient",
                "posting",
                f"Không niêm yết tại trụ sở UBND xã đủ {days} ngày trước khi gửi hồ sơ.",
                f"The drafts were not posted at the commune office for {days} days before submission.",
                submitted,
            )
        )
    web = ev.postings.get("website")
    radio = ev.postings.get("radio")
    web_ok = web is not None and lasted(web) and before_submission(web)
    radio_ok = (
        radio is not None
        and lasted(radio)
        and before_submission(radio)
        and len(
            {
                b
                for b in radio["broadcasts"]
                if _d(radio["start"]).isoformat() <= b <= _d(radio["end"]).isoformat()
            }
        )
        >= min_radio
    )
    if not (web_ok or radio_ok):
        out.append(
            _f(
                "posting_second_channel_insufficient",
                "posting",
                f"Không đăng trên trang thông tin điện tử đủ {days} ngày, cũng không phát trên đài truyền thanh "
                f"ít nhất {min_radio} lần trong {days} ngày.",
                f"Neither on the website for {days} days nor on commune radio {min_radio} times within {days} days.",
                submitted,
            )
        )
    for ch, p in ev.postings.items():
        if summary is not None and p["drafts_sha256"] != summary:
            out.append(
                _f(
                    "posted_drafts_differ",
                    "posting",
                    f"Nội dung niêm yết trên kênh {ch} khác bảng điểm đã tổng hợp (mẫu 02).",
                    f"What was posted on {ch} differs from the compiled score summary (form 02).",
                    channel=ch,
                )
            )
    form02 = [d["sha256"] for d in ev.submitted["documents"] if d["kind"] == "form02"]
    if summary is not None and form02 and form02[0] != summary:
        out.append(
            _f(
                "submitted_drafts_differ",
                "posting",
                "Bảng điểm trong hồ sơ gửi đi khác bảng điểm đã niêm yết.",
                "The score summary submitted differs from the one posted.",
                submitted,
            )
        )
    return out


def _commune_findings(ev: Evaluation, cat: Catalog) -> list[Finding]:
    assert ev.submitted is not None
    out: list[Finding] = []
    submitted = ev.hash_of("DossierSubmitted")
    sub_time = ev.submitted["time"]
    for cid, c in ev.comments.items():
        if c["answered"] is None or c["answered"] > sub_time:
            out.append(
                _f(
                    "comment_unanswered",
                    "comments",
                    f"Ý kiến {cid} chưa được trả lời trước khi gửi hồ sơ.",
                    f"Comment {cid} was not answered before the dossier was submitted.",
                    submitted,
                    comment_id=cid,
                )
            )
    if ev.meeting is None or ev.meeting["time"] > sub_time:
        out.append(
            _f(
                "commune_meeting_missing",
                "meeting",
                "Không tổ chức cuộc họp cấp xã trước khi gửi hồ sơ.",
                "No commune meeting was held before the dossier was submitted.",
                submitted,
            )
        )
    deadline = cat.rules.submission_deadline.value.in_year(ev.year + 1)
    if _d(sub_time) >= deadline:
        out.append(
            _f(
                "submission_late",
                "submission",
                f"Hồ sơ gửi ngày {_fmt(_d(sub_time))}, không trước hạn {_fmt(deadline)}.",
                f"The dossier was submitted on {_fmt(_d(sub_time))}, not before {_fmt(deadline)}.",
                submitted,
                submitted_on=_d(sub_time).isoformat(),
                deadline=deadline.isoformat(),
            )
        )
    return out


def _supplement_findings(ev: Evaluation, cat: Catalog, cal: Calendar) -> list[Finding]:
    out: list[Finding] = []
    n = cat.rules.supplement_working_days.value
    for rid, s in ev.supplements.items():
        due = cal.add_working_days(_d(s["requested"]), n)
        if s["provided"] is not None and _d(s["provided"]) > due:
            out.append(
                _f(
                    "supplement_late",
                    "supplement",
                    f"Bổ sung hồ sơ ({rid}) ngày {_fmt(_d(s['provided']))}, quá hạn {_fmt(due)} ({n} ngày làm việc).",
                    f"Supplement {rid} came on {_fmt(_d(s['provided']))}, after {_fmt(due)} ({n} working days).",
                    request_id=rid,
                )
            )
    return out


def _council_findings(rnd: Round, cat: Catalog, unit: str, cal: Calendar) -> list[Finding]:
    out: list[Finding] = []
    members = rnd.council["members"]
    formed = rnd.timeline[0]["hash"]
    cap = cat.rules.council_max_members.value
    if len(members) > cap:
        out.append(
            _f(
                "council_too_large",
                "council",
                f"Hội đồng có {len(members)} thành viên, vượt quá {cap}.",
                f"The council has {len(members)} members, more than {cap}.",
                formed,
                members=len(members),
            )
        )
    circ = rnd.circulation_for(unit)
    if circ is not None:
        meeting_day = date.fromisoformat(circ["meeting_date"])
        need = cat.rules.circulation_working_days.value
        got = cal.working_days_between(_d(circ["time"]), meeting_day)
        if got < need:
            out.append(
                _f(
                    "circulation_late",
                    "circulation",
                    f"Hồ sơ gửi Hội đồng chỉ {got} ngày làm việc trước phiên họp (cần ít nhất {need}).",
                    f"Dossiers reached the council only {got} working days before its meeting (at least {need} needed).",
                    working_days=got,
                )
            )
    quorum = cat.rules.quorum.value
    names = {m["name"] for m in members}
    for m in rnd.meetings:
        if m["mode"] != "meeting":
            continue
        present = set(m["present"]) & names
        need_n = math.ceil(len(names) * quorum)
        if len(present) < need_n:
            out.append(
                _f(
                    "quorum_not_met",
                    "council",
                    f"Phiên họp ngày {m['date']} chỉ có {len(present)}/{len(names)} thành viên (cần {need_n}).",
                    f"The meeting of {m['date']} had {len(present)}/{len(names)} members ({need_n} needed).",
                    present=len(present),
                    members=len(names),
                )
            )
        opinions = {o["member"] for o in m["written_opinions"]}
        for absent in sorted(names - present - opinions):
            out.append(
                _f(
                    "absent_without_opinion",
                    "council",
                    f"Thành viên {absent} vắng mặt mà không gửi ý kiến bằng văn bản.",
                    f"Member {absent} was absent and sent no written opinion.",
                    member=absent,
                )
            )
    return out


def _decision_findings(ev: Evaluation, rnd: Round, cat: Catalog, cal: Calendar) -> list[Finding]:
    out: list[Finding] = []
    dec = rnd.decision
    if dec is None:
        return out
    dec_hash = next((e["hash"] for e in rnd.timeline if e["type"] == "RecognitionDecided"), "")
    unit = ev.unit
    if ev.appraised is not None and unit in dec["meeting"]:
        a = assess(cat, ev.appraised, ev.disqualified)
        if not a.meets:
            out.append(
                _f(
                    "recognised_below_standard",
                    "conditions",
                    f"Đơn vị được công nhận dù điểm thẩm định không đạt điều kiện (tổng {dec_str(a.total)}).",
                    f"The unit was recognised although its appraised score does not meet the conditions (total {dec_str(a.total)}).",
                    dec_hash,
                    total=dec_str(a.total),
                    failing=list(a.failing_criteria),
                    disqualified=ev.disqualified,
                )
            )
    if (
        unit in rnd.circulated_units
        and unit not in dec["meeting"]
        and unit not in dec["not_meeting"]
    ):
        out.append(
            _f(
                "unit_missing_from_decision",
                "decision",
                "Đơn vị đã gửi hồ sơ nhưng không có tên trong danh sách đạt hoặc không đạt.",
                "The unit submitted a dossier but is on neither list of the decision.",
                dec_hash,
            )
        )
    deadline = cat.rules.decision_deadline.value.in_year(ev.year + 1)
    if _d(dec["time"]) >= deadline:
        out.append(
            _f(
                "decision_late",
                "decision",
                f"Quyết định công nhận ký ngày {_fmt(_d(dec['time']))}, không trước hạn {_fmt(deadline)}.",
                f"The recognition decision was signed on {_fmt(_d(dec['time']))}, not before {_fmt(deadline)}.",
                dec_hash,
            )
        )
    pubs = [p for p in rnd.publications if unit in p["units"]]
    if pubs:
        n = cat.rules.publication_working_days.value
        due = cal.add_working_days(_d(dec["time"]), n)
        first = min(_d(p["time"]) for p in pubs)
        if first > due:
            out.append(
                _f(
                    "publication_late",
                    "publication",
                    f"Kết quả công bố ngày {_fmt(first)}, quá {n} ngày làm việc kể từ ngày ký ({_fmt(due)}).",
                    f"The result was published on {_fmt(first)}, more than {n} working days after signing ({_fmt(due)}).",
                    dec_hash,
                )
            )
    return out
