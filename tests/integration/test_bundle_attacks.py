"""The attack suite: named tampered or forged bundles, each refused with its specific error.

The base is a lawful 2022 of two communes (A, B) of district 964 on a real SQLite ledger.
Tampering edits an exported bundle; forging builds a log the ledger itself would never
have written (``bundlekit.MemLedger``: a subverted server) and exports it faithfully, so
the verifier must catch what the ledger's judge should have refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from bundlekit import (
    OTHER_SKEY,
    MemLedger,
    checkpoint_note,
    envelope_lines,
    envelope_of,
    export,
    find,
    lines,
    payload_of,
    record,
    replace_envelope,
    stored_envelopes,
    verify,
)

from api.bundle import LOG_SCOPE, province_scope, unit_scope
from api.config import storage_env
from api.demo import DemoBuilder, at
from domain.ledger import Ledger
from domain.signing import generate
from verify.bundle.format import checkpoint_line, end_line
from verify.bundle.steps import Result
from verify.dsse import Signature, encode_envelope, parse_envelope

Y = 2022
A, B = "31999", "32002"


def _root_conftest(config: pytest.Config) -> Any:
    """tests/conftest.py as pytest loaded it (tests/e2e/conftest.py may own the name)."""
    want = Path(__file__).resolve().parents[1] / "conftest.py"
    for mod in config.pluginmanager.get_plugins():
        f = getattr(mod, "__file__", None)
        if f and Path(f).resolve() == want:
            return mod
    raise RuntimeError("tests/conftest.py is not loaded")


World = Any


@dataclass
class Base:
    world: World
    unit: bytes  # A's unit-year bundle
    log: bytes  # the whole log
    province: bytes


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Base:
    path = tmp_path_factory.mktemp("attacks") / "t.db"
    ledger = Ledger(storage_env(f"sqlite:///{path}"), scope="96")
    builder = DemoBuilder(ledger, "96")
    districts, communes = builder.setup(limit=8)
    builder.flush()
    w = _root_conftest(pytestconfig).World(ledger, builder, districts, communes)
    w.commune_stage(A, Y)
    w.commune_stage(B, Y)
    w.round_stage(Y, [A, B])
    return Base(w, export(ledger, unit_scope(A, Y)), export(ledger, LOG_SCOPE),
                export(ledger, province_scope("96", Y)))  # fmt: skip


def check(r: Result, code: str, *, first: bool = True) -> dict[str, Any]:
    """Integrity failure (exit 1) with ``code``; returns that failure."""
    assert r.exit_code == 1, r.as_dict()["steps"]
    codes = r.failure_codes()
    assert code in codes, codes
    if first:
        assert codes[0] == code, codes
    return next(f for s in r.steps.values() for f in s.failures if f["code"] == code)


def join(ls: list[bytes]) -> bytes:
    return b"".join(ls)


def fix_trailer(ls: list[bytes]) -> list[bytes]:
    """What a careful attacker does after adding or removing envelopes."""
    n = sum(1 for x in ls if x.startswith(b'{"envelope":'))
    g = sum(1 for x in ls if x.startswith(b'{"record":"group"'))
    return [*ls[:-1], end_line(n, g)]


# -- one bit flipped in every field of an envelope in turn ---------------------------------
def _flip(data: bytes, i: int, bit: int = 0) -> bytes:
    b = bytearray(data)
    b[i] ^= 1 << bit
    return bytes(b)


def _variants(raw: bytes) -> list[tuple[str, bytes, str]]:
    """(field, tampered envelope, expected code) for positions across every field."""
    env = parse_envelope(raw)
    out = []
    for i in (0, len(env.payload) // 2, len(env.payload) - 1):
        for bit in (0, 5):
            payload = _flip(env.payload, i, bit)
            out.append((f"payload[{i}]^{bit}", encode_envelope(env.payload_type, payload, env.signatures), "bad_signature"))
    for i in (0, 11, len(env.payload_type) - 1):
        ptype = _flip(env.payload_type.encode(), i).decode()
        out.append((f"payloadType[{i}]", encode_envelope(ptype, env.payload, env.signatures), "malformed"))
    s = env.signatures[0]
    for i in (0, 16, 31):
        kid = _flip(bytes.fromhex(s.keyid), i, 3).hex()
        out.append((f"keyid[{i}]", encode_envelope(env.payload_type, env.payload, [Signature(kid, s.sig)]), "unknown_key"))
    for i in (0, 32, len(s.sig) - 1):
        sig = _flip(s.sig, i, 7)
        out.append((f"sig[{i}]", encode_envelope(env.payload_type, env.payload, [Signature(s.keyid, sig)]), "bad_signature"))
    return out  # fmt: skip


@pytest.mark.parametrize("complete", [False, True], ids=["unit-bundle", "whole-log"])
def test_one_bit_flipped_in_every_field_of_an_envelope_is_refused_with_its_error(
    base: Base, tmp_path: Path, complete: bool
) -> None:
    data = base.log if complete else base.unit
    ls = lines(data)
    at_line = find(data, "SelfScoreRecorded", 3)
    for field, tampered, code in _variants(envelope_of(ls[at_line])):
        ls2 = list(ls)
        ls2[at_line] = replace_envelope(ls[at_line], tampered)
        r = verify(join(ls2), tmp_path)
        f = check(r, code)
        assert f["evidence"]["position"] == record(ls[at_line])["index"], field
        inclusion = "root_mismatch" if complete else "not_included"
        assert inclusion in r.failure_codes(), (field, r.failure_codes())


@pytest.mark.parametrize("complete", [False, True], ids=["unit-bundle", "whole-log"])
def test_bit_flipped_in_a_registry_envelopes_payload_is_a_bad_signature_too(
    base: Base, tmp_path: Path, complete: bool
) -> None:
    """The registry section is judged in the main process, payload first: a flip that
    leaves no readable JSON must still be named for what it is, with its leaf position."""
    data = base.log if complete else base.unit
    ls = lines(data)
    at_line = find(data, "OfficialEnrolled", 2)
    for field, tampered, code in _variants(envelope_of(ls[at_line])):
        if not field.startswith("payload["):
            continue
        ls2 = list(ls)
        ls2[at_line] = replace_envelope(ls[at_line], tampered)
        r = verify(join(ls2), tmp_path)
        f = check(r, code)
        assert code == "bad_signature" and f["evidence"]["position"] == record(ls[at_line])["index"], field
        st = r.as_dict()["stats"]  # the registry's later envelopes: skipped, and unchecked
        assert st["skipped_after_break"] > st["skipped_signatures_checked"], st


@pytest.mark.parametrize("jobs", [0, 2], ids=["inline", "workers"])
def test_envelopes_after_a_break_still_have_their_signatures_checked(
    base: Base, tmp_path: Path, jobs: int
) -> None:
    """A broken chain stops its judging, not the checks that do not depend on the chain:
    a second tampered envelope later in the same chain is reported too, and the report
    says how many envelopes were not judged."""
    ls = lines(base.unit)
    first, later, intact = (find(base.unit, "SelfScoreRecorded", n) for n in (3, 6, 7))
    ls2 = list(ls)
    for at_line in (first, later):
        env = parse_envelope(envelope_of(ls[at_line]))
        payload = _flip(env.payload, len(env.payload) // 2)
        ls2[at_line] = replace_envelope(ls[at_line], encode_envelope(env.payload_type, payload, env.signatures))
    r = verify(join(ls2), tmp_path, jobs=jobs)
    bad = [f["evidence"]["position"] for f in r.steps[2].failures if f["code"] == "bad_signature"]
    assert bad == [record(ls[first])["index"], record(ls[later])["index"]]
    skipped = r.as_dict()["stats"]["skipped_after_break"]
    assert skipped >= 2  # ``later``, ``intact`` and whatever else follows in the chain
    assert r.as_dict()["stats"]["skipped_signatures_checked"] == skipped  # all in groups
    assert [n.code for n in r.steps[4].notes if n.code == "skipped_after_break"] == ["skipped_after_break"]
    untouched = verify(base.unit, tmp_path, jobs=jobs)
    # every signature is counted once: checked, or failed
    assert r.steps[2].checked + r.steps[2].failure_count == untouched.steps[2].checked
    # and the signatures stat counts every verified one: not the two tampered, nor those
    # of envelopes the judge refused after the break (their chain state was gone)
    line_of = {record(ls[i])["index"]: i for i in envelope_lines(base.unit)}
    refused = [line_of[f["evidence"]["position"]] for n in (3, 4) for f in r.steps[n].failures]
    not_counted = sum(len(parse_envelope(envelope_of(ls[i])).signatures) for i in (first, later, *refused))
    assert r.as_dict()["stats"]["signatures"] == untouched.as_dict()["stats"]["signatures"] - not_counted
    assert record(ls[intact])["index"] > record(ls[later])["index"]


def test_bit_flip_in_the_leaf_index_or_the_inclusion_proof_is_not_included(base: Base, tmp_path: Path) -> None:
    ls = lines(base.unit)
    i = find(base.unit, "SelfScoreRecorded", 3)
    doc = record(ls[i])
    doc["proof"][0] = base64.b64encode(_flip(base64.b64decode(doc["proof"][0]), 5)).decode()
    ls2 = list(ls)
    ls2[i] = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode() + b"\n"
    f = check(verify(join(ls2), tmp_path), "not_included")
    assert f["evidence"]["position"] == doc["index"] and "actual_root" in f["evidence"]
    doc = record(ls[i])
    doc["index"] ^= 1 << 12  # far from every other index of the bundle
    ls2[i] = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode() + b"\n"
    check(verify(join(ls2), tmp_path), "not_included")


# -- dropped, reordered, inserted, truncated ---------------------------------------------------
def test_event_dropped_from_a_chain_is_a_broken_chain(base: Base, tmp_path: Path) -> None:
    ls = lines(base.unit)
    gone = find(base.unit, "SelfScoreRecorded", 4)
    dropped_hash = hashlib.sha256(envelope_of(ls[gone])).hexdigest()
    f = check(verify(join(fix_trailer(ls[:gone] + ls[gone + 1 :])), tmp_path), "broken_chain")
    assert f["evidence"]["actual"] == dropped_hash  # the next envelope names the missing one
    assert f["evidence"]["expected"] != dropped_hash


def test_event_dropped_from_a_whole_log_bundle_is_also_missing_from_the_log(base: Base, tmp_path: Path) -> None:
    ls = lines(base.log)
    gone = find(base.log, "SelfScoreRecorded", 4)
    r = verify(join(fix_trailer(ls[:gone] + ls[gone + 1 :])), tmp_path)
    check(r, "broken_chain")
    f = check(r, "log_incomplete", first=False)
    assert f["evidence"] == {"missing": 1, "first_missing": record(ls[gone])["index"]}


def test_two_events_reordered_are_out_of_log_order_and_break_the_chain(base: Base, tmp_path: Path) -> None:
    ls = lines(base.unit)
    i = find(base.unit, "SelfScoreRecorded", 2)
    ls2 = list(ls)
    ls2[i], ls2[i + 1] = ls[i + 1], ls[i]
    r = verify(join(ls2), tmp_path)
    f = check(r, "out_of_log_order")
    assert f["evidence"]["position"] == record(ls[i])["index"]
    check(r, "broken_chain", first=False)


def test_forged_event_inserted_is_not_included_in_the_log(base: Base, tmp_path: Path) -> None:
    w = base.world
    ls = lines(base.unit)
    i = find(base.unit, "PostingEnded")
    prev = hashlib.sha256(envelope_of(ls[i])).hexdigest()
    forged = w.sign([w.staff(A)], "CommentReceived", A, Y, at(date(Y, 12, 21)),
                    {"comment_id": "YK-99", "via": "thư", "text": "Giả mạo."}, prev=prev)  # fmt: skip
    size = json.loads(ls[0])["log_size"]
    line = replace_envelope(ls[i], forged).replace(
        b'"index":%d' % record(ls[i])["index"], b'"index":%d' % (size - 1)
    )
    r = verify(join(fix_trailer([*ls[: i + 1], line, *ls[i + 1 :]])), tmp_path)
    f = check(r, "not_included", first=False)
    assert f["evidence"]["envelope"] == hashlib.sha256(forged).hexdigest()
    check(r, "broken_chain", first=False)  # the real next event no longer follows


@pytest.mark.parametrize("cut", ["mid-line", "at-a-line-end", "trailer-only"])
def test_truncated_bundle_is_refused(base: Base, tmp_path: Path, cut: str) -> None:
    data = base.unit
    if cut == "mid-line":
        data = data[: len(data) // 2]
    elif cut == "at-a-line-end":
        data = join(lines(data)[: len(lines(data)) // 2])
    else:
        data = join(lines(data)[:-1])
    check(verify(data, tmp_path), "bundle_truncated")


# -- checkpoints --------------------------------------------------------------------------------
def test_forked_checkpoint_is_refused(base: Base, tmp_path: Path) -> None:
    ls = lines(base.unit)
    size = json.loads(ls[0])["log_size"]
    fork = checkpoint_note(size, hashlib.sha256(b"another history").digest())
    r = verify(join([ls[0], ls[1], checkpoint_line(fork), *ls[2:]]), tmp_path)
    f = check(r, "checkpoint_fork")
    assert f["evidence"]["size"] == size and f["evidence"]["actual_root"] != f["evidence"]["expected_root"]


def test_older_checkpoint_that_is_not_a_prefix_is_inconsistent(base: Base, tmp_path: Path) -> None:
    """The exporter refuses such a checkpoint; an attacker adds it to the bundle by hand."""
    from verify.bundle.format import consistency_line
    from verify.merkle import assemble, consistency_plan, plan_nodes

    rec = base.world.ledger.recorder
    size, _ = rec.log_head()
    old = checkpoint_note(size - 5, hashlib.sha256(b"rewritten").digest())
    plan = consistency_plan(size - 5, size)
    proof = assemble(plan, rec.log_nodes(list(plan_nodes(plan))))
    for data, extra in ((base.log, [checkpoint_line(old)]),
                        (base.unit, [checkpoint_line(old), consistency_line(size - 5, proof)])):  # fmt: skip
        ls = lines(data)
        check(verify(join([*ls[:2], *extra, *ls[2:]]), tmp_path), "inconsistent_checkpoints")


def test_wrong_log_key_is_refused(base: Base, tmp_path: Path) -> None:
    from verify.note import parse_verifier_key, verifier_key_of

    r = verify(base.unit, tmp_path, pinned=False, log_keys=[parse_verifier_key(verifier_key_of(OTHER_SKEY))])
    f = check(r, "checkpoint_not_signed")
    assert f["evidence"]["expected_keys"]


def test_checkpoint_signed_by_another_key_of_the_same_name_is_refused(base: Base, tmp_path: Path) -> None:
    note = checkpoint_note(*base.world.ledger.recorder.log_head(), key=OTHER_SKEY)
    check(verify(export(base.world.ledger, unit_scope(A, Y), note=note), tmp_path), "checkpoint_not_signed")


def test_checkpoint_without_the_required_cosignatures_is_refused(base: Base, tmp_path: Path) -> None:
    note = checkpoint_note(*base.world.ledger.recorder.log_head(), witnesses=(2,))
    r = verify(export(base.world.ledger, unit_scope(A, Y), note=note), tmp_path, policy=True)
    f = check(r, "policy_not_met")
    assert f["evidence"]["cosigned_by"] == ["w3"]


def test_cosignature_that_does_not_verify_is_refused(base: Base, tmp_path: Path) -> None:
    note = checkpoint_note(*base.world.ledger.recorder.log_head())
    last = note.rstrip("\n").split("\n")[-1]
    name, sig = last[2:].split(" ")
    raw = bytearray(base64.b64decode(sig))
    raw[-1] ^= 1
    bad = note.replace(last, f"— {name} {base64.b64encode(bytes(raw)).decode()}")
    r = verify(export(base.world.ledger, unit_scope(A, Y), note=bad), tmp_path, policy=True)
    check(r, "bad_note")


# -- forged logs: what a subverted ledger might have accepted -------------------------------------
def _forged(base: Base, extra: list[bytes], scope: Any = None) -> bytes:
    led = MemLedger([*stored_envelopes(base.world.ledger), *extra])
    return export(led, scope or unit_scope(A, Y))


def _comment(w: World, signer: Any, day: date, cid: str = "YK-88") -> bytes:
    return w.sign([signer], "CommentReceived", A, Y, at(day),
                  {"comment_id": cid, "via": "thư", "text": "Ý kiến sau khi gửi hồ sơ."})  # fmt: skip


def test_signature_by_a_revoked_key_is_refused(base: Base, tmp_path: Path) -> None:
    w = base.world
    staff = w.o(f"{A}-cc-1").signer
    revoked = w.sign([w.root], "KeyRevoked", "96", None, at(date(Y + 1, 3, 1)),
                     {"key_id": staff.key_id, "effective": "2023-03-01T00:00:00Z", "reason": "mất khoá"})  # fmt: skip
    f = check(verify(_forged(base, [revoked, _comment(w, staff, date(Y + 1, 3, 2))]), tmp_path), "key_not_valid")
    assert f["evidence"]["key_id"] == staff.key_id and f["evidence"]["revoked_from"]


def test_signature_by_a_valid_key_of_another_unit_is_refused(base: Base, tmp_path: Path) -> None:
    w = base.world
    other = w.staff(B)
    f = check(verify(_forged(base, [_comment(w, other, date(Y + 1, 3, 2))]), tmp_path), "not_allowed")
    assert f["evidence"]["key_id"] == other.key_id


def test_signature_by_an_unenrolled_key_is_refused(base: Base, tmp_path: Path) -> None:
    stranger = generate()
    f = check(verify(_forged(base, [_comment(base.world, stranger, date(Y + 1, 3, 2))]), tmp_path), "unknown_key")
    assert f["evidence"]["keyid"] == stranger.key_id


def test_event_replayed_from_another_units_evaluation_into_the_log_is_a_duplicate(base: Base, tmp_path: Path) -> None:
    copy = next(e for e in stored_envelopes(base.world.ledger)
                if b"SelfScoreRecorded" in parse_envelope(e).payload and B.encode() in parse_envelope(e).payload)  # fmt: skip
    f = check(verify(_forged(base, [copy], province_scope("96", Y)), tmp_path), "duplicate")
    assert f["evidence"]["envelope_hash"] == hashlib.sha256(copy).hexdigest()


def test_event_of_another_unit_spliced_into_a_unit_bundle_is_in_the_wrong_group(base: Base, tmp_path: Path) -> None:
    prov = lines(base.province)
    theirs = next(x for x in (prov[i] for i in envelope_lines(base.province))
                  if payload_of(x)["unit"] == B and payload_of(x)["type"] == "SelfScoreRecorded")  # fmt: skip
    ls = lines(base.unit)
    last = max(envelope_lines(base.unit))
    spliced = fix_trailer([*ls[: last + 1], theirs, *ls[last + 1 :]])
    r = verify(join(spliced), tmp_path)
    f = check(r, "wrong_group", first=False)
    assert f["evidence"]["unit"] == B


# -- input that is not a bundle ------------------------------------------------------------------------
@pytest.mark.parametrize("data", [b"", b"\x00\xff" * 100, b"{}\n", b"not json\n",
                                  b'{"format":"minhbach-audit-bundle","version":2}\n'])  # fmt: skip
def test_input_that_is_not_a_bundle_is_unusable(tmp_path: Path, data: bytes) -> None:
    r = verify(data, tmp_path)
    assert r.exit_code == 2 and r.unusable is not None


def test_random_garbage_after_a_valid_header_is_an_integrity_failure_without_a_traceback(
    base: Base, tmp_path: Path
) -> None:
    import subprocess
    import sys

    ls = lines(base.unit)
    path = tmp_path / "g.jsonl"
    for junk in (b"\x00garbage\n", b'{"record":"group","round":1}\n', b"[" * 5000 + b"\n"):
        path.write_bytes(join([*ls[:3], junk, *ls[3:]]))
        r = subprocess.run([sys.executable, "-m", "verify", str(path)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "Traceback" not in r.stderr + r.stdout
