"""Refusals (GUIDE.md §2, §6): what the ledger must not record, on SQLite and PostgreSQL.

Each test submits one bad envelope and checks the specific error class and code, and
that nothing was stored: the log's size and root, the registry's, the evaluation's and
the round's versions are unchanged, and the envelope is not in the log.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import rfc8785

from api.demo import at, sha
from domain.payload import build_payload
from domain.signing import generate, sign_payload
from verify.dsse import MAX_BYTES
from verify.errors import BadSignature, MalformedInput
from verify.process.judge import MAX_ENVELOPE_BYTES
from verify.refusals import (
    BadEvent,
    BrokenChain,
    Duplicate,
    KeyNotValid,
    NotAllowed,
    OutOfOrder,
    UnknownKey,
)

Y = 2023
A, B = "31999", "32002"
T = at(date(Y, 12, 4), 10)


@pytest.fixture
def w(world: Any) -> Any:
    """Commune A's 2023 evaluation opened and every indicator assigned."""
    world.open(A, Y)
    world.assign_all(A, Y)
    return world


def score(w: Any, n: int = 0, *, signer: Any = None, when: datetime = T, prev: Any = None, **kw: Any) -> bytes:
    """A self-score of the n-th indicator, signed by its assignee unless told otherwise."""
    ind = w.catalog(Y).indicators[n]
    s = signer or w.assignee(A, Y, n).signer
    extra = {} if prev is None else {"prev": prev}
    return w.sign([s], "SelfScoreRecorded", A, Y, when, w.score_data(A, Y, ind), **extra, **kw)


def rewrite(envelope: bytes, *, sig: bytes | None = None, payload: bytes | None = None) -> bytes:
    """Re-encode an envelope with another signature or payload, keeping the rest."""
    doc = json.loads(envelope)
    if sig is not None:
        doc["signatures"][0]["sig"] = base64.b64encode(sig).decode()
    if payload is not None:
        doc["payload"] = base64.b64encode(payload).decode()
    return bytes(rfc8785.dumps(doc))


def payload_doc(envelope: bytes) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(json.loads(envelope)["payload"])))


def raw_signed(w: Any, signer: Any, doc: dict[str, Any], canonical: bool = True) -> bytes:
    """Sign payload bytes as given, bypassing build_payload's checks."""
    raw = bytes(rfc8785.dumps(doc)) if canonical else json.dumps(doc, indent=1).encode()
    return sign_payload(raw, [signer])


# -- signatures and keys -----------------------------------------------------------------------
@pytest.mark.parametrize("byte", [0, 17, 31, 63])
def test_signature_with_one_bit_flipped_is_refused_as_bad_signature(w: Any, byte: int) -> None:
    env = score(w)
    sig = bytearray(base64.b64decode(json.loads(env)["signatures"][0]["sig"]))
    sig[byte] ^= 1 << (byte % 8)
    err = w.refuse(rewrite(env, sig=bytes(sig)), BadSignature, "bad_signature", A, Y)
    assert err.evidence["keyid"] == w.assignee(A, Y, 0).signer.key_id


def test_payload_changed_after_signing_is_refused_as_bad_signature(w: Any) -> None:
    env = score(w)
    doc = payload_doc(env)
    doc["data"]["evidence"] = []
    w.refuse(rewrite(env, payload=bytes(rfc8785.dumps(doc))), BadSignature, "bad_signature", A, Y)


def test_envelope_missing_one_of_the_payloads_two_signers_is_refused(w: Any) -> None:
    chair, staff = w.chair(B), w.staff(B)
    payload = build_payload("EvaluationOpened", B, Y, None, [chair.key_id, staff.key_id], T,
                            {"catalog_id": "qd25-2021"})
    err = w.refuse(sign_payload(payload, [chair]), BadEvent, "bad_event", B, Y)
    assert err.evidence["signatures"] == [chair.key_id]
    assert w.ledger.evaluation(B, Y) is None


def test_key_never_enrolled_is_refused_as_unknown(w: Any) -> None:
    stranger = generate()
    err = w.refuse(score(w, signer=stranger), UnknownKey, "unknown_key", A, Y)
    assert err.evidence["key_id"] == stranger.key_id


