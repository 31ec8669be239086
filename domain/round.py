"""Đợt đánh giá (appraisal round) as an aggregate; its state and checks are
``verify.process.round.RoundState``."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from domain.chain import Chain, open_envelope
from verify.process.round import RoundState


class Round(Chain, RoundState):
    EVENTS = {
        "DossiersCirculated": "dossiers_circulated",
        "CouncilMeetingHeld": "council_meeting_held",
        "AppraisalConcluded": "appraisal_concluded",
        "RecognitionDecided": "recognition_decided",
        "ResultPublished": "result_published",
    }

    @staticmethod
    def create_id(envelope: str) -> Any:
        return Chain.id_for("round", envelope)

    @event("CouncilFormed")
    def __init__(self, envelope: str) -> None:
        self.start(*open_envelope(envelope))

    @event("DossiersCirculated")
    def dossiers_circulated(self, envelope: str) -> None:
        self._applied(envelope)

    @event("CouncilMeetingHeld")
    def council_meeting_held(self, envelope: str) -> None:
        self._applied(envelope)

    @event("AppraisalConcluded")
    def appraisal_concluded(self, envelope: str) -> None:
        self._applied(envelope)

    @event("RecognitionDecided")
    def recognition_decided(self, envelope: str) -> None:
        self._applied(envelope)

    @event("ResultPublished")
    def result_published(self, envelope: str) -> None:
        self._applied(envelope)
