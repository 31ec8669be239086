"""Lawfulness findings (verify.law.rules; DOMAIN.md §4–§5): what is recorded but flagged.

Every finding code has a lawful example (not flagged) and an unlawful one (flagged).
Evaluation year 2022 throughout, so the deadlines fall in January–February 2023, across
Tết (20–26/01/2023). Rules are storage-independent: these run on SQLite only, except
the lawful-year smoke test, which runs on both backends.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from api.demo import at, sha

Y = 2022
A, B = "31999", "32002"
D = Decimal


@pytest.fixture
def backend() -> str:
    """Storage-independent rules: SQLite only (overrides the conftest parametrisation)."""
    return "sqlite"


def commune(w: Any, **knobs: Any) -> list[str]:
    """The commune stage of unit A for 2022 with the given knobs; A's finding codes."""
    w.commune_stage(A, Y, **knobs)
    return w.findings(A, Y)


def whole_year(w: Any, commune_knobs: dict[str, Any] | None = None, **round_knobs: Any) -> list[str]:
    w.commune_stage(A, Y, **(commune_knobs or {}))
    w.round_stage(Y, [A], **round_knobs)
    return w.findings(A, Y)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_lawful_year_is_recorded_with_no_findings(world: Any) -> None:
    assert whole_year(world) == []
    ev = world.ledger.evaluation(A, Y)
    assert ev.submitted is not None and ev.appraised is not None
    assert world.ledger.round(world.district.code, Y).decision["meeting"] == [A]


# -- scoring (QĐ 25/2021, Điều 3) -----------------------------------------------------------
def test_indicator_left_without_self_score_is_flagged_not_scored(world: Any) -> None:
    assert "indicator_not_scored" in commune(world, skip={"TC4.1"})
    f = next(f for f in world.ledger.findings_for(A, Y) if f.code == "indicator_not_scored")
    assert f.details == {"indicator": "TC4.1"} and f.events


def test_every_indicator_scored_by_its_assignee_is_not_flagged_not_scored(world: Any) -> None:
    assert "indicator_not_scored" not in commune(world)


def test_score_without_evidence_is_flagged(world: Any) -> None:
    assert "indicator_without_evidence" in commune(world, without_evidence={"TC2.1"})


def test_score_of_did_not_arise_needs_no_evidence(world: Any) -> None:
    w = world
    w.open(A, Y)
    w.assign_all(A, Y)
    w.score_all(A, Y, skip={"TC1.1"})
    w.emit([w.staff(A, 1)], "SelfScoreRecorded", A, Y, at(date(Y, 12, 5)),
           {"indicator": "TC1.1", "input": {"kind": "not_arising"}, "points": "3", "evidence": []})
    w.compile(A, Y)
    assert w.findings(A, Y) == []


def test_score_signed_on_31_december_of_the_previous_year_is_flagged_outside_data_window(world: Any) -> None:
    codes = commune(world, score_times={"TC5.4": at(date(Y - 1, 12, 31), 23)})
    assert "score_outside_data_window" in codes


def test_score_signed_at_midnight_on_1_january_vietnam_time_is_inside_data_window(world: Any) -> None:
    # 00:00 on 01/01/2022 in Hà Nội is still 31/12/2021 in UTC: the legal date is Vietnam's.
    assert "score_outside_data_window" not in commune(world, score_times={"TC5.4": at(date(Y, 1, 1), 0)})


# -- public posting (step 3) -------------------------------------------------------------------
OFFICE_OK = (date(Y, 12, 13), date(Y, 12, 18), None)  # 5 calendar days


def test_office_posting_of_3_days_is_flagged_insufficient(world: Any) -> None:
    postings = {"office": (date(Y, 12, 13), date(Y, 12, 16), None), "website": OFFICE_OK}
    assert "posting_office_insufficient" in commune(world, postings=postings)


def test_office_posting_of_5_days_is_sufficient(world: Any) -> None:
    codes = commune(world, postings={"office": OFFICE_OK, "website": OFFICE_OK})
    assert "posting_office_insufficient" not in codes
    assert "posting_second_channel_insufficient" not in codes


def test_short_website_posting_and_only_2_radio_broadcasts_are_flagged(world: Any) -> None:
    postings = {
        "office": OFFICE_OK,
        "website": (date(Y, 12, 13), date(Y, 12, 16), None),
        "radio": (date(Y, 12, 13), date(Y, 12, 20), ["2022-12-13", "2022-12-16"]),
    }
    assert "posting_second_channel_insufficient" in commune(world, postings=postings)


def test_radio_broadcast_after_the_posting_ended_does_not_count(world: Any) -> None:
    postings = {
        "office": OFFICE_OK,
        "radio": (date(Y, 12, 13), date(Y, 12, 20), ["2022-12-13", "2022-12-16", "2022-12-27"]),
    }
    assert "posting_second_channel_insufficient" in commune(world, postings=postings)


