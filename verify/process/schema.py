"""Data schemas of every event type: which chain it belongs to, who may sign it and
what its ``data`` must contain. Checked before anything is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, NoReturn

from verify.refusals import BadEvent

Check = Callable[[Any], bool]
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CODE = re.compile(r"^\d{5}$")
_DEC = re.compile(r"^(0|[1-9]\d{0,3})(\.\d{1,2})?$")


def _text(limit: int) -> Check:
    return lambda v: isinstance(v, str) and 0 < len(v) <= limit


def _is_date(v: Any) -> bool:
    if not isinstance(v, str) or len(v) != 10:
        return False
    try:
        return date.fromisoformat(v).isoformat() == v
    except ValueError:
        return False


def _is_decimal(v: Any) -> bool:
    if not isinstance(v, str) or not _DEC.match(v):
        return False
    try:
        return Decimal(v) >= 0
    except InvalidOperation:
        return False


def _list_of(check: Check, limit: int = 1000, min_len: int = 0) -> Check:
    return lambda v: isinstance(v, list) and min_len <= len(v) <= limit and all(map(check, v))


def _obj(spec: Mapping[str, Check], optional: Mapping[str, Check] | None = None) -> Check:
    required = frozenset(spec)
    allowed = required | frozenset(optional or {})
    checks = tuple(spec.items())
    optional_checks = tuple((optional or {}).items())

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return False
        keys = v.keys()
        if not (required <= keys and keys <= allowed):
            return False
        for k, c in checks:
            if not c(v[k]):
                return False
        return all(c(v[k]) for k, c in optional_checks if k in v)

    return check


TEXT = _text(500)
LONG_TEXT = _text(10_000)
SHA256: Check = lambda v: isinstance(v, str) and bool(_HEX64.match(v))  # noqa: E731
COMMUNE: Check = lambda v: isinstance(v, str) and bool(_CODE.match(v))  # noqa: E731
BOOL: Check = lambda v: isinstance(v, bool)  # noqa: E731
DATE = _is_date
POINTS = _is_decimal
ANY_OBJECT: Check = lambda v: isinstance(v, dict)  # noqa: E731
COUNT: Check = lambda v: type(v) is int and 0 < v < 1_000_000  # noqa: E731
YEAR: Check = lambda v: type(v) is int and 2000 <= v <= 2100  # noqa: E731
URI: Check = lambda v: (  # noqa: E731
    isinstance(v, str) and 0 < len(v) <= 2000 and v.startswith(("https://", "http://"))
)


def one_of(*values: str) -> Check:
    return lambda v: v in values


EVIDENCE = _obj({"sha256": SHA256, "title": TEXT}, {"uri": URI})
DOCUMENT = _obj({"kind": TEXT, "sha256": SHA256}, {"title": TEXT})
ATTENDEE = _obj({"role": TEXT, "name": TEXT})
MEMBER = _obj(
    {"name": TEXT, "position": TEXT, "council_role": one_of("chair", "secretary", "member")},
    {"official_id": TEXT},
)
OPINION = _obj({"member": TEXT, "sha256": SHA256})
CHANNEL = one_of("office", "website", "radio")
BASE64 = _text(65_535)  # base64 DER, bounded by the envelope size; read by the registry
ANCHOR = _obj({"certificate": BASE64, "sha256": SHA256, "subject": _text(4000)})


@dataclass(frozen=True)
class EventSpec:
    name: str
    chain: str  # registry | evaluation | round
    roles: frozenset[str]  # abstract roles; see verify.process.authority
    data: Mapping[str, Check]
    optional: Mapping[str, Check]
    min_signers: int = 1

    @cached_property
    def required(self) -> frozenset[str]:
        return frozenset(self.data)

    @cached_property
    def allowed(self) -> frozenset[str]:
        return self.required | frozenset(self.optional)


def _spec(
    name: str,
    chain: str,
    roles: set[str],
    data: Mapping[str, Check],
    optional: Mapping[str, Check] | None = None,
    min_signers: int = 1,
) -> EventSpec:
    return EventSpec(name, chain, frozenset(roles), data, optional or {}, min_signers)


COMMUNE_ROLES = {"commune_chairman", "commune_official"}
SPECS: dict[str, EventSpec] = {
    s.name: s
    for s in [
        # registry: signed by the deployment's trust root
        _spec(
            "LedgerInitialised",
            "registry",
            {"registrar"},
            {"origin": TEXT, "name": TEXT, "trust_root": _list_of(ANY_OBJECT, 8, 1)},
        ),
        _spec(
            "UnitsRegistered", "registry", {"registrar"}, {"units": _list_of(ANY_OBJECT, 200, 1)}
        ),
        _spec("OfficialEnrolled", "registry", {"registrar"}, {"official": ANY_OBJECT}),
        _spec(
            "KeyRevoked",
            "registry",
            {"registrar"},
            {"key_id": SHA256, "effective": TEXT, "reason": TEXT},
        ),
        _spec(
            "CatalogPublished",
            "registry",
            {"registrar", "catalog_authority"},
            {"catalog": ANY_OBJECT},
        ),
        _spec("CalendarPublished", "registry", {"registrar"}, {"calendar": ANY_OBJECT}),
        # chứng thư số (ADR 0007): a trust anchor of the deployment, a CA's revocation list
        _spec("TrustAnchorAdded", "registry", {"registrar"}, {"anchor": ANCHOR}),
        _spec(
            "RevocationListRecorded",
            "registry",
            {"registrar"},
            {"crl": BASE64, "sha256": SHA256},
        ),
        # đính chính (correction) of a published catalog: a new version for some years
        _spec(
            "CatalogCorrected",
            "registry",
            {"catalog_authority"},
            {
                "catalog_id": TEXT,
                "from_version": COUNT,
                "legal_basis": LONG_TEXT,
                "changes": ANY_OBJECT,
                "years": _list_of(YEAR, 100, 1),
            },
        ),
        # evaluation (one unit, one year): the commune stage
        _spec("EvaluationOpened", "evaluation", {"commune_chairman"}, {"catalog_id": TEXT}),
        _spec(
            "IndicatorAssigned",
            "evaluation",
            {"commune_chairman"},
            {"indicator": TEXT, "official_id": TEXT},
        ),
        _spec(
            "SelfScoreRecorded",
            "evaluation",
            COMMUNE_ROLES,
            {
                "indicator": TEXT,
                "input": ANY_OBJECT,
                "points": POINTS,
                "evidence": _list_of(EVIDENCE, 50),
            },
            {"note": LONG_TEXT},
        ),
        _spec(
            "SelfAssessmentCompiled",
            "evaluation",
            {"commune_chairman"},
            {"report_sha256": SHA256, "summary_sha256": SHA256},
        ),
        _spec(
            "PostingStarted",
            "evaluation",
            COMMUNE_ROLES,
            {"channel": CHANNEL, "place": TEXT, "drafts_sha256": SHA256},
        ),
        _spec(
            "PostingEnded",
            "evaluation",
            COMMUNE_ROLES,
            {"channel": CHANNEL},
            {"broadcasts": _list_of(DATE, 100)},
        ),
        _spec(
            "CommentReceived",
            "evaluation",
            COMMUNE_ROLES | {"public_intake"},  # at the office, or from the unit's public page
            {"comment_id": TEXT, "via": TEXT, "text": LONG_TEXT},
            {"author": TEXT},
        ),
        _spec(
            "CommentAnswered",
            "evaluation",
            COMMUNE_ROLES,
            {"comment_id": TEXT, "accepted": BOOL, "answer": LONG_TEXT},
        ),
        _spec(
            "CommuneMeetingHeld",
            "evaluation",
            {"commune_chairman"},
            {"date": DATE, "chaired_by": TEXT, "attendees": _list_of(ATTENDEE, 200, 1)},
        ),
        _spec(
            "DossierSubmitted",
            "evaluation",
            {"commune_chairman"},
            {"documents": _list_of(DOCUMENT, 50, 1), "requests_recognition": BOOL},
        ),
        _spec(
            "SupplementRequested",
            "evaluation",
            {"justice"},
            {"request_id": TEXT, "missing": _list_of(TEXT, 50, 1)},
        ),
        _spec(
            "SupplementProvided",
            "evaluation",
            {"commune_chairman"},
            {"request_id": TEXT, "documents": _list_of(DOCUMENT, 50, 1)},
        ),
        _spec(
            "ScoresAppraised",
            "evaluation",
            {"council_secretary", "council_chair"},
            {"scores": ANY_OBJECT, "form07_sha256": SHA256},
        ),
        _spec(
            "DisqualificationRecorded",
            "evaluation",
            {"justice", "decider"},
            {
                "person": one_of("party_secretary", "chairman"),
                "ground": one_of("disciplined", "prosecuted"),
                "reference": TEXT,
            },
        ),
        _spec(
            "ComplaintFiled",
            "evaluation",
            {"justice", "decider", "commune_chairman"},
            {"complaint_id": TEXT, "summary": LONG_TEXT},
            {"author": TEXT},
        ),
        _spec(
            "ComplaintResolved",
            "evaluation",
            {"justice", "decider"},
            {"complaint_id": TEXT, "upheld": BOOL, "outcome": LONG_TEXT},
        ),
        _spec(
            "RecognitionRevoked",
            "evaluation",
            {"decider"},
            {"decision_no": TEXT, "reason": LONG_TEXT},
        ),
        # round (the deciding level, one year): council, appraisal, decision
        _spec(
            "CouncilFormed",
            "round",
            {"decider"},
            {"decision_no": TEXT, "members": _list_of(MEMBER, 100, 1)},
        ),
        _spec(
            "DossiersCirculated",
            "round",
            {"justice", "council_secretary"},
            {"units": _list_of(COMMUNE, 2000, 1), "meeting_date": DATE},
        ),
        _spec(
            "CouncilMeetingHeld",
            "round",
            {"council_secretary", "council_chair"},
            {
                "date": DATE,
                "mode": one_of("meeting", "written"),
                "present": _list_of(TEXT, 100),
                "written_opinions": _list_of(OPINION, 100),
            },
        ),
        _spec(
            "AppraisalConcluded",
            "round",
            {"council_chair", "council_secretary"},
            {"units": _list_of(COMMUNE, 2000, 1), "minutes_sha256": SHA256},
            min_signers=2,
        ),
        _spec(
            "RecognitionDecided",
            "round",
            {"decider"},
            {
                "decision_no": TEXT,
                "meeting": _list_of(COMMUNE, 2000),
                "not_meeting": _list_of(COMMUNE, 2000),
            },
        ),
        _spec(
            "ResultPublished",
            "round",
            {"justice", "decider"},
            {"url": URI, "units": _list_of(COMMUNE, 2000, 1)},
        ),
    ]
}


def spec_for(type_: str) -> EventSpec:
    spec = SPECS.get(type_)
    if spec is None:
        raise BadEvent(f"unknown event type {type_!r}", f"loại sự kiện không xác định: {type_!r}")
    return spec


def check_data(spec: EventSpec, data: Mapping[str, Any]) -> None:
    keys = data.keys()
    if not (spec.required <= keys and keys <= spec.allowed):
        missing = spec.required - keys
        extra = keys - spec.allowed
        raise BadEvent(
            f"{spec.name}: missing fields {sorted(missing)}, unexpected fields {sorted(extra)}",
            f"{spec.name}: thiếu trường {sorted(missing)}, trường không hợp lệ {sorted(extra)}",
            missing=sorted(missing),
            unexpected=sorted(extra),
        )
    for name, check in spec.data.items():
        if not check(data[name]):
            _wrong(spec, name)
    for name, check in spec.optional.items():
        if name in data and not check(data[name]):
            _wrong(spec, name)


def _wrong(spec: EventSpec, name: str) -> NoReturn:
    raise BadEvent(
        f"{spec.name}: field {name!r} has a wrong type or value",
        f"{spec.name}: trường {name!r} sai kiểu hoặc giá trị",
        field=name,
    )
