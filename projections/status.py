"""Tình trạng hồ sơ (evaluation status): everything public about one unit's year.

A pure read model over the ledger's aggregates: the evaluation chain, the deciding
level's round (``authority_of(...).round_unit``), the registry and the catalog. It
returns plain JSON-ready dicts; the API serves them and the pages render them.

Stages, in order: ``opened`` → ``scoring`` (indicators assigned or scored) → ``compiled``
(forms 01/02) → ``posted`` (public posting started) → ``submitted`` (dossier sent) →
``appraised`` (council scores) → ``recognised`` | ``not_recognised`` (named on a list
of the decision) → ``revoked``. ``decided`` means a decision was signed for the round
but it names this submitted unit on neither list (itself a finding).
"""

from __future__ import annotations

from typing import Any

from projections.catalog_view import catalog_block, correction_marks
from projections.commune import (
    comments,
    commune_meeting,
    complaints,
    disqualifications,
    postings,
    submission,
    supplements,
)
from projections.fastpath import Chains
from projections.format import instant, signer, vn_date
from projections.round_view import council_view, decision_view, publications_view
from projections.scores import assessment_of, eligibility, score_table, totals
from verify.law.catalog import Catalog
from verify.law.rules import evaluation_findings
from verify.process.authority import authority_of
from verify.process.evaluation import EvaluationState as Evaluation
from verify.process.registry import RegistryState as Registry
from verify.process.round import RoundState as Round
from verify.refusals import NotAllowed

STAGES = (
    "opened",
    "scoring",
    "compiled",
    "posted",
    "submitted",
    "appraised",
    "decided",
    "recognised",
    "not_recognised",
    "revoked",
)


def stage_of(ev: Evaluation, rnd: Round | None) -> str:
    if ev.revoked is not None:
        return "revoked"
    if rnd is not None and rnd.decision is not None:
        if ev.unit in rnd.decision["meeting"]:
            return "recognised"
        if ev.unit in rnd.decision["not_meeting"]:
            return "not_recognised"
        if ev.submitted is not None:
            return "decided"
    if ev.appraised is not None:
        return "appraised"
    if ev.submitted is not None:
        return "submitted"
    if ev.postings:
        return "posted"
    if ev.compiled is not None:
        return "compiled"
    if ev.assignments or ev.self_scores:
        return "scoring"
    return "opened"


def context(
    chains: Chains, unit: str, year: int
) -> tuple[Evaluation, Registry, Catalog, Round | None] | None:
    """The evaluation with its registry, the catalog in force and its round; None if
    there is none."""
    ev = chains.evaluation(unit, year)
    reg = chains.registry()
    if ev is None or reg is None:
        return None
    cat = reg.catalog_for_year(year)
    if cat is None:
        return None
    try:
        round_unit = authority_of(cat, reg, unit, year).round_unit
    except NotAllowed:
        return ev, reg, cat, None
    return ev, reg, cat, chains.round(round_unit, year)


def evaluation_status(chains: Chains, unit: str, year: int) -> dict[str, Any] | None:
    """Tình trạng hồ sơ: stage, scores under the catalog in force (and what a correction
    changed), totals against thresholds, eligibility, findings, key dates, the record."""
    ctx = context(chains, unit, year)
    if ctx is None:
        return None
    ev, reg, cat, rnd = ctx
    u = reg.unit_in(unit, year) or reg.units.get(unit)
    counted = assessment_of(ev, cat)
    return {
        "unit": {
            "code": unit,
            "name": u.name if u else None,
            "kind": u.kind if u else None,
            "district": u.district if u else None,
            "province": u.province if u else None,
        },
        "year": year,
        "catalog": catalog_block(reg, cat, year),
        "stage": stage_of(ev, rnd),
        "criteria": score_table(ev, cat),
        "totals": totals(ev, cat, counted),
        "eligibility": eligibility(ev, cat, counted),
        "correction": correction_marks(reg, ev, cat, year),
        "findings": [f.as_dict() for f in evaluation_findings(ev, rnd, cat, reg.calendar)],
        "dates": key_dates(ev, rnd),
        "postings": postings(ev),
        "comments": comments(ev),
        "commune_meeting": commune_meeting(ev),
        "submission": submission(ev),
        "supplements": supplements(ev),
        "disqualifications": disqualifications(ev),
        "complaints": complaints(ev),
        "council": council_view(rnd, unit),
        "decision": decision_view(rnd, unit, reg),
        "publications": publications_view(rnd, unit),
        "revocation": None
        if ev.revoked is None
        else {
            "decision_no": ev.revoked["decision_no"],
            "reason": ev.revoked["reason"],
            "at": instant(ev.revoked["time"]),
        },
        "timeline": timeline(ev, rnd, reg),
    }


