"""Đợt đánh giá (appraisal round): the deciding level's council, appraisal and decision
for one year — a district under Decision 25/2021, a province under Decision 27/2025.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import event

from domain.chain import Chain, chain_id, open_envelope
from domain.errors import Duplicate, OutOfOrder
from domain.payload import Payload


class Round(Chain):
    kind = "round"

    @staticmethod
    def create_id(envelope: str) -> Any:
        _, p = open_envelope(envelope)
        return chain_id("round", p.unit, p.year)

    @event("CouncilFormed")
    def __init__(self, envelope: str) -> None:
        p = self._take(envelope)
        self.unit: str = p.unit
        self.year: int = p.year or 0
        self.council: dict[str, Any] = {"time": p.time, **p.data}
        self.circulations: list[dict[str, Any]] = []
        self.meetings: list[dict[str, Any]] = []
        self.conclusions: list[dict[str, Any]] = []
        self.decision: dict[str, Any] | None = None
        self.publications: list[dict[str, Any]] = []

    def member_role(self, official_id: str | None) -> str | None:
        for m in self.council["members"]:
            if official_id is not None and m.get("official_id") == official_id:
                return str(m["council_role"])
        return None

    @property
    def concluded_units(self) -> set[str]:
        return {u for c in self.conclusions for u in c["units"]}

    @property
    def circulated_units(self) -> set[str]:
        return {u for c in self.circulations for u in c["units"]}

    def circulation_for(self, unit: str) -> dict[str, Any] | None:
        found = [c for c in self.circulations if unit in c["units"]]
        return found[-1] if found else None

    # -- commands ------------------------------------------------------------------
    def record(self, envelope: str, p: Payload) -> None:
        self.check_prev(p)
        t = p.type
        if t == "CouncilFormed":
            raise Duplicate(
                "the council of this round was already formed",
                "Hội đồng đánh giá của đợt này đã được thành lập",
            )
        if t == "CouncilMeetingHeld" and not self.circulations:
            raise OutOfOrder(
                "the council met before any dossier was circulated to it",
                "Hội đồng họp khi chưa có hồ sơ nào được gửi tới",
            )
        if t == "RecognitionDecided":
            if self.decision is not None:
                raise Duplicate("recognition was already decided", "đã có quyết định công nhận")
            unknown = set(p.data["meeting"]) - self.concluded_units
            if unknown:
                raise OutOfOrder(
                    "a decision recognises units whose appraisal was never concluded: "
                    + ", ".join(sorted(unknown)),
                    "quyết định công nhận các đơn vị chưa được Hội đồng thẩm định: "
                    + ", ".join(sorted(unknown)),
                    units=sorted(unknown),
                )
            both = set(p.data["meeting"]) & set(p.data["not_meeting"])
            if both:
                raise OutOfOrder(
                    "a unit cannot be on both lists",
                    "một đơn vị không thể ở cả hai danh sách",
                    units=sorted(both),
                )
        if t == "ResultPublished" and self.decision is None:
            raise OutOfOrder(
                "nothing to publish: no recognition decision yet",
                "chưa có quyết định công nhận để công bố",
            )
        getattr(self, _APPLY[t])(envelope=envelope)

    # -- events ------------------------------------------------------------------
    @event("DossiersCirculated")
    def dossiers_circulated(self, envelope: str) -> None:
        p = self._take(envelope)
        self.circulations.append({"time": p.time, **p.data})

    @event("CouncilMeetingHeld")
    def council_meeting_held(self, envelope: str) -> None:
        p = self._take(envelope)
        self.meetings.append({"time": p.time, **p.data})

    @event("AppraisalConcluded")
    def appraisal_concluded(self, envelope: str) -> None:
        p = self._take(envelope)
        self.conclusions.append({"time": p.time, "signers": list(p.signers), **p.data})

    @event("RecognitionDecided")
    def recognition_decided(self, envelope: str) -> None:
        p = self._take(envelope)
        self.decision = {"time": p.time, "signers": list(p.signers), **p.data}

    @event("ResultPublished")
    def result_published(self, envelope: str) -> None:
        p = self._take(envelope)
        self.publications.append({"time": p.time, **p.data})

    def decided_at(self) -> datetime | None:
        return self.decision["time"] if self.decision else None


_APPLY = {
    "DossiersCirculated": "dossiers_circulated",
    "CouncilMeetingHeld": "council_meeting_held",
    "AppraisalConcluded": "appraisal_concluded",
    "RecognitionDecided": "recognition_decided",
    "ResultPublished": "result_published",
}
