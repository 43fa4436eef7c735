"""A bid's evaluation: the scores of its evaluation summary report and what the evaluators said, recorded
with the outcome, checked, kept in the decision's history and said the same way everywhere."""

from datetime import date
from decimal import Decimal

import pytest

from store import decisions, evaluations
from store.decisions import InvalidDecision
from store.evaluations import (InvalidEvaluation, by_criterion, checked_evaluation, criteria_rows, criterion_name,
                               evaluation_summary, filled_from_report, outcome_said, read_report, usual_scale)
from store.errors import Conflict
from tests.helpers.data import team_on_calls

REPORT = {"score": "12,5", "out_of": "15", "threshold": "10", "funded_from": "13",
          "comments": "Impact: the pathway to uptake is not convincing.\r\nImplementation: a sound work plan."}


def test_the_numbers_are_read_as_a_report_writes_them():
    checked = checked_evaluation(REPORT)
    assert checked == {"score": Decimal("12.50"), "out_of": Decimal("15.00"), "threshold": Decimal("10.00"),
                       "funded_from": Decimal("13.00"), "criteria": [],
                       "comments": "Impact: the pathway to uptake is not convincing.\nImplementation: a sound work plan."}
    assert checked_evaluation({"score": 81, "out_of": 100})["score"] == Decimal("81.00")  # a caller's numbers
    assert checked_evaluation({"score": " ", "comments": ""}) == {
        "score": None, "out_of": None, "threshold": None, "funded_from": None, "criteria": [], "comments": ""}


def test_the_scores_under_each_criterion_are_read_as_the_report_writes_them():
    checked = checked_evaluation({"criteria": [
        {"name": "  Excellence ", "score": "4,5", "out_of": "5"}, {"name": "Impact", "score": "3.5", "out_of": 5},
        {"name": "Quality and efficiency of the implementation", "score": "", "out_of": "5"},  # no score: not given
        {"name": "", "score": "", "out_of": ""}]})
    assert checked["criteria"] == [{"name": "Excellence", "score": Decimal("4.50"), "out_of": Decimal("5.00")},
                                   {"name": "Impact", "score": Decimal("3.50"), "out_of": Decimal("5.00")}]
    with pytest.raises(InvalidEvaluation) as problem:
        checked_evaluation({"criteria": [{"name": "", "score": "4", "out_of": "5"},
                                         {"name": "Impact", "score": "6", "out_of": "5"},
                                         {"name": "impact", "score": "3", "out_of": "5"},
                                         {"name": "Relevance", "score": "20", "out_of": ""},
                                         {"name": "Excellence", "score": "four", "out_of": "5"}]})
    said = str(problem.value)
    assert "Name the criterion scored 4, as the report names it." in said
    assert "The score for “Impact” (6) is above its maximum (5)." in said
    assert "“impact” is named twice: give each criterion once." in said
    assert "Say what the score for “Relevance” is out of (5 in Horizon Europe)." in said
    assert "The score for “Excellence” is a number such as 12.5; 'four' is not." in said
    with pytest.raises(InvalidEvaluation, match="at most 8 criteria here; this gives 9"):
        checked_evaluation({"criteria": [{"name": f"C{n}", "score": "1", "out_of": "5"} for n in range(9)]})


def test_the_form_offers_the_programmes_criteria_or_those_recorded():
    horizon = criteria_rows({"identifier": "HORIZON-CL2-2026-01-DEMOCRACY-03"}, None)
    assert [(r["name"], r["out_of"]) for r in horizon] == [
        ("Excellence", "5"), ("Impact", "5"), ("Quality and efficiency of the implementation", "5"), ("", "")]
    erasmus = criteria_rows({"identifier": "ERASMUS-EDU-2026-PI-ALL-INNO"}, {"criteria": []})
    assert erasmus[0] == {"name": "Relevance of the project", "score": "", "out_of": ""} and len(erasmus) == 5
    assert criteria_rows({"identifier": "CERV-2026-CITIZENS-CIV"}, None) == [{"name": "", "score": "", "out_of": ""}] * 3
    recorded = criteria_rows({"identifier": "HORIZON-X"}, {"criteria": [{"name": "Impact", "score": "3", "out_of": "5"},
                                                                          {"name": "", "score": "", "out_of": ""}]})
    assert recorded == [{"name": "Impact", "score": "3", "out_of": "5"}] + [{"name": "", "score": "", "out_of": ""}] * 2