def test_short_website_posting_is_made_good_by_3_radio_broadcasts_within_5_days(world: Any) -> None:
    postings = {
        "office": OFFICE_OK,
        "website": (date(Y, 12, 13), date(Y, 12, 16), None),
        "radio": (date(Y, 12, 13), date(Y, 12, 18), ["2022-12-13", "2022-12-15", "2022-12-18"]),
    }
    assert "posting_second_channel_insufficient" not in commune(world, postings=postings)


def test_posting_other_drafts_than_the_compiled_summary_is_flagged(world: Any) -> None:
    codes = commune(world, drafts={"website": sha("another summary")})
    assert "posted_drafts_differ" in codes
    f = next(f for f in world.ledger.findings_for(A, Y) if f.code == "posted_drafts_differ")
    assert f.details == {"channel": "website"}


def test_posting_the_compiled_summary_is_not_flagged(world: Any) -> None:
    assert "posted_drafts_differ" not in commune(world)


def test_submitting_another_summary_than_the_one_posted_is_flagged(world: Any) -> None:
    assert "submitted_drafts_differ" in commune(world, form02=sha("a better summary"))


def test_submitting_the_summary_that_was_posted_is_not_flagged(world: Any) -> None:
    assert "submitted_drafts_differ" not in commune(world)


# -- comments, commune meeting, submission (steps 4–6) ------------------------------------
def test_comment_never_answered_is_flagged(world: Any) -> None:
    assert "comment_unanswered" in commune(world, comments=[("YK-01", date(Y, 12, 15), None)])


def test_comment_answered_only_after_submission_is_flagged(world: Any) -> None:
    codes = commune(world, comments=[("YK-01", date(Y, 12, 15), None)])
    assert "comment_unanswered" in codes
    world.emit([world.staff(A)], "CommentAnswered", A, Y, at(date(Y + 1, 1, 5)),
               {"comment_id": "YK-01", "accepted": False, "answer": "Giải trình sau."})
    assert "comment_unanswered" in world.findings(A, Y)


def test_comment_answered_before_submission_is_not_flagged(world: Any) -> None:
    codes = commune(world, comments=[("YK-01", date(Y, 12, 15), date(Y, 12, 17))])
    assert "comment_unanswered" not in codes


def test_dossier_without_a_commune_meeting_is_flagged(world: Any) -> None:
    assert "commune_meeting_missing" in commune(world, no_meeting=True)


def test_commune_meeting_held_after_submission_is_flagged_missing(world: Any) -> None:
    assert "commune_meeting_missing" in commune(world, meeting=date(Y + 1, 1, 5))


def test_commune_meeting_before_submission_is_not_flagged(world: Any) -> None:
    assert "commune_meeting_missing" not in commune(world, meeting=date(Y, 12, 22))


def test_submission_on_10_january_is_flagged_late(world: Any) -> None:
    assert "submission_late" in commune(world, submitted=date(Y + 1, 1, 10))
    f = next(f for f in world.ledger.findings_for(A, Y) if f.code == "submission_late")
    assert f.details == {"submitted_on": "2023-01-10", "deadline": "2023-01-10"}


def test_submission_on_9_january_is_in_time(world: Any) -> None:
    assert "submission_late" not in commune(world, submitted=date(Y + 1, 1, 9))


def test_supplement_3_working_days_after_request_across_tet_is_in_time(world: Any) -> None:
    # Requested Thu 19/01/2023; 20–26/01 is Tết; Fri 27, Mon 30, Tue 31/01 = 3 working days.
    commune(world)
    world.supplement(A, Y, "BS-01", date(2023, 1, 19), date(2023, 1, 31))
    assert "supplement_late" not in world.findings(A, Y)


def test_supplement_on_the_4th_working_day_after_request_across_tet_is_flagged_late(world: Any) -> None:
    commune(world)
    world.supplement(A, Y, "BS-01", date(2023, 1, 19), date(2023, 2, 1))
    assert "supplement_late" in world.findings(A, Y)


# -- the council (steps 7–8) -----------------------------------------------------------------
def test_council_of_16_members_is_flagged_too_large(world: Any) -> None:
    assert "council_too_large" in whole_year(world, council_size=16)


def test_council_of_15_members_is_not_too_large(world: Any) -> None:
    assert "council_too_large" not in whole_year(world, council_size=15)


def test_dossiers_circulated_2_working_days_before_the_meeting_are_flagged_late(world: Any) -> None:
    codes = whole_year(world, circulated=date(2023, 1, 9), meeting_date=date(2023, 1, 11))
    assert "circulation_late" in codes


def test_dossiers_circulated_3_working_days_before_the_meeting_are_in_time(world: Any) -> None:
    codes = whole_year(world, circulated=date(2023, 1, 9), meeting_date=date(2023, 1, 12))
    assert "circulation_late" not in codes


def test_meeting_with_4_of_7_members_is_flagged_without_quorum(world: Any) -> None:
    assert "quorum_not_met" in whole_year(world, council_size=7, absent=3)


