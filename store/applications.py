"""What a decision leaves to do: an application still to write, or one awaiting its result. Said once, in SQL
over a decision `d` and in Python over a decision's row, for every part that counts them (the calendar, the
digest, the board, the workload notices, the steps to remind, the partners to follow up).
"""

from __future__ import annotations

# An application the team may still write: a bid leadership has not rejected, or a maybe, unless it has ended
# (won, lost, or withdrawn: not sent); one submitted may have a stage still to write.
PLANNED = ("d.state IN ('bid', 'maybe') AND d.approval <> 'rejected'"
           " AND coalesce(d.outcome, 'submitted') = 'submitted'")
# A bid (not rejected) with no result recorded yet: sent, or still to send; `awaiting_result` says the same of
# a decision's row.
AWAITING = f"d.state = 'bid' AND {PLANNED}"


def planned_application(decision: dict) -> bool:
    """Whether the decision leaves an application to write (`PLANNED`)."""
    return (decision["state"] in ("bid", "maybe") and decision["approval"] != "rejected"
            and decision.get("outcome") in (None, "submitted"))


def awaiting_result(decision: dict) -> bool:
    """Whether the decision is a bid still to hear how it ended (`AWAITING`)."""
    return decision["state"] == "bid" and planned_application(decision)


def ended(decision: dict | None) -> bool:
    """Whether a bid is over: won, lost or withdrawn, or rejected by leadership. Its consortium and steps stay as
    they were, a record: nothing is offered to add, and no one is reminded."""
    return decision is not None and decision["state"] == "bid" and (
        decision["approval"] == "rejected" or decision.get("outcome") not in (None, "submitted"))


def unwritten_words(decision: dict) -> str:
    """Why a decision leaves no application to write (not `planned_application`), as the start of a sentence:
    "This call is marked no bid", "Leadership rejected this bid", "This bid is lost"."""
    if decision["state"] not in ("bid", "maybe"):
        return f"This call is marked {decision['state'].replace('_', ' ')}"
    if decision["approval"] == "rejected":
        return "Leadership rejected this bid"
    return f"This bid is {decision['outcome']}"


def takes_outcome(decision: dict) -> bool:
    """Won or lost is said of an application: a call marked maybe or no bid, or a bid leadership rejected,
    was never sent, and an outcome on it would count in the pipeline's figures."""
    return decision["state"] == "bid" and decision["approval"] != "rejected"