def test_the_criterion_the_evaluators_keep_marking_down_comes_first():
    bids = [{"evaluation_criteria": [{"name": "Excellence", "score": "4.5", "out_of": "5"},
                                     {"name": "Impact", "score": "3", "out_of": "5"}]},
            {"evaluation_criteria": [{"name": "impact ", "score": "3.5", "out_of": "5"}]},
            {"evaluation_criteria": [{"name": "Relevance of the project", "score": "25", "out_of": "30"}]},
            {"evaluation_criteria": []}]
    found = by_criterion(bids)
    assert [(c["name"], c["bids"], round(float(c["share"]), 3)) for c in found] == [
        ("Impact", 2, 0.65), ("Relevance of the project", 1, 0.833), ("Excellence", 1, 0.9)]
    # A report's numbering and scale note are not part of the name: pasted as the report has them, one criterion.
    pasted = [{"evaluation_criteria": [{"name": "Criterion 1 - Excellence", "score": "3.5", "out_of": "5"},
                                       {"name": "2. Impact (threshold 3)", "score": "4", "out_of": "5"}]},
              {"evaluation_criteria": [{"name": "Award criterion 1: Relevance of the project (maximum 30 points)",
                                        "score": "15", "out_of": "30"}]}]
    assert [(c["name"], c["bids"], round(float(c["share"]), 3)) for c in by_criterion([*bids, *pasted])] == [
        ("Relevance of the project", 2, 0.667), ("Impact", 3, 0.7), ("Excellence", 2, 0.8)]


def test_a_criterion_is_named_without_the_reports_numbering_or_scale():
    for typed, name in (("Criterion 1 - Excellence", "Excellence"), ("1. Excellence (threshold 3)", "Excellence"),
                        ("b) Impact", "Impact"), ("IV. Impact", "Impact"), ("Excellence:", "Excellence"),
                        ("Relevance (Max. 25 points)", "Relevance"),
                        ("  Quality   and efficiency of the implementation ", "Quality and efficiency of the implementation"),
                        # Names that begin like a number, or are nothing but one, are kept.
                        ("Vision 2030", "Vision 2030"), ("A new approach", "A new approach"), ("Impact", "Impact"),
                        ("Criterion 3", "Criterion 3"), ("1", "1")):
        assert criterion_name(typed) == name, typed
    with pytest.raises(InvalidEvaluation, match="“Excellence” is named twice"):
        checked_evaluation({"criteria": [{"name": "Criterion 1 - Excellence", "score": "4", "out_of": "5"},
                                         {"name": "Excellence", "score": "3", "out_of": "5"}]})
    # What was typed is kept as typed: the report's own words.
    assert checked_evaluation({"criteria": [{"name": "Criterion 1 - Excellence", "score": "4", "out_of": "5"}]})[
        "criteria"][0]["name"] == "Criterion 1 - Excellence"


# Constructed from the layout of the Funding & Tenders Portal's evaluation summary reports (no real one is
# recorded here): the total once, then each criterion's heading, its score line and the evaluators' comments.
PASTED_REPORT = """Evaluation Summary Report - Research and Innovation Actions

Evaluation Result
Total score: 11.50 (Threshold: 10)

Criterion 1 - Excellence
Score: 4.00 (Threshold: 3/5.00 , Weight: 100.00%)
The objectives are clear. The methodology for scaling up is vague; its score reflects that.

Criterion 2 - Impact
Score: 3.50 (Threshold: 3/5.00 , Weight: 100.00%)
The pathway to uptake by cities is not credible enough. A proposal of this kind would score higher with letters
of support.

Criterion 3 - Quality and efficiency of the implementation
Score: 4.00 (Threshold: 3/5.00 , Weight: 100.00%)
"""


