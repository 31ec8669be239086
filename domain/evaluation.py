"""Hồ sơ đánh giá (evaluation) as an aggregate; its state and checks are
``verify.process.evaluation.EvaluationState``."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.chain import Chain, envelope_hash, open_envelope
from verify.process.evaluation import EvaluationState


class Evaluation(Chain, EvaluationState):
    EVENTS = {
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
    WITH_DIGEST = frozenset({"SelfScoreRecorded"})

    @staticmethod
    def create_id(envelope: str) -> Any:
        return Chain.id_for("evaluation", envelope)

    @event("EvaluationOpened")
    def __init__(self, envelope: str) -> None:
        self.start(*open_envelope(envelope))

    @event("IndicatorAssigned")
    def indicator_assigned(self, envelope: str) -> None:
        self._applied(envelope)

    class SelfScoreRecorded(Chain.Event):
        """Stored form, version 2: the envelope and its SHA-256 (``digest``), so loading an
        evaluation does not hash its 20-odd score envelopes again. Version 1 stored only
        the envelope; ``upcast_v1_v2`` computes the digest from it."""

        class_version = 2
        envelope: str
        digest: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["digest"] = envelope_hash(state["envelope"])

    @event(SelfScoreRecorded)
    def self_score_recorded(self, envelope: str, digest: str) -> None:
        self.apply(digest, open_envelope(envelope)[1])

    @event("SelfAssessmentCompiled")
    def self_assessment_compiled(self, envelope: str) -> None:
        self._applied(envelope)

    @event("PostingStarted")
    def posting_started(self, envelope: str) -> None:
        self._applied(envelope)

    @event("PostingEnded")
    def posting_ended(self, envelope: str) -> None:
        self._applied(envelope)

    @event("CommentReceived")
    def comment_received(self, envelope: str) -> None:
        self._applied(envelope)

    @event("CommentAnswered")
    def comment_answered(self, envelope: str) -> None:
        self._applied(envelope)

    @event("CommuneMeetingHeld")
    def commune_meeting_held(self, envelope: str) -> None:
        self._applied(envelope)

    @event("DossierSubmitted")
    def dossier_submitted(self, envelope: str) -> None:
        self._applied(envelope)

    @event("SupplementRequested")
    def supplement_requested(self, envelope: str) -> None:
        self._applied(envelope)

    @event("SupplementProvided")
    def supplement_provided(self, envelope: str) -> None:
        self._applied(envelope)

    @event("ScoresAppraised")
    def scores_appraised(self, envelope: str) -> None:
        self._applied(envelope)

    @event("DisqualificationRecorded")
    def disqualification_recorded(self, envelope: str) -> None:
        self._applied(envelope)

    @event("ComplaintFiled")
    def complaint_filed(self, envelope: str) -> None:
        self._applied(envelope)

    @event("ComplaintResolved")
    def complaint_resolved(self, envelope: str) -> None:
        self._applied(envelope)

    @event("RecognitionRevoked")
    def recognition_revoked(self, envelope: str) -> None:
        self._applied(envelope)
