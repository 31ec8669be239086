"""Witness policies (C2SP tlog-policy): parsing, quorums, and checking a checkpoint note."""

from __future__ import annotations

import pytest

from verify.bundle.errors import Unusable
from verify.checkpoint import Checkpoint, format_checkpoint
from verify.errors import NoteError
from verify.note import (
    add_signatures,
    cosign,
    cosignature_vkey,
    make_cosigner_key,
    make_signer_key,
    sign_note,
    verifier_key_of,
)
from verify.witnesspolicy import check, parse_policy

LOG_SKEY = make_signer_key("log.example", b"\x01" * 32)
LOG = verifier_key_of(LOG_SKEY)
W_SKEYS = [make_cosigner_key(f"w{i}.example", bytes([i]) * 32) for i in range(1, 5)]
W = [cosignature_vkey(k) for k in W_SKEYS]
LOG_AGAIN = verifier_key_of(make_signer_key("other", b"\x01" * 32))  # same key, other name
W_AGAIN = cosignature_vkey(make_cosigner_key("x", b"\x01" * 32))


def test_nested_groups_make_the_quorum() -> None:
    p = parse_policy(f"""# two of X and one of Y
log {LOG} https://log.example
witness X1 {W[0]}
witness X2 {W[1]}
\twitness\tY1 {W[2]}   https://w3.example/
witness Y2 {W[3]}
   # an indented comment
group X 2 X1 X2
group Y any Y1 Y2
group XY all X Y
quorum XY
""")
    assert [v.name for v in p.logs] == ["log.example"]
    assert p.log_urls == {"log.example": "https://log.example"}
    assert p.witness_urls == {"Y1": "https://w3.example/"}
    assert p.satisfied({"X1", "X2", "Y2"})
    assert not p.satisfied({"X1", "Y1", "Y2"})
    assert not p.satisfied({"X1", "X2"})
    assert p.describe() == "2/2 (2/2 (X1, X2), 1/2 (Y1, Y2))"


def test_quorum_none_needs_no_cosignature() -> None:
    assert parse_policy(f"log {LOG}\nquorum none\n").satisfied(set())


def test_only_the_quorum_is_mandatory() -> None:
    p = parse_policy(f"witness w1 {W[0]}\nquorum w1")  # no log line, no final newline
    assert p.logs == [] and p.satisfied({"w1"}) and not p.satisfied(set())


def test_names_are_opaque_octets() -> None:
    p = parse_policy(
        f"witness K {W[0]}\nwitness \u212a {W[1]}\ngroup g all K \u212a\nquorum g\n".encode()
    )
    assert len(p.witnesses) == 2 and p.satisfied({"K", "\u212a"}) and not p.satisfied({"K"})


@pytest.mark.parametrize(
    "text",
    [
        f"log {LOG}\n",  # no quorum
        f"log {LOG}\nquorum w1\nwitness w1 {W[0]}\n",  # used before defined
        f"log {LOG}\nwitness w1 {W[0]}\nwitness w1 {W[1]}\nquorum w1\n",  # defined twice
        f"log {LOG}\nwitness w1 {W[0]}\ngroup g 2 w1\nquorum g\n",  # threshold above members
        f"log {LOG}\nwitness w1 {W[0]}\ngroup g 0 w1\nquorum g\n",
        f"log {LOG}\nwitness w1 {W[0]}\ngroup g 01 w1\nquorum g\n",
        f"log {LOG}\nwitness w1 {W[0]}\ngroup g any w1 w1\nquorum g\n",
        f"witness w1 {W[0]}\ngroup g any w1\ngroup h any w1\nquorum h\n",  # member of two groups
        f"witness w1 {W[0]}\ngroup g any none\nquorum g\n",  # none is no member
        f"witness none {W[0]}\nquorum none\n",  # none is predefined
        f"log {LOG}\nwitness w1 not-a-key\nquorum w1\n",
        f"log {LOG}\nwitness w1 {W[0]} # trailing comment\nquorum w1\n",  # "#" only starts lines
        f"log {W[0]}\nquorum none\n",  # a cosigner key as a log key
        f"witness w1 {LOG}\nquorum w1\n",  # a log key as a witness key
        f"log {LOG}\nlog {LOG_AGAIN}\nquorum none\n",
        f"witness a {W[0]}\nwitness b {W_AGAIN}\nquorum a\n",
        f"log {LOG}\r\nquorum none\n",  # carriage return is a control character
        f"log {LOG}\nquorum\u00a0none\n",  # only space and tab separate items
        f"log {LOG}\nquorum none\nquorum none\n",
        f"log {LOG}\nwhat is this\nquorum none\n",
    ],
)
def test_malformed_policies_are_unusable(text: str) -> None:
    with pytest.raises(Unusable):
        parse_policy(text)


def _note(origin: str = "log.example") -> str:
    body = format_checkpoint(Checkpoint(origin, 5, b"\x07" * 32))
    return sign_note(
        body, LOG_SKEY if origin == "log.example" else make_signer_key(origin, b"\x01" * 32)
    )


def _cosigned(note: str, keys: list[str]) -> str:
    body = note[: note.index("\n\n") + 1]
    return add_signatures(note, [cosign(body, k, 1_700_000_000) for k in keys])


POLICY = f"log {LOG}\nwitness a {W[0]}\nwitness b {W[1]}\ngroup both all a b\nquorum both\n"


def test_check_names_the_log_and_the_cosigning_witnesses() -> None:
    p = parse_policy(POLICY)
    full = check(p, _cosigned(_note(), W_SKEYS[:3]))  # w3 is not in the policy: ignored
    assert full.ok and full.log is not None and full.log.name == "log.example"
    assert full.cosigned == ("a", "b") and full.checkpoint.size == 5
    one = check(p, _cosigned(_note(), W_SKEYS[:1]))
    assert one.log is not None and one.cosigned == ("a",) and not one.quorum_met and not one.ok


def test_check_wants_the_log_key_named_as_the_origin() -> None:
    # signed by the same key bytes under another name: not the policy's log for that origin
    v = check(parse_policy(POLICY), _cosigned(_note("other.example"), W_SKEYS[:2]))
    assert v.log is None and not v.ok


def test_a_bad_cosignature_from_a_policy_witness_is_an_error() -> None:
    note = _cosigned(_note(), W_SKEYS[:2])
    lines = note.split("\n")
    lines[-2] = lines[-2][:-6] + ("AAAAA=" if not lines[-2].endswith("AAAAA=") else "BBBBB=")
    with pytest.raises(NoteError):
        check(parse_policy(POLICY), "\n".join(lines))