def test_a_pasted_report_gives_its_total_and_each_criterions_score():
    assert read_report(PASTED_REPORT) == {
        "score": "11.50", "out_of": "15", "threshold": "10",  # out of the criteria's maxima added up
        "criteria": [{"name": "Excellence", "score": "4.00", "out_of": "5.00"},
                     {"name": "Impact", "score": "3.50", "out_of": "5.00"},
                     {"name": "Quality and efficiency of the implementation", "score": "4.00", "out_of": "5.00"}]}
    # Copied from a PDF, a report may run on in one line; scores may be written out of their maximum.
    flat = ("Total score: 72/100 (Threshold: 60) 1. Relevance of the project Score: 25/30 2. Quality of the project"
            " design and implementation Score: 18,5 out of 20")
    assert read_report(flat) == {"score": "72", "out_of": "100", "threshold": "60", "criteria": [
        {"name": "Relevance of the project", "score": "25", "out_of": "30"},
        {"name": "Quality of the project design and implementation", "score": "18,5", "out_of": "20"}]}
    # A report without "Score:" gives a line per criterion, in points; a date is not a score.
    letter = ("Relevance of the project: 25/30 points\nQuality of the partnership and the cooperation arrangements:"
              " 15 / 20\nImpact: 21 out of 30 points\nTotal: 61/80 points\nDate of the decision: 12/05\n")
    assert read_report(letter) == {"score": "61", "out_of": "80", "criteria": [
        {"name": "Relevance of the project", "score": "25", "out_of": "30"},
        {"name": "Quality of the partnership and the cooperation arrangements", "score": "15", "out_of": "20"},
        {"name": "Impact", "score": "21", "out_of": "30"}]}
    # The evaluators' sentences are not criteria, and comments without scores give nothing.
    assert read_report("Impact: weak. It would score: 3 with a clearer plan.") == {}
    assert read_report("Impact: the pathway to uptake is not convincing.") == read_report("") == {}


def test_a_pasted_report_fills_only_what_the_form_left_blank():
    blank = {"score": "", "out_of": "", "threshold": "", "funded_from": "", "comments": PASTED_REPORT,
             "criteria": [{"name": "Excellence", "score": "", "out_of": "5"}, {"name": "", "score": "", "out_of": ""}]}
    filled, said = filled_from_report(blank)
    assert [filled[key] for key in ("score", "out_of", "threshold", "funded_from")] == ["11.50", "15", "10", ""]
    assert [c["name"] for c in filled["criteria"]] == ["Excellence", "Impact",
                                                       "Quality and efficiency of the implementation"]
    assert said == ["the score 11.5 of 15", "the threshold 10", "Excellence 4 of 5", "Impact 3.5 of 5",
                    "Quality and efficiency of the implementation 4 of 5"]
    assert checked_evaluation(filled)["score"] == Decimal("11.50")  # as the form's own numbers are checked
    # What was typed stands: a score, and criteria with a score, are not replaced.
    typed = {**blank, "score": "12", "out_of": "15",
             "criteria": [{"name": "Excellence", "score": "4.5", "out_of": "5"}]}
    filled, said = filled_from_report(typed)
    assert (filled["score"], filled["threshold"], filled["criteria"]) == ("12", "10", typed["criteria"])
    assert said == ["the threshold 10"]
    assert filled_from_report({**blank, "comments": "Too ambitious."}) == ({**blank, "comments": "Too ambitious."}, [])


def test_every_problem_of_an_evaluation_is_said_at_once():
    with pytest.raises(InvalidEvaluation) as problem:
        checked_evaluation({"score": "twelve", "threshold": "16", "out_of": "15", "funded_from": "-1"})
    said = str(problem.value)
    assert "The score is a number such as 12.5; 'twelve' is not." in said
    assert "The lowest score funded is a number such as 12.5; '-1' is not." in said
    assert "The threshold (16) is above the maximum (15)." in said
    with pytest.raises(InvalidEvaluation, match="Say what the scores are out of"):
        checked_evaluation({"score": "12"})
    with pytest.raises(InvalidEvaluation, match="The maximum score must be more than 0"):
        checked_evaluation({"out_of": "0"})
    with pytest.raises(InvalidEvaluation, match="The score \\(16\\) is above the maximum \\(15\\)"):
        checked_evaluation({"score": "16", "out_of": "15"})
    with pytest.raises(InvalidEvaluation, match="at most 20,000 characters; this has 20,001"):
        checked_evaluation({"comments": "x" * 20_001})
    with pytest.raises(InvalidEvaluation, match="not grade"):
        checked_evaluation({"grade": "A"})


