"""Đợt đánh giá (appraisal round): the deciding level's council, appraisal and decision
for one year — a district under Decision 25/2021, a province under Decision 27/2025.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from verify.process.chain import ChainState
from verify.process.payload import Payload
from verify.refusals import Duplicate, OutOfOrder


class RoundState(ChainState):
    kind = "round"

    def start(self, digest: str, p: Payload) -> None:
        """Apply ``CouncilFormed``, the chain's first envelope."""
        self.start_chain()
        self.unit: str = p.unit
        self.year: int = p.year or 0
        self.council: dict[str, Any] = {"time": p.time, **p.data}
        self.circulations: list[dict[str, Any]] = []
        self.meetings: list[dict[str, Any]] = []
        self.conclusions: list[dict[str, Any]] = []
        self.decision: dict[str, Any] | None = None
        self.publications: list[dict[str, Any]] = []
        super().apply(digest, p)

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

    def decided_at(self) -> datetime | None:
        return self.decision["time"] if self.decision else None

    # -- judging -------------------------------------------------------------------
    def check(self, p: Payload, digest: str | None = None) -> None:
        t = p.type
        if t == "CouncilFormed":
            raise Duplicate(
                "the council of this round was already formed",
                "Hội đồng đánh giá của đợt này đã được thành lập",
            )
        self.check_prev(p, digest)
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

    # -- applying ------------------------------------------------------------------
    def apply_event(self, p: Payload) -> None:
        t, entry = p.type, {"time": p.time, **p.data}
        if t == "DossiersCirculated":
            self.circulations.append(entry)
        elif t == "CouncilMeetingHeld":
            self.meetings.append(entry)
        elif t == "AppraisalConcluded":
            self.conclusions.append({**entry, "signers": list(p.signers)})
        elif t == "RecognitionDecided":
            self.decision = {**entry, "signers": list(p.signers)}
        elif t == "ResultPublished":
            self.publications.append(entry)
