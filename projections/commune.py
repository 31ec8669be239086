"""The commune stage as the public sees it: posting, comments, meeting, dossier, complaints.

Texts (comments, answers, complaints) are returned exactly as signed, as plain text; the
pages escape them when rendering.
"""

from __future__ import annotations

from typing import Any

from domain.calendar import local_date
from projections.format import instant, vn_date
from verify.process.evaluation import EvaluationState as Evaluation


def postings(ev: Evaluation) -> list[dict[str, Any]]:
    """Niêm yết công khai (public posting), one entry per channel."""
    out = []
    for channel, p in ev.postings.items():
        end = p["end"]
        days = (local_date(end) - local_date(p["start"])).days if end is not None else None
        out.append(
            {
                "channel": channel,
                "place": p["place"],
                "start": instant(p["start"]),
                "end": instant(end),
                "days": days,
                "broadcasts": [vn_date(b) for b in p["broadcasts"]],
                "drafts_sha256": p["drafts_sha256"],
            }
        )
    return out


def comments(ev: Evaluation) -> list[dict[str, Any]]:
    """Ý kiến (comments) and their answers, as the plain text that was signed."""
    return [
        {
            "id": cid,
            "via": c["via"],
            "author": c["author"],
            "text": c["text"],
            "received": instant(c["received"]),
            "answered": instant(c["answered"]),
            "accepted": c["accepted"],
            "answer": c["answer"],
        }
        for cid, c in ev.comments.items()
    ]


def commune_meeting(ev: Evaluation) -> dict[str, Any] | None:
    m = ev.meeting
    if m is None:
        return None
    return {
        "date": vn_date(m["date"]),
        "chaired_by": m["chaired_by"],
        "attendees": [dict(a) for a in m["attendees"]],
    }


def submission(ev: Evaluation) -> dict[str, Any] | None:
    s = ev.submitted
    if s is None:
        return None
    return {
        "at": instant(s["time"]),
        "requests_recognition": s["requests_recognition"],
        "documents": [dict(d) for d in s["documents"]],
    }


def supplements(ev: Evaluation) -> list[dict[str, Any]]:
    return [
        {
            "id": rid,
            "missing": list(s["missing"]),
            "requested": instant(s["requested"]),
            "provided": instant(s["provided"]),
        }
        for rid, s in ev.supplements.items()
    ]


def disqualifications(ev: Evaluation) -> list[dict[str, Any]]:
    return [
        {k: d[k] for k in ("person", "ground", "reference")} | {"at": instant(d["time"])}
        for d in ev.disqualifications
    ]


def complaints(ev: Evaluation) -> list[dict[str, Any]]:
    return [
        {
            "id": cid,
            "summary": c["summary"],
            "filed": instant(c["filed"]),
            "resolved": instant(c["resolved"]),
            "upheld": c.get("upheld"),
            "outcome": c.get("outcome"),
        }
        for cid, c in ev.complaints.items()
    ]