def test_a_score_is_said_against_the_threshold_and_the_lowest_funded():
    def said(score, threshold=None, funded_from=None):
        return evaluation_summary({"score": score, "out_of": "15", "threshold": threshold, "funded_from": funded_from,
                                   "comments": ""})

    assert said("12.5", "10", "13") == ("scored 12.5 of 15: above the threshold of 10, 0.5 short of the lowest"
                                       " score funded (13)")
    assert said("9", "10") == "scored 9 of 15: below the threshold of 10"
    assert said("10", "10", "10") == "scored 10 of 15: at the threshold of 10, as much as the lowest score funded (10)"
    assert said("14.25", funded_from="13.5") == "scored 14.25 of 15: above the lowest score funded (13.5)"
    assert said("12") == "scored 12 of 15"
    assert evaluation_summary({"score": None, "out_of": "15", "threshold": "10", "comments": "Weak impact."}) is None
    assert evaluation_summary(None) is None


def test_the_form_says_how_the_programme_scores():
    assert "out of 15" in usual_scale({"identifier": "HORIZON-CL2-2026-01-DEMOCRACY-03"})
    assert "out of 100, with a threshold of 70" in usual_scale({"identifier": "HORIZON-MSCA-2026-SE-01-01"})
    assert "out of 100" in usual_scale({"identifier": "ERASMUS-EDU-2026-PI-ALL-INNO"})
    assert usual_scale({"identifier": "CERV-2026-CITIZENS-CIV"}) is None


def test_an_evaluation_is_recorded_with_a_result_and_kept_in_the_history(db):
    profile_id, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-01")
    bid = decisions.decide(db, profile_id, call["CERV-SOCIAL-01"], "bid", "Strong strategic fit", "", boss)["id"]
    decisions.set_outcome(db, bid, "submitted", anna)

    # Submitted, it has no evaluation yet: scores now are a slip, refused rather than kept.
    with pytest.raises(InvalidDecision, match="A bid submitted has no evaluation"):
        decisions.set_outcome(db, bid, "submitted", anna, {"score": "12", "out_of": "15"})
    # Blank fields, as the form sends them with no evaluation, change nothing and add nothing to the history.
    events = len(decisions.history(db, bid))
    decisions.set_outcome(db, bid, "submitted", anna, {key: "" for key in REPORT})
    assert len(decisions.history(db, bid)) == events

    row = decisions.set_outcome(db, bid, "lost", anna, REPORT)
    assert outcome_said(row) == ("lost, scored 12.5 of 15: above the threshold of 10, 0.5 short of the lowest score"
                                 " funded (13)")
    assert row["evaluation_comments"].startswith("Impact: the pathway")
    change = decisions.history(db, bid)[-1]["change"]
    assert change["outcome"] == ["submitted", "lost"]
    assert change["evaluation"] == [None, {"score": "12.5", "out_of": "15", "threshold": "10", "funded_from": "13",
                                           "criteria": [], "comments": checked_evaluation(REPORT)["comments"]}]

    # The same form again records nothing; the comments alone changed is one change.
    decisions.set_outcome(db, bid, "lost", anna, REPORT)
    assert len(decisions.history(db, bid)) == events + 1
    decisions.set_outcome(db, bid, "lost", boss, {**REPORT, "comments": "Impact too vague."})
    assert list(decisions.history(db, bid)[-1]["change"]) == ["evaluation"]

    # Without an evaluation given (another caller), the recorded one stays while the bid was still evaluated...
    assert evaluations.outcome_said(decisions.set_outcome(db, bid, "won", boss)).startswith("won, scored 12.5 of 15")
    # ... and goes with an outcome that had none, in the history too.
    row = decisions.set_outcome(db, bid, "withdrawn", boss)
    assert evaluations.evaluation_of(row) is None and outcome_said(row) == "withdrawn"
    assert decisions.history(db, bid)[-1]["change"]["evaluation"][1] is None