def test_key_used_after_its_revocation_is_refused(w: Any) -> None:
    staff = w.assignee(A, Y, 0).signer
    w.emit([w.root], "KeyRevoked", "96", None, at(date(Y, 12, 2)),
           {"key_id": staff.key_id, "effective": "2023-12-03T00:00:00Z", "reason": "Mất thiết bị ký"})
    err = w.refuse(score(w, when=at(date(Y, 12, 4))), KeyNotValid, "key_not_valid", A, Y)
    assert err.evidence["key_id"] == staff.key_id


def test_revoked_key_cannot_backdate_an_envelope_to_before_its_revocation(w: Any) -> None:
    """ADR 0004: once a revocation has taken effect the key signs nothing more, whatever
    earlier time an envelope claims (the signer chooses the claimed time)."""
    staff = w.assignee(A, Y, 0).signer
    w.emit([w.root], "KeyRevoked", "96", None, at(date(Y, 12, 3), 10),
           {"key_id": staff.key_id, "effective": "2023-12-03T00:00:00Z", "reason": "Lộ khoá"})
    backdated = score(w, when=at(date(Y, 12, 2)))  # claims a time before the effective date
    err = w.refuse(backdated, KeyNotValid, "key_not_valid", A, Y)
    assert err.evidence["revoked_from"] == "2023-12-03T00:00:00+00:00"


def test_a_key_revoked_twice_is_refused_the_second_time(w: Any) -> None:
    staff = w.assignee(A, Y, 0).signer
    data = {"key_id": staff.key_id, "effective": "2023-12-03T00:00:00Z", "reason": "Lộ khoá"}
    w.emit([w.root], "KeyRevoked", "96", None, at(date(Y, 12, 3), 10), data)
    again = w.sign([w.root], "KeyRevoked", "96", None, at(date(Y, 12, 4), 10), data)
    w.refuse(again, Duplicate, "duplicate")


def test_key_used_after_its_validity_ended_is_refused(w: Any) -> None:
    official = w.assignee(A, Y, 0)
    short = generate()
    doc = {**official.doc(), "key": short.key_doc(), "valid_until": "2023-12-02T00:00:00Z"}
    w.emit([w.root], "OfficialEnrolled", "96", None, at(date(Y, 11, 1)), {"official": doc})
    w.refuse(score(w, signer=short, when=at(date(Y, 12, 4))), KeyNotValid, "key_not_valid", A, Y)


@pytest.mark.parametrize("scope", ["99999", "31998", ""], ids=["unknown", "typo", "empty"])
def test_an_official_scoped_to_no_registered_unit_is_refused(w: Any, scope: str) -> None:
    official = w.assignee(A, Y, 0)
    doc = {**official.doc(), "key": generate().key_doc(), "id": "typo-1", "scope": scope}
    env = w.sign([w.root], "OfficialEnrolled", "96", None, at(date(Y, 11, 1)), {"official": doc})
    err = w.refuse(env, BadEvent, "bad_event")
    assert err.evidence.get("scope", scope) == scope


def test_officials_scoped_to_the_country_or_a_registered_unit_are_enrolled(w: Any) -> None:
    official = w.assignee(A, Y, 0)
    for n, scope in enumerate(("VN", "96", w.district.code, B)):
        doc = {**official.doc(), "key": generate().key_doc(), "id": f"ok-{n}", "scope": scope}
        w.emit([w.root], "OfficialEnrolled", "96", None, at(date(Y, 11, 1)), {"official": doc})


def test_chairman_of_another_commune_is_refused(w: Any) -> None:
    ind = w.catalog(Y).indicators[0]
    env = w.sign([w.chair(B)], "IndicatorAssigned", A, Y, T, {"indicator": ind.id, "official_id": "x"})
    w.refuse(env, NotAllowed, "not_allowed", A, Y)


def test_commune_official_signing_the_dossier_is_refused_for_role(w: Any) -> None:
    env = w.sign([w.staff(A)], "DossierSubmitted", A, Y, at(date(Y + 1, 1, 4)), {
        "documents": [{"kind": "form02", "sha256": sha("x")}], "requests_recognition": True})
    err = w.refuse(env, NotAllowed, "not_allowed", A, Y)
    assert err.evidence["allowed"] == ["commune_chairman"]


def test_self_score_signed_by_someone_other_than_the_assignee_is_refused(w: Any) -> None:
    other = w.assignee(A, Y, 1).signer  # indicator 0 is assigned to cc-1, this is cc-2
    err = w.refuse(score(w, 0, signer=other), NotAllowed, "not_allowed", A, Y)
    assert err.evidence["indicator"] == w.catalog(Y).indicators[0].id


