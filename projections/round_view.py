"""The deciding level's round as one unit sees it: council, appraisal, decision, publication."""

from __future__ import annotations

from typing import Any

from projections.format import instant, signer, vn_date
from verify.process.registry import RegistryState as Registry
from verify.process.round import RoundState as Round


def council_view(rnd: Round | None, unit: str) -> dict[str, Any] | None:
    """Hội đồng đánh giá (council): members, papers circulated, meetings, conclusion."""
    if rnd is None:
        return None
    c = rnd.council
    circ = rnd.circulation_for(unit)
    concluded = [x for x in rnd.conclusions if unit in x["units"]]
    return {
        "round_unit": rnd.unit,
        "decision_no": c["decision_no"],
        "formed": instant(c["time"]),
        "members": [
            {"name": m["name"], "position": m["position"], "council_role": m["council_role"]}
            for m in c["members"]
        ],
        "circulated": None
        if circ is None
        else {"at": instant(circ["time"]), "meeting_date": vn_date(circ["meeting_date"])},
        "meetings": [
            {
                "date": vn_date(m["date"]),
                "mode": m["mode"],
                "present": list(m["present"]),
                "written_opinions": [o["member"] for o in m["written_opinions"]],
            }
            for m in rnd.meetings
        ],
        "concluded": None
        if not concluded
        else {
            "at": instant(concluded[-1]["time"]),
            "minutes_sha256": concluded[-1]["minutes_sha256"],
        },
    }


def decision_view(rnd: Round | None, unit: str, reg: Registry | None) -> dict[str, Any] | None:
    """Quyết định công nhận (recognition decision) and which list names the unit."""
    if rnd is None or rnd.decision is None:
        return None
    d = rnd.decision
    listed = (
        "meeting" if unit in d["meeting"] else "not_meeting" if unit in d["not_meeting"] else None
    )
    return {
        "decision_no": d["decision_no"],
        "signed": instant(d["time"]),
        "listed": listed,
        "signers": [signer(reg, k) for k in d.get("signers", [])],
        "counts": {"meeting": len(d["meeting"]), "not_meeting": len(d["not_meeting"])},
    }


def publications_view(rnd: Round | None, unit: str) -> list[dict[str, Any]]:
    if rnd is None:
        return []
    return [
        {"url": p["url"], "at": instant(p["time"])} for p in rnd.publications if unit in p["units"]
    ]