def test_meeting_with_5_of_7_members_has_quorum(world: Any) -> None:
    assert "quorum_not_met" not in whole_year(world, council_size=7, absent=2)


def test_absent_member_without_written_opinion_is_flagged(world: Any) -> None:
    assert "absent_without_opinion" in whole_year(world, absent=1, opinions=False)


def test_absent_member_who_sent_a_written_opinion_is_not_flagged(world: Any) -> None:
    assert "absent_without_opinion" not in whole_year(world, absent=1, opinions=True)


# -- the decision and its publication (steps 9–10; QĐ 25/2021, Điều 4) ------------------------
# Full marks are 100; minus 4 + 4 + 5 + 5 + 2.25 = 79.75 (TC4 12/20, TC5 10/20: both ≥ 50 %).
SCORES_79_75 = {"TC4.1": D(0), "TC4.2": D(0), "TC5.1": D(0), "TC5.2": D(0), "TC2.1": D("2.75")}
SCORES_80 = {**SCORES_79_75, "TC2.1": D("3")}
TC3_BELOW_HALF = {"TC3.2": D("3"), "TC3.3": D(0)}  # TC3 = 9.75 / 20, total 89.75
TC3_AT_HALF = {"TC3.2": D("3.25"), "TC3.3": D(0)}  # TC3 = 10 / 20


def test_recognising_a_unit_appraised_at_79_75_points_is_flagged_below_standard(world: Any) -> None:
    assert "recognised_below_standard" in whole_year(world, scores={A: SCORES_79_75})
    f = next(f for f in world.ledger.findings_for(A, Y) if f.code == "recognised_below_standard")
    assert D(f.details["total"]) == D("79.75") and f.details["failing"] == []


def test_recognising_a_unit_appraised_at_80_points_is_lawful(world: Any) -> None:
    assert "recognised_below_standard" not in whole_year(world, scores={A: SCORES_80})


def test_recognising_a_unit_below_half_on_one_criterion_is_flagged_below_standard(world: Any) -> None:
    assert "recognised_below_standard" in whole_year(world, scores={A: TC3_BELOW_HALF})
    f = next(f for f in world.ledger.findings_for(A, Y) if f.code == "recognised_below_standard")
    assert f.details["failing"] == ["TC3"]


def test_recognising_a_unit_at_exactly_half_on_each_criterion_is_lawful(world: Any) -> None:
    assert "recognised_below_standard" not in whole_year(world, scores={A: TC3_AT_HALF})


def _disqualify(w: Any) -> None:
    w.emit([w.justice()], "DisqualificationRecorded", A, Y, at(date(Y + 1, 1, 6)),
           {"person": "chairman", "ground": "disciplined", "reference": "QĐ kỷ luật 12/QĐ-UBND"})


def test_recognising_a_disqualified_unit_is_flagged_below_standard(world: Any) -> None:
    world.commune_stage(A, Y)
    _disqualify(world)
    world.round_stage(Y, [A])
    f = next(f for f in world.ledger.findings_for(A, Y) if f.code == "recognised_below_standard")
    assert f.details["disqualified"] is True and D(f.details["total"]) == 100


def test_listing_a_disqualified_unit_as_not_meeting_is_lawful(world: Any) -> None:
    world.commune_stage(A, Y)
    _disqualify(world)
    world.round_stage(Y, [A], recognised=[], not_recognised=[A])
    assert world.findings(A, Y) == []


def test_circulated_unit_on_neither_list_of_the_decision_is_flagged_missing(world: Any) -> None:
    world.commune_stage(A, Y)
    world.commune_stage(B, Y)
    world.round_stage(Y, [A, B], recognised=[A])
    assert "unit_missing_from_decision" in world.findings(B, Y)
    assert "unit_missing_from_decision" not in world.findings(A, Y)


def test_circulated_unit_on_the_not_meeting_list_is_not_missing(world: Any) -> None:
    world.commune_stage(A, Y)
    world.commune_stage(B, Y)
    world.round_stage(Y, [A, B], recognised=[A], not_recognised=[B])
    assert world.findings(B, Y) == []


def test_decision_signed_on_10_february_is_flagged_late(world: Any) -> None:
    assert "decision_late" in whole_year(world, decided=date(2023, 2, 10))


def test_decision_signed_on_9_february_is_in_time(world: Any) -> None:
    assert "decision_late" not in whole_year(world, decided=date(2023, 2, 9))


def test_result_published_2_working_days_after_the_decision_is_in_time(world: Any) -> None:
    # Decided Mon 16/01/2023; published Wed 18/01.
    codes = whole_year(world, decided=date(2023, 1, 16), published=date(2023, 1, 18))
    assert "publication_late" not in codes


def test_result_published_3_working_days_after_the_decision_is_flagged_late(world: Any) -> None:
    codes = whole_year(world, decided=date(2023, 1, 16), published=date(2023, 1, 19))
    assert "publication_late" in codes
