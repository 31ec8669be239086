"""Hồ sơ đánh giá (evaluation): one unit's access-to-law evaluation for one year.

Commands (``record``) check that a step makes sense now and refuse otherwise; the
``@event`` methods only apply the signed facts. Whether the officials kept the law
(deadlines, completeness, thresholds) is judged separately by ``domain.rules``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import event

from domain.catalog import Catalog
from domain.chain import Chain, chain_id, open_envelope
from domain.errors import CatalogError, Duplicate, InvalidInput, NotAllowed, OutOfOrder
from domain.payload import Payload
from domain.scoring import check_points, parse_input


def check_appraised(ind: Any, pts: str) -> None:
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


class Evaluation(Chain):
    kind = "evaluation"

    @staticmethod
    def create_id(envelope: str) -> Any:
        _, p = open_envelope(envelope)
        return chain_id("evaluation", p.unit, p.year)

    @event("EvaluationOpened")
    def __init__(self, envelope: str) -> None:
        p = self._take(envelope)
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

    # -- commands ------------------------------------------------------------------
    def record(
        self, envelope: str, p: Payload, catalog: Catalog, signer_official: str | None
    ) -> None:
        """Check that ``p`` makes sense now, then apply it. Raises a Refused subclass."""
        self.check_prev(p)
        d = p.data
        t = p.type
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
            scores = d["scores"]
            for ind_id, pts in scores.items():
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
        getattr(self, _APPLY[t])(envelope=envelope)

    def check_indicator(self, catalog: Catalog, indicator: str) -> Any:
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

    # -- events: apply only --------------------------------------------------------
    @event("IndicatorAssigned")
    def indicator_assigned(self, envelope: str) -> None:
        p = self._take(envelope)
        self.assignments[p.data["indicator"]] = p.data["official_id"]

    @event("SelfScoreRecorded")
    def self_score_recorded(self, envelope: str) -> None:
        p = self._take(envelope)
        d = p.data
        self.self_scores[d["indicator"]] = {
            "points": Decimal(d["points"]),
            "input": d["input"],
            "evidence": d["evidence"],
            "signers": list(p.signers),
            "time": p.time,
        }

    @event("SelfAssessmentCompiled")
    def self_assessment_compiled(self, envelope: str) -> None:
        p = self._take(envelope)
        self.compiled = {"time": p.time, **p.data}

    @event("PostingStarted")
    def posting_started(self, envelope: str) -> None:
        p = self._take(envelope)
        self.postings[p.data["channel"]] = {
            "start": p.time,
            "end": None,
            "place": p.data["place"],
            "drafts_sha256": p.data["drafts_sha256"],
            "broadcasts": [],
        }

    @event("PostingEnded")
    def posting_ended(self, envelope: str) -> None:
        p = self._take(envelope)
        posting = self.postings[p.data["channel"]]
        posting["end"] = p.time
        posting["broadcasts"] = list(p.data.get("broadcasts", []))

    @event("CommentReceived")
    def comment_received(self, envelope: str) -> None:
        p = self._take(envelope)
        self.comments[p.data["comment_id"]] = {
            "received": p.time,
            "via": p.data["via"],
            "text": p.data["text"],
            "author": p.data.get("author"),
            "answered": None,
            "accepted": None,
            "answer": None,
        }

    @event("CommentAnswered")
    def comment_answered(self, envelope: str) -> None:
        p = self._take(envelope)
        c = self.comments[p.data["comment_id"]]
        c.update(answered=p.time, accepted=p.data["accepted"], answer=p.data["answer"])

    @event("CommuneMeetingHeld")
    def commune_meeting_held(self, envelope: str) -> None:
        p = self._take(envelope)
        self.meeting = {"time": p.time, **p.data}

    @event("DossierSubmitted")
    def dossier_submitted(self, envelope: str) -> None:
        p = self._take(envelope)
        self.submitted = {"time": p.time, **p.data}

    @event("SupplementRequested")
    def supplement_requested(self, envelope: str) -> None:
        p = self._take(envelope)
        self.supplements[p.data["request_id"]] = {
            "requested": p.time,
            "missing": p.data["missing"],
            "provided": None,
        }

    @event("SupplementProvided")
    def supplement_provided(self, envelope: str) -> None:
        p = self._take(envelope)
        self.supplements[p.data["request_id"]]["provided"] = p.time

    @event("ScoresAppraised")
    def scores_appraised(self, envelope: str) -> None:
        p = self._take(envelope)
        self.appraised = {k: Decimal(v) for k, v in p.data["scores"].items()}
        self.appraised_at = p.time

    @event("DisqualificationRecorded")
    def disqualification_recorded(self, envelope: str) -> None:
        p = self._take(envelope)
        self.disqualifications.append({"time": p.time, **p.data})

    @event("ComplaintFiled")
    def complaint_filed(self, envelope: str) -> None:
        p = self._take(envelope)
        self.complaints[p.data["complaint_id"]] = {
            "filed": p.time,
            "summary": p.data["summary"],
            "resolved": None,
        }

    @event("ComplaintResolved")
    def complaint_resolved(self, envelope: str) -> None:
        p = self._take(envelope)
        c = self.complaints[p.data["complaint_id"]]
        c.update(resolved=p.time, upheld=p.data["upheld"], outcome=p.data["outcome"])

    @event("RecognitionRevoked")
    def recognition_revoked(self, envelope: str) -> None:
        p = self._take(envelope)
        self.revoked = {"time": p.time, **p.data}

    @property
    def disqualified(self) -> bool:
        return bool(self.disqualifications)


_APPLY = {
    "IndicatorAssigned": "indicator_assigned",
    "SelfScoreRecorded": "self_score_recorded",
    "SelfAssessmentCompiled": "self_assessment_compiled",
    "PostingStarted": "posting_started",
    "PostingEnded": "posting_ended",
    "CommentReceived": "comment_received",
    "CommentAnswered": "comment_answered",
    "CommuneMeetingHeld": "commune_meeting_held",
    "DossierSubmitted": "dossier_submitted",
    "SupplementRequested": "supplement_requested",
    "SupplementProvided": "supplement_provided",
    "ScoresAppraised": "scores_appraised",
    "DisqualificationRecorded": "disqualification_recorded",
    "ComplaintFiled": "complaint_filed",
    "ComplaintResolved": "complaint_resolved",
    "RecognitionRevoked": "recognition_revoked",
}
