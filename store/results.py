"""When a bid's results come: the time a programme takes to tell applicants how their proposal was evaluated.

A bid sent is not news again until its results come, months later. Asking for its outcome the day after the
deadline asks for what nobody knows yet; never asking lets it go unrecorded, and with it the team's record and
the programmes' win rates. A call's own conditions sometimes say how long ("Information on the outcome of the
evaluation: Maximum 4 months from the final date for submission"); otherwise its programme's rules do.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from .checklist import deadline_dates

# Months from the final deadline to the results, where the programme's rules fix them, by the start of a
# call's identifier (the first that matches) or by its source; read only where the call's conditions do not
# say. Interreg programmes and calls added by hand follow their own timetables: none is assumed (a call added
# by hand says when where the team gave it: `own_calls` keeps that as such a line).
BY_IDENTIFIER = (
    ("HORIZON-", 5, "Horizon Europe tells applicants within 5 months of the deadline (the work programme's"
                    " General Annexes)"),
)
BY_SOURCE = {
    "ft_portal": (6, "the EU Financial Regulation gives the Commission 6 months from the deadline to tell"
                     " applicants"),
}
# The line of a call's conditions (or text) that says when the results come: "Information on the outcome of
# the evaluation: Maximum 4 months from the final date for submission", "Information on evaluation results:
# January – February 2027". The pattern reads the same in Python and in PostgreSQL; RESULTS_SAID selects the
# line in queries over `c` (the calls table), where a call's whole text would be much to fetch.
RESULTS_LINE = r"(?i)information on (?:the )?(?:outcome of (?:the )?)?evaluation[^\n]{0,120}"
RESULTS_SAID = f"substring(c.conditions_text || E'\\n' || c.description_text from '{RESULTS_LINE}')"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day where it has fewer (31 Aug + 6 months: 28 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def stated(line: str | None, last_deadline: date) -> date | None:
    """The day a call's own line on its results (RESULTS_SAID) gives: N months from the deadline, or the end of
    the last month it names ("January – February 2027": 28 Feb 2027); None where it gives neither."""
    if not line:
        return None
    months = re.search(r"\b(\d{1,2})\s*months?\b", line)
    if months:
        return add_months(last_deadline, int(months.group(1)))
    named = [(MONTHS.index(m.group(1)) + 1, m.start()) for m in re.finditer(rf"\b({'|'.join(MONTHS)})\b", line)]
    years = [(int(m.group(1)), m.start()) for m in re.finditer(r"\b(20\d\d)\b", line)]
    if not named or not years:
        return None
    month, at = named[-1]
    year = next((year for year, where in years if where > at), years[-1][0])
    return date(year, month, calendar.monthrange(year, month)[1])


def expected(call: dict) -> dict | None:
    """When the results of a bid on `call` are due: `by` (a date) after its `last_deadline`, and why (`said`),
    from the call's own line on it (`results_said` as RESULTS_SAID selects it, or found in its conditions and
    text) or its programme's rules; None where the call has no dated deadline or nothing says when."""
    dates = deadline_dates(call)
    if not dates:
        return None
    last = max(dates)
    if "results_said" in call:
        line = call["results_said"]
    else:  # a call read whole (its page)
        found = re.search(RESULTS_LINE, f"{call.get('conditions_text') or ''}\n{call.get('description_text') or ''}")
        line = found.group(0) if found else None
    line = " ".join((line or "").split()).removesuffix("; and")
    by = stated(line, last)
    if by is not None and by > last:  # a line that gives a day before the deadline is misread: the rules stand
        return {"last_deadline": last, "by": by, "said": f"the call says “{line}”"}
    rule = next(((months, said) for start, months, said in BY_IDENTIFIER
                 if (call.get("identifier") or "").startswith(start)), None) or BY_SOURCE.get(call.get("source"))
    if rule is None:
        return None
    months, said = rule
    return {"last_deadline": last, "by": add_months(last, months), "said": said}
