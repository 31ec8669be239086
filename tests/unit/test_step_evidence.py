"""A failure's evidence keeps where it is in the bundle, whatever names the error uses."""

from __future__ import annotations

from verify.bundle.steps import Step, evidence
from verify.errors import MalformedInput


def test_the_place_in_the_bundle_wins_and_the_errors_own_value_is_kept_apart() -> None:
    got = evidence({"position": 317, "envelope": "ad7c"}, {"position": 21, "detail": "x"})
    assert got == {"position": 317, "envelope": "ad7c", "error_position": 21, "detail": "x"}


def test_a_step_failure_reports_the_leaf_position_of_a_json_error() -> None:
    step = Step(4)
    step.fail(MalformedInput("invalid JSON", "JSON không hợp lệ", position=21), position=317)
    assert step.failures[0]["evidence"] == {"position": 317, "error_position": 21}