def test_the_scores_by_criterion_are_kept_with_the_evaluation_and_in_its_history(db):
    profile_id, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-01")
    bid = decisions.decide(db, profile_id, call["CERV-SOCIAL-01"], "bid", "Strong strategic fit", "", boss)["id"]
    criteria = [{"name": "Excellence", "score": "4.5", "out_of": "5"}, {"name": "Impact", "score": "3", "out_of": "5"}]
    row = decisions.set_outcome(db, bid, "lost", anna, {**REPORT, "criteria": criteria})
    assert row["evaluation_criteria"] == criteria
    assert evaluations.criteria_scored(row) == "Excellence 4.5 of 5, Impact 3 of 5"
    assert decisions.history(db, bid)[-1]["change"]["evaluation"][1]["criteria"] == criteria
    events = len(decisions.history(db, bid))
    decisions.set_outcome(db, bid, "lost", anna, {**REPORT, "criteria": criteria})  # the same: nothing new
    assert len(decisions.history(db, bid)) == events
    changed = [criteria[0], {**criteria[1], "score": "3.5"}]
    decisions.set_outcome(db, bid, "lost", anna, {**REPORT, "criteria": changed})
    assert decisions.history(db, bid)[-1]["change"]["evaluation"][1]["criteria"] == changed
    # Scores by criterion on a bid with no result are a slip: refused, by the database too.
    with pytest.raises(InvalidDecision, match="A bid submitted has no evaluation"):
        decisions.set_outcome(db, bid, "submitted", anna, {"criteria": criteria})
    with pytest.raises(Conflict, match="decisions_evaluation_criteria_check"):
        db.execute("UPDATE decisions SET outcome = 'submitted', evaluation_score = NULL, evaluation_out_of = NULL,"
                   " evaluation_threshold = NULL, evaluation_funded_from = NULL, evaluation_comments = ''"
                   " WHERE id = %s", (bid,))
    assert evaluations.evaluation_of(decisions.set_outcome(db, bid, "withdrawn", anna)) is None


def test_a_result_comes_after_the_calls_first_deadline(db):
    profile_id, call, boss, _ = team_on_calls(db, "CERV-SOCIAL-01", "CERV-SOCIAL-02")
    bid, other = (decisions.decide(db, profile_id, call[identifier], "bid", "Strong strategic fit", "", boss)["id"]
                  for identifier in ("CERV-SOCIAL-01", "CERV-SOCIAL-02"))
    # A second stage later does not hold a first stage's result back: the first deadline is the one that counts.
    db.execute("UPDATE calls SET deadlines = '[{\"date\": \"2026-07-10\", \"stage\": \"first-stage\"},"
               " {\"date\": \"2026-11-05\", \"stage\": \"second-stage\"}]' WHERE id = %s",
               (call["CERV-SOCIAL-02"],))
    for outcome in ("won", "lost"):
        with pytest.raises(InvalidDecision, match=f"No bid is {outcome} before the call's deadline: its first is 10 Jul"):
            decisions.set_outcome(db, bid, outcome, boss, today=date(2026, 7, 10))
    assert db.scalar("SELECT outcome FROM decisions WHERE id = %s", (bid,)) is None
    # Sent, or withdrawn, it may be any day; the result comes the day after the deadline at the soonest.
    assert decisions.set_outcome(db, bid, "submitted", boss, today=date(2026, 6, 1))["outcome"] == "submitted"
    assert decisions.set_outcome(db, bid, "lost", boss, today=date(2026, 7, 11))["outcome"] == "lost"
    assert decisions.set_outcome(db, other, "won", boss, today=date(2026, 8, 1))["outcome"] == "won"
    # A call added by hand with no deadline takes a result any day.
    db.execute("UPDATE calls SET deadlines = '[]' WHERE id = %s", (call["CERV-SOCIAL-01"],))
    assert decisions.set_outcome(db, bid, "won", boss, today=date(2026, 1, 1))["outcome"] == "won"


def test_the_database_refuses_an_evaluation_that_does_not_add_up(db):
    profile_id, call, boss, _ = team_on_calls(db, "CERV-SOCIAL-01")
    bid = decisions.decide(db, profile_id, call["CERV-SOCIAL-01"], "bid", "Strong strategic fit", "", boss)["id"]
    decisions.set_outcome(db, bid, "lost", boss)
    for columns in ("evaluation_score = 12",  # out of nothing
                    "evaluation_score = 16, evaluation_out_of = 15",
                    "evaluation_threshold = 10",
                    "outcome = 'submitted', evaluation_comments = 'Weak impact.'"):
        with pytest.raises(Conflict, match="decisions_evaluation_check"):
            db.execute(f"UPDATE decisions SET {columns} WHERE id = %s", (bid,))
    db.execute("UPDATE decisions SET evaluation_comments = 'Weak impact.' WHERE id = %s", (bid,))  # a lost bid's