def key_dates(ev: Evaluation, rnd: Round | None) -> dict[str, str | None]:
    starts = [p["start"] for p in ev.postings.values()]
    ends = [p["end"] for p in ev.postings.values() if p["end"] is not None]
    dec = rnd.decision if rnd is not None else None
    pubs = [p["time"] for p in (rnd.publications if rnd else []) if ev.unit in p["units"]]
    return {
        "opened": vn_date(ev.opened_at),
        "compiled": vn_date(ev.compiled["time"]) if ev.compiled else None,
        "posting_started": vn_date(min(starts)) if starts else None,
        "posting_ended": vn_date(max(ends)) if ends else None,
        "commune_meeting": vn_date(ev.meeting["date"]) if ev.meeting else None,
        "submitted": vn_date(ev.submitted["time"]) if ev.submitted else None,
        "appraised": vn_date(ev.appraised_at),
        "council_formed": vn_date(rnd.council["time"]) if rnd else None,
        "decided": vn_date(dec["time"]) if dec else None,
        "published": vn_date(min(pubs)) if pubs else None,
        "revoked": vn_date(ev.revoked["time"]) if ev.revoked else None,
    }


def timeline(ev: Evaluation, rnd: Round | None, reg: Registry) -> list[dict[str, Any]]:
    """Every signed event of the evaluation and of its round, oldest first."""
    entries = [(e["time"], _entry("evaluation", e, reg)) for e in ev.timeline]
    if rnd is not None:
        entries += _round_entries(rnd, reg)
    entries.sort(key=lambda te: te[0])  # stable: the evaluation's first on equal times
    return [entry for _, entry in entries]


def _entry(chain: str, e: dict[str, Any], reg: Registry) -> dict[str, Any]:
    return {
        "chain": chain,
        "type": e["type"],
        "time": instant(e["time"]),
        "signers": [_signer(reg, k) for k in e["signers"]],
        "envelope_hash": e["hash"],
    }


def _signer(reg: Registry, key_id: str) -> dict[str, Any]:
    key = (reg.head, key_id)
    if (found := _SIGNERS.get(key)) is None:
        if len(_SIGNERS) > 1 << 14:
            _SIGNERS.clear()
        found = _SIGNERS[key] = signer(reg, key_id)
    return found


def _round_entries(rnd: Round, reg: Registry) -> list[tuple[Any, dict[str, Any]]]:
    """A round's entries, built once per state of the round and of the registry: a round
    appears in the timeline of every unit it decides (the documents are never mutated)."""
    key = (rnd.head, reg.head)
    if (found := _ROUNDS.get(key)) is None:
        if len(_ROUNDS) > 1 << 12:
            _ROUNDS.clear()
        found = _ROUNDS[key] = [(e["time"], _entry("round", e, reg)) for e in rnd.timeline]
    return found


# (chain head, registry head) -> built entries; heads are envelope hashes, so a key never
# names two different states
_ROUNDS: dict[tuple[str | None, str | None], list[tuple[Any, dict[str, Any]]]] = {}
_SIGNERS: dict[tuple[str | None, str], dict[str, Any]] = {}