# -- the chain ---------------------------------------------------------------------------------
@pytest.mark.parametrize("prev", ["ab" * 32, None])
def test_envelope_not_naming_the_chains_last_envelope_is_refused_as_broken_chain(w: Any, prev: Any) -> None:
    env = w.sign([w.assignee(A, Y, 0).signer], "SelfScoreRecorded", A, Y, T,
                 w.score_data(A, Y, w.catalog(Y).indicators[0]), prev=prev)
    err = w.refuse(env, BrokenChain, "broken_chain", A, Y)
    assert err.evidence["actual"] == prev


def test_replaying_an_accepted_envelope_is_refused_as_duplicate(w: Any) -> None:
    env = score(w)
    w.submit(env, "SelfScoreRecorded", A, Y)
    w.refuse(env, Duplicate, "duplicate", A, Y)


def test_envelope_of_one_commune_cannot_be_replayed_into_another_chain(w: Any) -> None:
    w.open(B, Y)
    env = w.sign([w.chair(A)], "IndicatorAssigned", A, Y, T, {"indicator": "TC1.1", "official_id": f"{A}-cc-1"})
    w.submit(env, "IndicatorAssigned", A, Y)
    doc = payload_doc(env)
    doc["unit"], doc["prev"] = B, w.b.writer.heads[("evaluation", B, Y)]
    w.refuse(rewrite(env, payload=bytes(rfc8785.dumps(doc))), BadSignature, "bad_signature", B, Y)


# -- impossible order --------------------------------------------------------------------------
def test_decision_recognising_a_unit_never_appraised_is_refused(world: Any) -> None:
    w, d = world, world.district.code
    w.commune_stage(A, Y)
    w.form_council(Y)
    meet = date(Y + 1, 1, 12)
    w.circulate(Y, [A], date(Y + 1, 1, 8), meet)
    w.appraise(A, Y, meet)
    w.conclude(Y, [A], meet)
    env = w.sign([w.dchair()], "RecognitionDecided", d, Y, at(date(Y + 1, 1, 16)),
                 {"decision_no": "1/QĐ", "meeting": [A, B], "not_meeting": []})
    err = w.refuse(env, OutOfOrder, "out_of_order", A, Y)
    assert err.evidence["units"] == [B]


def test_posting_before_the_self_assessment_is_compiled_is_refused(w: Any) -> None:
    env = w.sign([w.staff(A)], "PostingStarted", A, Y, T,
                 {"channel": "office", "place": "Trụ sở", "drafts_sha256": sha("draft")})
    w.refuse(env, OutOfOrder, "out_of_order", A, Y)


@pytest.mark.parametrize("who", ["chair only", "secretary only", "chair and a non-member"])
def test_appraisal_minutes_need_both_the_presiding_person_and_the_secretary(world: Any, who: str) -> None:
    w, d = world, world.district.code
    w.commune_stage(A, Y)
    w.form_council(Y)
    meet = date(Y + 1, 1, 12)
    w.circulate(Y, [A], date(Y + 1, 1, 8), meet)
    w.appraise(A, Y, meet)
    signers = {
        "chair only": [w.dchair()],
        "secretary only": [w.justice()],
        "chair and a non-member": [w.dchair(), w.o(f"{d}-hd-1").signer],
    }[who]
    env = w.sign(signers, "AppraisalConcluded", d, Y, at(meet, 16), {"units": [A], "minutes_sha256": sha("bb")})
    w.refuse(env, NotAllowed, "not_allowed", A, Y)


# -- malformed input ---------------------------------------------------------------------------
@pytest.mark.parametrize("data", [b"", b"{", b'{"payload": "e30=", "payloadType": 1}', b"[]", b"\xff\xfe"])
def test_malformed_envelope_json_is_refused(w: Any, data: bytes) -> None:
    w.refuse(data, MalformedInput, "malformed", A, Y)


def test_payload_that_is_not_canonical_json_is_refused(w: Any) -> None:
    doc = payload_doc(score(w))
    env = raw_signed(w, w.assignee(A, Y, 0).signer, doc, canonical=False)
    w.refuse(env, BadEvent, "bad_event", A, Y)


def test_unknown_event_type_is_refused(w: Any) -> None:
    s = w.chair(A)
    payload = build_payload("ScoresInflated", A, Y, w.b.writer.heads[("evaluation", A, Y)], [s.key_id], T, {})
    w.refuse(sign_payload(payload, [s]), BadEvent, "bad_event", A, Y)


