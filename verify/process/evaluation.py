"""Hồ sơ đánh giá (evaluation): one unit's access-to-law evaluation for one year.

``check`` refuses a step that makes no sense now; ``apply`` only applies the signed facts.
Whether the officials kept the law (deadlines, completeness, thresholds) is judged
separately by ``verify.law.rules``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from verify.law.catalog import Catalog, Indicator
from verify.law.scoring import check_points, parse_input
from verify.process.chain import ChainState
from verify.process.payload import Payload
from verify.refusals import CatalogError, Duplicate, InvalidInput, NotAllowed, OutOfOrder


def check_appraised(ind: Indicator, pts: str) -> None:
    """Appraised points (form 07): a decimal string from 0 to the maximum, in 0.25 steps."""
    try:
        value = Decimal(pts)
    except ArithmeticError:
        value = Decimal(-1)
    top = ind.max_points.value
    if not value.is_finite() or value < 0 or value > top or value % Decimal("0.25"):
        raise InvalidInput(
            f"appraised points for {ind.id} must be 0 to {top} in steps of 0.25",
            f"điểm thẩm định chỉ tiêu {ind.id} phải từ 0 đến {top}, bước 0,25",
            indicator=ind.id,
            points=pts,
        )


def _refuse_order(en: str, vi: str, **evidence: Any) -> OutOfOrder:
    return OutOfOrder(en, vi, **evidence)


class EvaluationState(ChainState):
    kind = "evaluation"

    def start(self, digest: str, p: Payload) -> None:
        """Apply ``EvaluationOpened``, the chain's first envelope."""
        self.start_chain()
        self.unit: str = p.unit
        self.year: int = p.year or 0
        self.catalog_id: str = p.data["catalog_id"]
        self.opened_at: datetime = p.time
        self.assignments: dict[str, str] = {}
        self.self_scores: dict[str, dict[str, Any]] = {}
        self.compiled: dict[str, Any] | None = None
        self.postings: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.meeting: dict[str, Any] | None = None
        self.submitted: dict[str, Any] | None = None
        self.supplements: dict[str, dict[str, Any]] = {}
        self.appraised: dict[str, Decimal] | None = None
        self.appraised_at: datetime | None = None
        self.disqualifications: list[dict[str, Any]] = []
        self.complaints: dict[str, dict[str, Any]] = {}
        self.revoked: dict[str, Any] | None = None
        super().apply(digest, p)

    @property
    def disqualified(self) -> bool:
        return bool(self.disqualifications)

    # -- judging -------------------------------------------------------------------
    def check(
        self,
        p: Payload,
        catalog: Catalog,
        signer_official: str | None,
        digest: str | None = None,
    ) -> None:
        """Refuse ``p`` if it makes no sense now (raises a ``Refused`` subclass)."""
        d = p.data
        t = p.type
        if t == "EvaluationOpened":
            raise Duplicate("this evaluation is already open", "hồ sơ đánh giá này đã được mở")
        self.check_prev(p, digest)
        if t == "IndicatorAssigned":
            self.check_not_submitted(t)
            self.check_indicator(catalog, d["indicator"])
        elif t == "SelfScoreRecorded":
            self.check_not_submitted(t)
            ind = self.check_indicator(catalog, d["indicator"])
            assignee = self.assignments.get(d["indicator"])
            if assignee is None:
                raise _refuse_order(
                    f"indicator {d['indicator']} has not been assigned to anyone",
                    f"chỉ tiêu {d['indicator']} chưa được phân công cho ai",
                    indicator=d["indicator"],
                )
            if signer_official != assignee:
                raise NotAllowed(
                    f"indicator {d['indicator']} is assigned to {assignee}, not {signer_official}",
                    f"chỉ tiêu {d['indicator']} được giao cho {assignee}, không phải {signer_official}",
                    indicator=d["indicator"],
                )
            check_points(ind, Decimal(d["points"]), parse_input(d["input"]))
        elif t == "SelfAssessmentCompiled":
            self.check_not_submitted(t)
        elif t == "PostingStarted":
            self.check_compiled(t)
            if d["channel"] in self.postings:
                raise Duplicate(
                    f"posting on {d['channel']} was already started",
                    f"việc niêm yết trên kênh {d['channel']} đã bắt đầu",
                )
        elif t == "PostingEnded":
            posting = self.postings.get(d["channel"])
            if posting is None or posting["end"] is not None:
                raise _refuse_order(
                    f"no open posting on {d['channel']}",
                    f"không có đợt niêm yết đang mở trên kênh {d['channel']}",
                )
            if p.time < posting["start"]:
                raise _refuse_order(
                    "posting cannot end before it starts",
                    "niêm yết không thể kết thúc trước khi bắt đầu",
                )
        elif t == "CommentReceived":
            self.check_compiled(t)
            if d["comment_id"] in self.comments:
                raise Duplicate(
                    "this comment id is already recorded", "mã ý kiến này đã được ghi nhận"
                )
        elif t == "CommentAnswered":
            c = self.comments.get(d["comment_id"])
            if c is None or c["answered"] is not None:
                raise _refuse_order(
                    "no unanswered comment with this id",
                    "không có ý kiến chưa trả lời nào mang mã này",
                    comment_id=d["comment_id"],
                )
        elif t == "CommuneMeetingHeld":
            self.check_compiled(t)
        elif t == "DossierSubmitted":
            self.check_compiled(t)
            self.check_not_submitted(t)
        elif t == "SupplementRequested":
            self.check_submitted(t)
            if d["request_id"] in self.supplements:
                raise Duplicate("this request id is already used", "mã yêu cầu này đã được dùng")
        elif t == "SupplementProvided":
            req = self.supplements.get(d["request_id"])
            if req is None or req["provided"] is not None:
                raise _refuse_order(
                    "no open supplement request with this id",
                    "không có yêu cầu bổ sung nào đang chờ với mã này",
                )
        elif t == "ScoresAppraised":
            self.check_submitted(t)
            for ind_id, pts in d["scores"].items():
                ind = self.check_indicator(catalog, ind_id)
                if not isinstance(pts, str):
                    raise InvalidInput(
                        "appraised points must be decimal strings",
                        "điểm thẩm định phải là số thập phân dạng chuỗi",
                    )
                check_appraised(ind, pts)
        elif t == "ComplaintFiled":
            if d["complaint_id"] in self.complaints:
                raise Duplicate(
                    "this complaint id is already recorded", "mã khiếu nại này đã được ghi nhận"
                )
        elif t == "ComplaintResolved":
            c = self.complaints.get(d["complaint_id"])
            if c is None or c["resolved"] is not None:
                raise _refuse_order(
                    "no open complaint with this id",
                    "không có khiếu nại đang chờ giải quyết với mã này",
                )
        elif t == "RecognitionRevoked" and self.revoked is not None:
            raise Duplicate(
                "the recognition was already revoked", "quyết định công nhận đã bị thu hồi"
            )

    def check_indicator(self, catalog: Catalog, indicator: str) -> Indicator:
        try:
            return catalog.indicator(indicator)
        except CatalogError:
            raise InvalidInput(
                f"{indicator} is not an indicator of catalog {catalog.catalog_id}",
                f"{indicator} không phải chỉ tiêu của bộ tiêu chí {catalog.catalog_id}",
                indicator=indicator,
            ) from None

    def check_compiled(self, step: str) -> None:
        if self.compiled is None:
            raise _refuse_order(
                f"{step}: the self-assessment has not been compiled yet",
                f"{step}: chưa tổng hợp kết quả tự đánh giá (mẫu 01, 02)",
            )

    def check_submitted(self, step: str) -> None:
        if self.submitted is None:
            raise _refuse_order(
                f"{step}: the dossier has not been submitted",
                f"{step}: hồ sơ chưa được gửi",
            )

    def check_not_submitted(self, step: str) -> None:
        if self.submitted is not None:
            raise _refuse_order(
                f"{step}: the dossier was already submitted",
                f"{step}: hồ sơ đã được gửi",
            )

    # -- applying ------------------------------------------------------------------
    def apply_event(self, p: Payload) -> None:
        d, t, now = p.data, p.type, p.time
        if t == "IndicatorAssigned":
            self.assignments[d["indicator"]] = d["official_id"]
        elif t == "SelfScoreRecorded":
            self.self_scores[d["indicator"]] = {
                "points": Decimal(d["points"]),
                "input": d["input"],
                "evidence": d["evidence"],
                "signers": list(p.signers),
                "time": now,
            }
        elif t == "SelfAssessmentCompiled":
            self.compiled = {"time": now, **d}
        elif t == "PostingStarted":
            self.postings[d["channel"]] = {
                "start": now,
                "end": None,
                "place": d["place"],
                "drafts_sha256": d["drafts_sha256"],
                "broadcasts": [],
            }
        elif t == "PostingEnded":
            posting = self.postings[d["channel"]]
            posting["end"] = now
            posting["broadcasts"] = list(d.get("broadcasts", []))
        elif t == "CommentReceived":
            self.comments[d["comment_id"]] = {
                "received": now,
                "via": d["via"],
                "text": d["text"],
                "author": d.get("author"),
                "answered": None,
                "accepted": None,
                "answer": None,
            }
        elif t == "CommentAnswered":
            c = self.comments[d["comment_id"]]
            c.update(answered=now, accepted=d["accepted"], answer=d["answer"])
        elif t == "CommuneMeetingHeld":
            self.meeting = {"time": now, **d}
        elif t == "DossierSubmitted":
            self.submitted = {"time": now, **d}
        elif t == "SupplementRequested":
            self.supplements[d["request_id"]] = {
                "requested": now,
                "missing": d["missing"],
                "provided": None,
            }
        elif t == "SupplementProvided":
            self.supplements[d["request_id"]]["provided"] = now
        elif t == "ScoresAppraised":
            self.appraised = {k: Decimal(v) for k, v in d["scores"].items()}
            self.appraised_at = now
        elif t == "DisqualificationRecorded":
            self.disqualifications.append({"time": now, **d})
        elif t == "ComplaintFiled":
            self.complaints[d["complaint_id"]] = {
                "filed": now,
                "summary": d["summary"],
                "resolved": None,
            }
        elif t == "ComplaintResolved":
            c = self.complaints[d["complaint_id"]]
            c.update(resolved=now, upheld=d["upheld"], outcome=d["outcome"])
        elif t == "RecognitionRevoked":
            self.revoked = {"time": now, **d}


EVALUATION_EVENTS = (
    "EvaluationOpened",
    "IndicatorAssigned",
    "SelfScoreRecorded",
    "SelfAssessmentCompiled",
    "PostingStarted",
    "PostingEnded",
    "CommentReceived",
    "CommentAnswered",
    "CommuneMeetingHeld",
    "DossierSubmitted",
    "SupplementRequested",
    "SupplementProvided",
    "ScoresAppraised",
    "DisqualificationRecorded",
    "ComplaintFiled",
    "ComplaintResolved",
    "RecognitionRevoked",
)
