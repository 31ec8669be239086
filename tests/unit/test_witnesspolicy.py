"""Witness policies: parsing (Sigsum/C2SP line syntax, note verifier keys) and quorums."""

from __future__ import annotations

import pytest

from verify.bundle.errors import Unusable
from verify.note import cosignature_vkey, make_cosigner_key, make_signer_key, verifier_key_of
from verify.witnesspolicy import parse_policy

LOG = verifier_key_of(make_signer_key("log.example", b"\x01" * 32))
W = [cosignature_vkey(make_cosigner_key(f"w{i}.example", bytes([i]) * 32)) for i in range(1, 5)]


def test_nested_groups_make_the_quorum() -> None:
    p = parse_policy(f"""# two of X and one of Y
log {LOG} https://log.example
witness X1 {W[0]}
witness X2 {W[1]}
witness Y1 {W[2]}   # trailing comment
witness Y2 {W[3]}
group X 2 X1 X2
group Y any Y1 Y2
group XY all X Y
quorum XY
""")
    assert [v.name for v in p.logs] == ["log.example"]
    assert p.satisfied({"X1", "X2", "Y2"})
    assert not p.satisfied({"X1", "Y1", "Y2"})
    assert not p.satisfied({"X1", "X2"})
    assert p.describe() == "2/2 (2/2 (X1, X2), 1/2 (Y1, Y2))"


def test_quorum_none_needs_no_cosignature() -> None:
    assert parse_policy(f"log {LOG}\nquorum none\n").satisfied(set())


@pytest.mark.parametrize(
    "text",
    [
        f"log {LOG}\n",  # no quorum
        "quorum none\n",  # no log
        f"log {LOG}\nquorum w1\nwitness w1 {W[0]}\n",  # used before defined
        f"log {LOG}\nwitness w1 {W[0]}\nwitness w1 {W[1]}\nquorum w1\n",  # defined twice
        f"log {LOG}\nwitness w1 {W[0]}\ngroup g 2 w1\nquorum g\n",  # threshold above members
        f"log {LOG}\nwitness w1 {W[0]}\ngroup g 01 w1\nquorum g\n",
        f"log {LOG}\nwitness w1 {W[0]}\ngroup g any w1 w1\nquorum g\n",
        f"log {LOG}\nwitness w1 not-a-key\nquorum w1\n",
        f"log {LOG}\nquorum none\nquorum none\n",
        f"log {LOG}\nwhat is this\nquorum none\n",
    ],
)
def test_malformed_policies_are_unusable(text: str) -> None:
    with pytest.raises(Unusable):
        parse_policy(text)