def test_event_missing_a_data_field_is_refused(w: Any) -> None:
    env = w.sign([w.chair(A)], "IndicatorAssigned", A, Y, T, {"indicator": "TC1.1"})
    err = w.refuse(env, BadEvent, "bad_event", A, Y)
    assert err.evidence["missing"] == ["official_id"]


def test_envelope_over_1_mib_is_refused_before_parsing(w: Any) -> None:
    env = w.sign([w.staff(A)], "CommentReceived", A, Y, T,
                 {"comment_id": "YK-1", "via": "thư", "text": "ý kiến " * 150_000})
    assert len(env) > MAX_BYTES
    err = w.refuse(env, MalformedInput, "malformed", A, Y)
    assert err.evidence["size"] == len(env)


def test_envelope_over_64_kib_is_refused_so_every_leaf_fits_an_entry_bundle(w: Any) -> None:
    env = w.sign([w.staff(A)], "CommentReceived", A, Y, T,
                 {"comment_id": "YK-1", "via": "thư", "text": "ý kiến " * 6_000})
    assert MAX_ENVELOPE_BYTES < len(env) < MAX_BYTES
    err = w.refuse(env, MalformedInput, "malformed", A, Y)
    assert err.evidence["size"] == len(env)


def test_signing_time_in_the_future_is_refused(w: Any) -> None:
    future = datetime.now(UTC) + timedelta(days=1)
    w.refuse(score(w, when=future), BadEvent, "bad_event", A, Y)


@pytest.mark.parametrize("time", ["2023-02-30T09:00:00Z", "2023-12-04T09:00:00+07:00", "2023-12-04", "04/12/2023"])
def test_signing_time_that_is_not_a_real_utc_time_is_refused(w: Any, time: str) -> None:
    doc = payload_doc(score(w))
    doc["time"] = time
    w.refuse(raw_signed(w, w.assignee(A, Y, 0).signer, doc), BadEvent, "bad_event", A, Y)


@pytest.mark.parametrize("day", ["2023-02-30", "2023-12-4", "22/12/2023", "2023-13-01"])
def test_data_date_that_is_not_a_real_iso_date_is_refused(w: Any, day: str) -> None:
    chair = w.o(f"{A}-chu-tich")
    env = w.sign([chair.signer], "CommuneMeetingHeld", A, Y, at(date(Y, 12, 22)), {
        "date": day, "chaired_by": chair.name, "attendees": [{"role": "Chủ tịch", "name": chair.name}]})
    err = w.refuse(env, BadEvent, "bad_event", A, Y)
    assert err.evidence["field"] == "date"


# -- a batch: good and bad interleaved ---------------------------------------------------------
def test_batch_stores_exactly_the_good_envelopes_with_gapless_leaf_indexes(w: Any, make_ledger: Any) -> None:
    led = w.ledger
    size0, _ = led.recorder.log_head()
    version0 = led.evaluation(A, Y).version
    head = w.b.writer.heads[("evaluation", A, Y)]
    goods = []
    for n in range(3):
        env = score(w, n, prev=head)
        goods.append(env)
        head = hashlib.sha256(env).hexdigest()
    stranger = score(w, 3, signer=generate(), prev=head)
    broken = score(w, 4, prev="cd" * 32)
    batch = [goods[0], stranger, goods[1], b"{not json", goods[2], broken, goods[0]]
    outcomes = led.submit_many(batch)

    errors = [type(o.error) if o.error else None for o in outcomes]
    assert errors == [None, UnknownKey, None, MalformedInput, None, BrokenChain, Duplicate]
    receipts = [o.receipt for o in outcomes if o.receipt is not None]
    assert [r.index for r in receipts] == [size0, size0 + 1, size0 + 2]
    assert [r.envelope_hash for r in receipts] == [hashlib.sha256(g).hexdigest() for g in goods]
    assert led.recorder.log_head()[0] == size0 + 3
    assert led.recorder.log_leaves(size0, size0 + 10) == goods
    fresh = make_ledger()  # what is really in storage, not in the writer's cache
    assert fresh.recorder.log_head() == led.recorder.log_head()
    assert fresh.evaluation(A, Y).version == version0 + 3
    assert fresh.evaluation(A, Y).head == hashlib.sha256(goods[2]).hexdigest()
