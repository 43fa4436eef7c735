"""When a bid's results are due: read from a call's own line on it, or from its programme's rules."""

from datetime import date

from store.results import add_months, expected, stated

DEADLINE = date(2026, 7, 23)


def test_a_line_giving_months_counts_them_from_the_deadline():
    line = "Information on the outcome of the evaluation: Maximum 4 months from the final date for submission"
    assert stated(line, DEADLINE) == date(2026, 11, 23)


def test_a_line_naming_months_gives_the_end_of_the_last_one():
    assert stated("Information on evaluation results: January 2027", DEADLINE) == date(2027, 1, 31)
    assert stated("Information on evaluation results: January – February 2027", DEADLINE) == date(2027, 2, 28)
    # The year after the month names it, across a year's end.
    assert stated("Information on the evaluation results: December 2026 - January 2027", DEADLINE) == date(2027, 1, 31)


def test_a_line_that_gives_no_time_gives_nothing():
    assert stated("Information on the outcome of the evaluation may take a while", DEADLINE) is None
    assert stated("Information on evaluation results: in May", DEADLINE) is None  # no year
    assert stated(None, DEADLINE) is None


def test_months_are_added_to_the_calendar_not_as_thirty_days():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


def call(identifier="CERV-2026-X", source="ft_portal", deadlines=("2026-04-15",), **text):
    return {"identifier": identifier, "source": source, "deadlines": [{"date": d} for d in deadlines], **text}


def test_the_programme_rules_count_from_the_last_deadline():
    horizon = expected(call("HORIZON-CL2-2026-01", deadlines=("2026-01-10", "2026-04-15")))
    assert (horizon["last_deadline"], horizon["by"]) == (date(2026, 4, 15), date(2026, 9, 15))
    assert horizon["said"].startswith("Horizon Europe tells applicants within 5 months")
    other = expected(call())  # any other programme of the portal: the Financial Regulation's longest time
    assert other["by"] == date(2026, 10, 15) and "Financial Regulation" in other["said"]


def test_the_calls_own_line_wins_over_the_rules():
    said = expected(call("HORIZON-CL4-2027-01", conditions_text="Scoring\nInformation on the outcome of the"
                         " evaluation: Maximum 4 months from the final date for submission; and\nIndicative date"))
    assert said["by"] == date(2026, 8, 15)
    assert said["said"] == ("the call says “Information on the outcome of the evaluation: Maximum 4 months from the"
                            " final date for submission”")
    # As a query selects it (RESULTS_SAID), the same.
    assert expected(call(results_said="Information on evaluation results: May 2027"))["by"] == date(2027, 5, 31)


def test_a_line_misread_as_before_the_deadline_leaves_the_rules_standing():
    assert expected(call(results_said="Information on evaluation results: January 2026"))["by"] == date(2026, 10, 15)


def test_nothing_is_assumed_where_no_rule_or_line_says():
    assert expected(call("BSR-2026-01", source="interreg_bsr")) is None
    assert expected(call("OWN-1", source="own")) is None
    assert expected(call(deadlines=())) is None
