"""Bid/no-bid decisions: the current state per call, and an append-only history of every change."""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from psycopg.types.json import Jsonb

from .applications import AWAITING, PLANNED, planned_application, takes_outcome
from .calls import LATEST_CHANGE, NEXT_DEADLINE, STILL_OPEN
from .checklist import STEP_DONE_BY, STEPS_OF_DECISION, first_deadline
from .codes import series_of
from .consortium import BUDGET_OF_DECISION, PARTNERS_OF_DECISION, cofinancing, standard_rate
from .db import Database
from .discussion import COMMENTS_OF_CALL
from .errors import CallmatchError, NotFound
from .evaluations import (EVALUATED, EVALUATION_COLUMNS, InvalidEvaluation, checked_evaluation, evaluation_columns,
                          evaluation_of, scored)
from .results import RESULTS_SAID, expected
from .text import counted, failed_gates, in_zone
from .users import is_leadership

STATES = {"bid": "Bid", "maybe": "Maybe", "no_bid": "No bid"}
REASONS = (
    "Strong strategic fit", "Good partners available", "Large enough budget", "Consortium invited us",
    "Too small", "Deadline too close", "Not eligible", "Weak fit with our mission", "No capacity this period",
    "Competition too strong", "Other (see note)",
)
OUTCOMES = ("submitted", "won", "lost", "withdrawn")
# A note says why in a sentence or a paragraph; it is shown beside the decision and in the pipeline.
MAX_NOTE = 2000
# Applications due this close together are written at the same time, by the same few people.
WORKLOAD_DAYS = 14


class InvalidDecision(CallmatchError):
    pass


# After the gates, the questions public bid/no-bid frameworks weigh, each rated by whoever decides from 1
# (poor) to 5 (strong): the decision says what, the assessment on what grounds, for leadership approving
# a bid and for a later look at which grounds the won bids stood on. All five or none: a partial one
# would average what was not weighed.
QUESTIONS = {
    "fit": "Strategic fit",
    "win": "Chance of winning",
    "value": "Value against the cost of bidding",
    "capacity": "Our capacity",
    "partners": "Partners available",
}
RATINGS = (1, 2, 3, 4, 5)
# What the chance of winning starts from: the share of proposals a programme funds, where a figure is
# published (the Commission's for Horizon Europe); by the start of the programme's name as calls give it.
SUCCESS_RATES = {"Horizon Europe": "about 12%"}


def success_rate(programme: str | None) -> str | None:
    """The published share of a programme's proposals that are funded ("about 12% of Horizon Europe proposals
    are funded"); None where none is known."""
    return next((f"{rate} of {name} proposals are funded" for name, rate in SUCCESS_RATES.items()
                 if (programme or "").startswith(name)), None)


def win_record(won: int, lost: int) -> str | None:
    """"1 of 3 bids with a result won (33%)": how often the team's bids that ended were won, to read beside
    the programme's published rate. A withdrawn bid, or one still waiting, has no result. None before any."""
    if not won + lost:
        return None
    return f"{won} of {counted(won + lost, 'bid')} with a result won ({won / (won + lost):.0%})"


def record_of(outcomes) -> str | None:
    """`win_record` of the bids whose outcomes these are (None: none recorded)."""
    outcomes = list(outcomes)
    return win_record(outcomes.count("won"), outcomes.count("lost"))


def _given(values: dict | None) -> dict[str, str]:
    """What a form or a caller gave for the assessment's questions, each as text (a number or text; None:
    blank). InvalidDecision for a key that is not one of the questions."""
    values = values or {}
    unknown = sorted(set(values) - set(QUESTIONS))
    if unknown:
        raise InvalidDecision(f"The assessment asks about {', '.join(QUESTIONS)}; not {', '.join(unknown)}.")
    return {key: "" if value is None else str(value).strip() for key, value in values.items()}


def checked_assessment(values: dict | None) -> dict[str, int]:
    """An assessment as stored, from what a form or a caller gave ({question: 1 to 5, as a number or
    text}; blank: not rated). InvalidDecision, saying what would do, for a rating out of range, an unknown
    question, or some questions rated and others not."""
    given = _given(values)
    rated = {}
    for key, label in QUESTIONS.items():
        raw = given.get(key, "")
        if not raw:
            continue
        if raw not in {str(r) for r in RATINGS}:
            raise InvalidDecision(f"Rate “{label}” from {RATINGS[0]} to {RATINGS[-1]}; {raw!r} is not one of those.")
        rated[key] = int(raw)
    missing = [label.lower() for key, label in QUESTIONS.items() if key not in rated]
    if rated and missing:
        raise InvalidDecision(f"Rate every question of the assessment, or none: {', '.join(missing)}"
                              f" {'is' if len(missing) == 1 else 'are'} not rated yet.")
    return rated


# How much each question weighs in the assessment's mean is the profile's policy, set by leadership as the
# screening thresholds are (SIC might weigh strategic fit double). Unset, every question weighs the same.
MAX_WEIGHT = 5


def checked_weights(values: dict | None) -> dict[str, int]:
    """The assessment's weights as a profile stores them, from a form's text or numbers ({}: every question
    alike). InvalidDecision, saying what would do, for a weight that is not a whole number from 0 to
    MAX_WEIGHT, or for all of them 0 (a mean of nothing)."""
    weights = {}
    for key, raw in _given(values).items():
        if raw not in {str(n) for n in range(MAX_WEIGHT + 1)}:
            raise InvalidDecision(f"The weight of “{QUESTIONS[key]}” is a whole number from 0 to {MAX_WEIGHT};"
                                  f" {raw!r} is not.")
        weights[key] = int(raw)
    full = weights_in_use(weights)
    if not any(full.values()):
        raise InvalidDecision("At least one question of the assessment must weigh more than 0.")
    return {} if len(set(full.values())) == 1 else full  # alike, whatever the number: stored as the default


def weights_in_use(weights: dict | None) -> dict[str, int]:
    """Every question's weight as a profile stores them (`checked_weights`): 1 where none is set."""
    return {key: (weights or {}).get(key, 1) for key in QUESTIONS}


def assessment_mean(assessment: dict | None, weights: dict | None = None) -> float | None:
    """The assessment's ratings averaged, each weighted as the profile says (alike by default), to one
    decimal; None when there is none."""
    if not assessment:
        return None
    weight = weights_in_use(weights)
    return round(sum(weight[key] * rating for key, rating in assessment.items())
                 / sum(weight[key] for key in assessment), 1)


def assessment_headline(assessment: dict | None, weights: dict | None = None) -> str:
    """An assessment's mean as pages write it: "3.8 of 5", "3.8 of 5, weighted" when the profile weighs its
    questions differently; '' for none."""
    if not assessment:
        return ""
    weighted = ", weighted" if weights else ""
    return f"{assessment_mean(assessment, weights):.1f} of {RATINGS[-1]}{weighted}"


def assessment_summary(assessment: dict | None, weights: dict | None = None) -> str:
    """An assessment in a line: its headline, then each rating: "3.8 of 5 (strategic fit 5, chance of
    winning 3, …)"; '' for none."""
    if not assessment:
        return ""
    ratings = ", ".join(f"{label.lower()} {assessment[key]}" for key, label in QUESTIONS.items() if key in assessment)
    return f"{assessment_headline(assessment, weights)} ({ratings})"


# A bid or maybe on a call that failed the screening overrides it; a no bid agrees with it.
OVERRIDES_SCREENING = ("bid", "maybe")
APPROVALS = {"pending": "waiting for approval", "approved": "approved", "rejected": "rejected by leadership",
             "not_needed": "not needed"}  # maybe and no bid commit no time
def at_stake(rows: list[dict], reserve=None) -> dict:
    """What the applications still open on the `board` (planned, and neither won, lost nor withdrawn yet)
    would bring the applicant and cost it were each of them won: how many there are, how many have the
    applicant's share planned, those shares' sum (`grants`) and the co-financing they need at the rates
    planned (`cofinancing`), how many of those have no funding rate to read it at (`no_rate`), and whether
    that co-financing is more than the own funds the profile sets aside for it (`over`; the `reserve`, None:
    not set)."""
    still_open = [r for r in rows if planned_application(r)]
    planned = [r for r in still_open if r["own_budget"] is not None]
    cofinancing = sum(r["own_cofinancing"] or 0 for r in planned)
    return {"applications": len(still_open), "planned": len(planned),
            "grants": sum(r["own_budget"] for r in planned), "cofinancing": cofinancing,
            "no_rate": sum(r["own_cofinancing"] is None for r in planned),
            "reserve": reserve, "over": reserve is not None and cofinancing > reserve}


class ChangedSince(InvalidDecision):
    """The decision changed after the page that acts on it was opened: approving it would approve what the
    approver never saw, and recording over it would silently undo a colleague's change."""

    def __init__(self, call_id: int, message: str):
        super().__init__(message)
        self.call_id = call_id


def version(decision: dict | None) -> str:
    """A fingerprint of what a page shows of a decision (none yet, or its state, reason, note, approval,
    the screening gates it overrides and its assessment). A form carries the version it was opened on, so
    that a change made meanwhile is caught. Recording an outcome leaves it as it was: an outcome does not
    change what was decided."""
    if decision is None:
        return "none"
    shown = json.dumps([decision[k] for k in ("state", "reason", "note", "approval")]
                       + [decision["overrides"] or [], decision["assessment"] or {}], sort_keys=True)
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


def get_decision(db: Database, profile_id: int, call_id: int) -> dict | None:
    return db.fetchone("SELECT * FROM decisions WHERE profile_id = %s AND call_id = %s", (profile_id, call_id))


def decision_by_id(db: Database, decision_id: int) -> dict:
    """The decision `decision_id`; NotFound when there is no such decision."""
    decision = db.fetchone("SELECT * FROM decisions WHERE id = %s", (decision_id,))
    if decision is None:
        raise NotFound(f"No decision {decision_id}.")
    return decision


def call_identifier(db: Database, decision_id: int) -> str:
    """The identifier of the call the decision is on; NotFound when there is no such decision."""
    identifier = db.scalar("SELECT c.identifier FROM decisions d JOIN calls c ON c.id = d.call_id WHERE d.id = %s",
                           (decision_id,))
    if identifier is None:
        raise NotFound(f"No decision {decision_id}.")
    return identifier


def decided_calls(db: Database, profile_id: int) -> list[dict]:
    """Every call the profile decided on, with its decision, outcome and evaluation and its last deadline, the
    latest first: the team's record, in which the call page finds the calls of the same series."""
    return db.fetchall(
        f"""SELECT c.id AS call_id, c.identifier, c.title, c.source, c.programme, d.state, d.reason, d.note,
                  d.approval, d.outcome, {EVALUATION_COLUMNS},
                  (SELECT max((x->>'date')::date) FROM jsonb_array_elements(c.deadlines) x) AS last_deadline
           FROM decisions d JOIN calls c ON c.id = d.call_id WHERE d.profile_id = %s
           ORDER BY last_deadline DESC NULLS LAST, c.identifier""", (profile_id,))


def same_series(call: dict, decided: list[dict]) -> dict | None:
    """The profile's decisions (`decided_calls`) on the other calls of the call's series (`codes.series_of`),
    the latest first, what they add up to, and the latest bid in it with a score (`last_scored`). A series
    comes back year after year: what the team decided last time, how it ended and what the evaluators made
    of it, bear on this one. None without a series or without such a decision."""
    series = series_of(call)
    calls = [c for c in decided if c["source"] == call["source"] and c["identifier"] != call["identifier"]
             and series_of(c) == series] if series else []
    if not calls:
        return None
    scored_bid = next((c for c in calls if c["state"] == "bid" and scored(c)), None)
    return {"name": f"the strand {series}" if call["source"] == "ft_portal" else series, "calls": calls,
            "summary": series_summary(calls), "last_scored": scored_bid}


def series_summary(calls: list[dict]) -> str:
    """"3 bids (1 won, 1 lost, 1 rejected by leadership), 1 no bid": the decisions and how the bids ended."""
    bids = [c for c in calls if c["state"] == "bid"]
    ended = [f"{n} {outcome}" for outcome in OUTCOMES if (n := sum(c["outcome"] == outcome for c in bids))]
    if rejected := sum(c["approval"] == "rejected" for c in bids):
        ended.append(f"{rejected} rejected by leadership")
    parts = [counted(len(bids), "bid") + (f" ({', '.join(ended)})" if ended else "")] if bids else []
    parts += [counted(n, label.lower()) for state, label in STATES.items()
              if state != "bid" and (n := sum(c["state"] == state for c in calls))]
    return ", ".join(parts)


def due_near(db: Database, profile_id: int, call_id: int, today, days: int = WORKLOAD_DAYS) -> list[dict]:
    """The profile's other calls marked bid (not rejected) or maybe whose next deadline falls within `days`
    of this call's next deadline, soonest first, with who leads each; none when this call has no deadline
    ahead."""
    return db.fetchall(
        f"""WITH this AS (SELECT {NEXT_DEADLINE} AS deadline FROM calls c WHERE c.id = %(call)s),
                 others AS (SELECT c.identifier, c.title, d.state, {NEXT_DEADLINE} AS next_deadline, u.email AS lead
                            FROM decisions d JOIN calls c ON c.id = d.call_id LEFT JOIN users u ON u.id = d.lead_id
                            WHERE d.profile_id = %(profile)s AND d.call_id <> %(call)s AND {PLANNED})
            SELECT others.* FROM others, this
            WHERE abs(others.next_deadline - this.deadline) <= %(days)s
            ORDER BY others.next_deadline, others.identifier""",
        {"call": call_id, "profile": profile_id, "today": today, "days": days})


def undecided_at_top(db: Database, profile_id: int, top: int) -> int:
    """How many of the profile's `top` best-ranked calls pass the screening with no decision yet. SIC's
    strategy is an application in every relevant call: a fitting call nobody has looked at is a gap.
    Screened-out calls rank after every call that passes, so they are never among them."""
    return db.scalar(
        """SELECT count(*) FROM match_results m
           LEFT JOIN decisions d ON d.call_id = m.call_id AND d.profile_id = m.profile_id
           WHERE m.profile_id = %s AND m.rank <= %s AND NOT m.screened_out AND d.id IS NULL""",
        (profile_id, top))


def waiting_for_approval(db: Database, profile_id: int, today) -> list[dict]:
    """The profile's bids that wait for leadership's approval, the longest waiting first, each with who
    leads it and how far its consortium has got (capacity and partner availability weigh in a bid/no-bid)."""
    return db.fetchall(
        f"""SELECT d.id, c.identifier, c.title, d.state, d.reason, d.note, d.approval, d.overrides, d.assessment,
                   d.updated_at, u.email AS decided_by, lu.email AS lead, c.deadlines,
                   {NEXT_DEADLINE} AS next_deadline, team.partners, team.confirmed, {COMMENTS_OF_CALL}
            FROM decisions d JOIN calls c ON c.id = d.call_id {PARTNERS_OF_DECISION}
            LEFT JOIN users u ON u.id = d.decided_by LEFT JOIN users lu ON lu.id = d.lead_id
            WHERE d.profile_id = %(profile)s AND d.state = 'bid' AND d.approval = 'pending'
            ORDER BY d.updated_at, c.identifier""",
        {"profile": profile_id, "today": today})


def _screening_failed(cur, profile_id: int, call_id: int) -> list[dict]:
    """The screening gates the call fails for the profile in its stored ranking (none when not ranked yet)."""
    row = cur.execute("SELECT gates FROM match_results WHERE profile_id = %s AND call_id = %s",
                      (profile_id, call_id)).fetchone()
    return [{"gate": g["gate"], "reason": g["reason"]} for g in (row["gates"] if row else None) or []
            if not g.get("passed")]


def _record(cur, decision_id: int, user_id: int | None, change: dict) -> None:
    cur.execute("INSERT INTO decision_events (decision_id, user_id, change) VALUES (%s, %s, %s)",
                (decision_id, user_id, Jsonb(change)))


def decide(db: Database, profile_id: int, call_id: int, state: str, reason: str, note: str, user: dict,
           seen: str | None = None, assessment: dict | None = None) -> dict:
    """Records the profile's decision on the call, with its assessment (`QUESTIONS` rated, or none). `seen`
    is the version of the decision the user's form was opened on: when a colleague has changed it since,
    nothing is recorded and ChangedSince says so, unless the two agree."""
    if state not in STATES:
        raise InvalidDecision("Choose bid, maybe or no bid.")
    if reason not in REASONS:
        raise InvalidDecision("Choose a reason from the list.")
    assessment = checked_assessment(assessment)
    note = note.replace("\r\n", "\n").strip()  # as the browser counted it against the field's maxlength
    if len(note) > MAX_NOTE:
        raise InvalidDecision(f"A note can be at most {MAX_NOTE:,} characters; this one has {len(note):,}."
                              " Shorten it and record the decision again.")
    # A bid commits the team's time: leadership approves it unless leadership decided it.
    approval = "approved" if state == "bid" and is_leadership(user) else (
        "pending" if state == "bid" else "not_needed")
    with db.transaction() as cur:
        def current() -> dict | None:
            return cur.execute("SELECT * FROM decisions WHERE profile_id = %s AND call_id = %s FOR UPDATE",
                               (profile_id, call_id)).fetchone()

        old = current()
        # A bid or maybe on a call that failed the screening overrides it: that is allowed (the team knows
        # things the gates do not), but it is said why, and kept with the decision for leadership to see.
        overrides = _screening_failed(cur, profile_id, call_id) if state in OVERRIDES_SCREENING else []
        if overrides and not note:
            raise InvalidDecision(f"This call failed the screening ({failed_gates(overrides)}). A"
                                  f" {STATES[state].lower()} on it overrides that: say why in the note.")
        new = {"state": state, "reason": reason, "note": note, "approval": approval, "overrides": overrides,
               "assessment": assessment}
        if old is None:
            # Someone else may be recording the first decision on this call right now: the insert waits
            # for theirs, and this one then changes it, in the history like any change.
            row = cur.execute(
                """INSERT INTO decisions (profile_id, call_id, state, reason, note, approval, overrides, assessment,
                                         decided_by, approved_by)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (profile_id, call_id) DO NOTHING
                   RETURNING *""",
                (profile_id, call_id, state, reason, new["note"], approval, Jsonb(overrides), Jsonb(assessment),
                 user["id"], user["id"] if approval == "approved" else None)).fetchone()
            if row is not None:  # nobody decided first
                _record(cur, row["id"], user["id"], {k: [None, v] for k, v in new.items() if v not in ([], {})})
                return row
            old = current()
        change = {k: [old[k], v] for k, v in new.items() if old[k] != v}
        if not change:
            return old
        if seen is not None and version(old) != seen:
            raise ChangedSince(call_id, _changed_by(cur, old["id"], user))
        row = cur.execute(
            """UPDATE decisions SET state = %s, reason = %s, note = %s, approval = %s, overrides = %s, assessment = %s,
                   decided_by = %s, approved_by = %s, updated_at = now() WHERE id = %s RETURNING *""",
            (state, reason, new["note"], approval, Jsonb(overrides), Jsonb(assessment), user["id"],
             user["id"] if approval == "approved" else None, old["id"])).fetchone()
        _record(cur, row["id"], user["id"], change)
        return row


def set_lead(db: Database, decision_id: int, lead_id: int | None, user: dict) -> dict:
    """Who writes the application (a user id; None: nobody yet), in the history like any change. Only an
    active user can take it on; whoever leads keeps it through the decision's changes, since the
    application is theirs to write. It is not part of the decision's version: naming who writes a bid
    does not change what was decided or approved. Returned with `named` when a colleague is named (`lead`:
    their address), and `emailed` when they take an email at once (`writer_to_email`) rather than the digest."""
    with db.transaction() as cur:
        old = _locked(cur, decision_id)
        if old["lead_id"] == lead_id:  # saved as it was (a lead deactivated since included)
            return {**old, "named": False}
        lead = None
        if lead_id is not None:
            lead = cur.execute("SELECT id, email, active, emails_at_once FROM users WHERE id = %s",
                               (lead_id,)).fetchone()
            if lead is None or not lead["active"]:
                raise InvalidDecision("Choose a colleague who can sign in to lead the application.")
        before = cur.execute("SELECT email FROM users WHERE id = %s", (old["lead_id"],)).fetchone()
        row = cur.execute("UPDATE decisions SET lead_id = %s, lead_emailed_at = NULL WHERE id = %s RETURNING *",
                          (lead_id, decision_id)).fetchone()
        # Emails, not ids: the history says who led it even after the user is gone.
        _record(cur, decision_id, user["id"], {"lead": [before and before["email"], lead and lead["email"]]})
        named = lead is not None and lead["id"] != user["id"]  # naming oneself is no news
        return {**row, "named": named, "lead": lead and lead["email"], "emailed": named and lead["emails_at_once"]}


def _latest_event(field: str) -> str:
    """Joins a decision d's latest event that changed `field` (a column name) as e (at, user_id, change)."""
    return f"""CROSS JOIN LATERAL (SELECT x.at, x.user_id, x.change FROM decision_events x
                                   WHERE x.decision_id = d.id AND x.change ? '{field}'
                                   ORDER BY x.at DESC, x.id DESC LIMIT 1) e"""


# The profile of a decision `d`, for the lists of every profile's that a digest tells its reader of: it names the
# profile, and links to the call for it, where that is not the digest's.
DECISION_PROFILE = "d.profile_id, (SELECT p.name FROM profiles p WHERE p.id = d.profile_id) AS profile"


def named_to_write(db: Database, user_id: int, since, today) -> list[dict]:
    """The applications (bids not rejected, and maybes, of every profile) a colleague named the user to write
    since `since`, and that they still write, and were not emailed of at once, soonest deadline first: a
    digest tells them, since whoever names a writer is seldom the one who writes."""
    return db.fetchall(
        f"""SELECT c.identifier, c.title, d.state, {NEXT_DEADLINE} AS next_deadline, e.at AS named_at,
                   u.email AS named_by, {DECISION_PROFILE}
            FROM decisions d JOIN calls c ON c.id = d.call_id
            {_latest_event("lead")}
            LEFT JOIN users u ON u.id = e.user_id
            WHERE d.lead_id = %(user)s AND {PLANNED} AND d.lead_emailed_at IS NULL
              AND e.at > %(since)s AND e.user_id IS DISTINCT FROM %(user)s
            ORDER BY next_deadline NULLS LAST, c.identifier""",
        {"user": user_id, "since": since, "today": today})


def writer_to_email(db: Database, decision_id: int, today) -> AbstractContextManager[dict | None]:
    """The colleague named to write the decision's application, to email them at once: their address, the
    call and its next deadline, the decision's state, its profile, and who named them when; None when it needs
    none any more (sent, someone else named, the bid rejected, the colleague's choice changed) or another job
    is sending it. Marked emailed when the block ends without an error: a failed send stays unsent, for the
    job's retry and else for the digest."""
    return db.claimed(
        f"""SELECT d.id, d.state, d.profile_id, p.name AS profile, u.email, c.identifier, c.title,
                   {NEXT_DEADLINE} AS next_deadline, e.at AS named_at, n.email AS named_by
              FROM decisions d JOIN users u ON u.id = d.lead_id JOIN calls c ON c.id = d.call_id
              JOIN profiles p ON p.id = d.profile_id
              {_latest_event("lead")}
              JOIN users n ON n.id = e.user_id
             WHERE d.id = %(decision)s AND d.lead_emailed_at IS NULL AND {PLANNED}
               AND n.id <> u.id AND u.active AND u.emails_at_once
               FOR UPDATE OF d SKIP LOCKED""", {"decision": decision_id, "today": today},
        "UPDATE decisions SET lead_emailed_at = now() WHERE id = %(decision)s")


# A bid leadership answered (approved or rejected), on a decision `d` and its latest approval event `e`; not one
# leadership approved as it made it (that event records the decision too). Whom the answer concerns is a user
# %(user)s who recorded the bid or writes it, and did not give the answer.
ANSWERED = """d.state = 'bid' AND d.approval IN ('approved', 'rejected') AND e.change - 'approval' = '{}'
              AND %(user)s IN (d.decided_by, d.lead_id) AND e.user_id IS DISTINCT FROM %(user)s"""


def answer_to_email(db: Database, decision_id: int, user_id: int, today) -> AbstractContextManager[dict | None]:
    """Leadership's answer to a bid, to email at once to the colleague `user_id` who recorded it or writes it:
    their address, the call and its next deadline, the answer, who gave it when, who writes the bid, and its
    profile; None when it needs none (sent, the bid changed or approved as it was made, the answer theirs,
    the colleague's choice changed) or another job is sending it. Marked emailed to them when the block ends
    without an error: a failed send stays unsent, for the job's retry and else for the digest."""
    return db.claimed(
        f"""SELECT d.id, d.approval, d.profile_id, p.name AS profile, u.id AS user_id, u.email, c.identifier,
                   c.title, {NEXT_DEADLINE} AS next_deadline, e.at AS answered_at, a.email AS answered_by,
                   w.email AS lead
              FROM decisions d JOIN users u ON u.id = %(user)s JOIN calls c ON c.id = d.call_id
              JOIN profiles p ON p.id = d.profile_id
              {_latest_event("approval")}
              JOIN users a ON a.id = e.user_id LEFT JOIN users w ON w.id = d.lead_id
             WHERE d.id = %(decision)s AND {ANSWERED}
               AND u.active AND u.emails_at_once AND NOT u.id = ANY(d.approval_emailed_to)
               FOR UPDATE OF d SKIP LOCKED""", {"decision": decision_id, "user": user_id, "today": today},
        "UPDATE decisions SET approval_emailed_to = approval_emailed_to || %(user)s::bigint WHERE id = %(decision)s")


def answer_recipients(db: Database, decision_id: int) -> list[int]:
    """Whom leadership's answer to the bid may concern: whoever recorded it and whoever writes it."""
    row = db.fetchone("SELECT decided_by, lead_id FROM decisions WHERE id = %s", (decision_id,))
    return list(dict.fromkeys(u for u in (row["decided_by"], row["lead_id"]) if u)) if row else []


def answered_bids(db: Database, user_id: int, since, today) -> list[dict]:
    """The bids the user recorded or writes (of every profile) that leadership approved or rejected since
    `since`, as they still stand, soonest deadline first: in a team that works remotely, whoever asked for
    the approval should not have to look for the answer. The user's own answers are left out, and so is a
    bid leadership approved as it made it (the approval event then records the decision too), and one the
    user was emailed of at once (`answer_to_email`)."""
    return db.fetchall(
        f"""SELECT c.identifier, c.title, {NEXT_DEADLINE} AS next_deadline, d.approval, e.at AS answered_at,
                   u.email AS answered_by, {DECISION_PROFILE}
            FROM decisions d JOIN calls c ON c.id = d.call_id
            {_latest_event("approval")}
            LEFT JOIN users u ON u.id = e.user_id
            WHERE {ANSWERED} AND e.at > %(since)s AND NOT %(user)s = ANY(d.approval_emailed_to)
            ORDER BY next_deadline NULLS LAST, c.identifier""",
        {"user": user_id, "since": since, "today": today})


def decided_anew(db: Database, user_id: int, since, today) -> list[dict]:
    """The applications the user writes (of every profile) that a colleague decided anew since `since` (a bid
    made no bid, a maybe made a bid, ...), as they stand now against how they stood then (`was`), soonest
    deadline first: whoever writes an application should not find out from the Pipeline that it was dropped
    or brought back. Changed and changed back within the period is no news, and neither is the user's own
    change."""
    return db.fetchall(
        f"""SELECT c.identifier, c.title, {NEXT_DEADLINE} AS next_deadline, first.was, d.state, d.reason, d.note,
                   e.at AS decided_at, u.email AS decided_by, {DECISION_PROFILE}
            FROM decisions d JOIN calls c ON c.id = d.call_id
            CROSS JOIN LATERAL (SELECT x.change->'state'->>0 AS was FROM decision_events x
                                 WHERE x.decision_id = d.id AND x.change ? 'state' AND x.at > %(since)s
                                 ORDER BY x.at, x.id LIMIT 1) first
            {_latest_event("state")}
            LEFT JOIN users u ON u.id = e.user_id
            WHERE d.lead_id = %(user)s AND first.was IS NOT NULL AND first.was <> d.state
              AND e.user_id IS DISTINCT FROM %(user)s
            ORDER BY next_deadline NULLS LAST, c.identifier""",
        {"user": user_id, "since": since, "today": today})


def outcomes_since(db: Database, profile_id: int, user_id: int | None, since) -> list[dict]:
    """The outcomes (submitted, won, lost, withdrawn) a colleague recorded for the profile's bids since
    `since`, or whose evaluation they recorded later (`evaluation_only`: the report often comes after the
    letter), as they still stand, the latest first: a win or a loss is news to the whole team, the evaluators'
    verdict too, and the ranking is checked against them."""
    return db.fetchall(
        f"""SELECT c.identifier, c.title, d.outcome, {EVALUATION_COLUMNS}, e.at AS recorded_at, u.email AS recorded_by,
                   NOT EXISTS (SELECT 1 FROM decision_events o WHERE o.decision_id = d.id AND o.change ? 'outcome'
                                 AND o.at > %(since)s) AS evaluation_only
           FROM decisions d JOIN calls c ON c.id = d.call_id
           CROSS JOIN LATERAL (SELECT x.at, x.user_id FROM decision_events x
                               WHERE x.decision_id = d.id AND x.change ?| array['outcome', 'evaluation']
                               ORDER BY x.at DESC, x.id DESC LIMIT 1) e
           LEFT JOIN users u ON u.id = e.user_id
           WHERE d.profile_id = %(profile)s AND d.outcome IS NOT NULL AND e.at > %(since)s
             AND e.user_id IS DISTINCT FROM %(user)s
           ORDER BY e.at DESC, c.identifier""",
        {"profile": profile_id, "user": user_id, "since": since})


def awaiting_results(db: Database, profile_id: int | None) -> list[dict]:
    """The profile's bids (None: every profile's; not rejected) with no result recorded (nothing, or only
    "submitted") whose results' day is known (`results.expected`: `by`, `said`, `last_deadline`), each with who
    wrote it (`lead_id`, or `decided_by` where nobody was named) and its profile (`profile_id`, `profile`), the
    soonest due first: what the team waits to hear."""
    rows = db.fetchall(
        f"""SELECT c.identifier, c.title, c.source, c.deadlines, {RESULTS_SAID} AS results_said, d.outcome,
                   coalesce(d.lead_id, d.decided_by) AS writer_id, {DECISION_PROFILE}
            FROM decisions d JOIN calls c ON c.id = d.call_id
            WHERE (%(profile)s::bigint IS NULL OR d.profile_id = %(profile)s) AND {AWAITING}""",
        {"profile": profile_id})
    return sorted(({**row, **timing} for row in rows if (timing := expected(row))),
                  key=lambda r: (r["by"], r["identifier"], r["profile_id"]))


def results_due(db: Database, user_id: int, since: datetime, today, zone: str = "UTC") -> list[dict]:
    """Of `awaiting_results`, of every profile, those whose results came due in (`since`, `today`] on bids the
    user wrote (or decided on, where nobody was named to write): a digest tells them once, when the programme
    should have told the applicants, whichever profile its reader works on now. `since` is a moment, its day the
    day it was in `zone` (the team's), as `today` is."""
    after = in_zone(since, ZoneInfo(zone)).date()
    return [row for row in awaiting_results(db, None)
            if row["writer_id"] == user_id and after < row["by"] <= today]


def applications_written(db: Database, today) -> dict[int, int]:
    """Per user id: how many applications, of every profile, they write with a deadline still ahead (bids
    not rejected, and maybes): each one's load, and what someone leaving hands over."""
    return {row["lead_id"]: row["n"] for row in db.fetchall(
        f"""SELECT d.lead_id, count(*) AS n FROM decisions d JOIN calls c ON c.id = d.call_id
            WHERE d.lead_id IS NOT NULL AND {PLANNED}
              AND {NEXT_DEADLINE} IS NOT NULL GROUP BY d.lead_id""", {"today": today})}


def _changed_by(cur, decision_id: int, user: dict) -> str:
    """What to tell a user whose decision was not recorded because it changed since their page opened:
    who changed it (the last change other than an outcome or who leads it), so they know whom to ask."""
    last = cur.execute(
        """SELECT u.id, u.email FROM decision_events e LEFT JOIN users u ON u.id = e.user_id
           WHERE e.decision_id = %s AND e.change - 'outcome' - 'lead' <> '{}'::jsonb
           ORDER BY e.at DESC, e.id DESC LIMIT 1""",
        (decision_id,)).fetchone()
    if last and last["id"] == user["id"]:
        return ("You changed this decision in another tab or window after this page was opened, so this version"
                " was not recorded. The recorded one is shown under Now; this one is still in the form: record"
                " it again to replace it.")
    who = last["email"] if last and last["email"] else "Someone"
    return (f"{who} changed this decision after you opened the page, so yours was not recorded. Theirs is"
            " shown under Now; yours is still in the form: record it again to replace theirs.")


def _locked(cur, decision_id: int) -> dict:
    """The decision, locked until the transaction ends; NotFound when there is none."""
    row = cur.execute("SELECT * FROM decisions WHERE id = %s FOR UPDATE", (decision_id,)).fetchone()
    if row is None:
        raise NotFound(f"No decision {decision_id}.")
    return row


def approve(db: Database, decision_id: int, user: dict, approved: bool, seen: str | None = None) -> dict:
    """`seen` is the version of the decision the approver's page showed: if it has changed since, nothing
    is approved and ChangedSince says so. Returned with whom the answer concerns (`told`: whoever recorded
    the bid and whoever writes it, the approver aside, by address, each with whether they take an email at
    once rather than the digest)."""
    if not is_leadership(user):
        raise InvalidDecision("Only leadership can approve a bid.")
    with db.transaction() as cur:
        old = _locked(cur, decision_id)
        if seen is not None and version(old) != seen:
            raise ChangedSince(old["call_id"], "This bid was changed after you opened the page. Here it is as it"
                                               " stands now: approve or reject it again.")
        if old["state"] != "bid":
            raise InvalidDecision("Only a bid decision can be approved.")
        value = "approved" if approved else "rejected"
        row = cur.execute("UPDATE decisions SET approval = %s, approved_by = %s, approval_emailed_to = '{}',"
                          " updated_at = now() WHERE id = %s RETURNING *", (value, user["id"], decision_id)).fetchone()
        _record(cur, decision_id, user["id"], {"approval": [old["approval"], value]})
        told = cur.execute("SELECT email, emails_at_once FROM users WHERE id IN (%s, %s) AND id <> %s AND active"
                           " ORDER BY email", (row["decided_by"], row["lead_id"], user["id"])).fetchall()
        return {**row, "told": {u["email"]: u["emails_at_once"] for u in told}}


def set_outcome(db: Database, decision_id: int, outcome: str, user: dict, evaluation: dict | None = None,
                today: date | None = None) -> dict:
    """Records how a bid ended and, for one won or lost, its `evaluation` (`checked_evaluation`'s input; None
    keeps the one recorded, where the outcome still takes one). Only what changed goes into the history. Given
    `today`, a bid is not won or lost on or before the call's first deadline: that is the wrong call or the
    wrong choice in the list, and it would ask the team's record to count a result nobody has had."""
    if outcome not in OUTCOMES:
        raise InvalidDecision(f"Outcome must be one of {', '.join(OUTCOMES)}.")
    try:
        columns = evaluation_columns(checked_evaluation(evaluation)) if evaluation is not None else None
    except InvalidEvaluation as problem:
        raise InvalidDecision(str(problem)) from None
    if columns is not None and outcome not in EVALUATED and evaluation_of(columns):
        raise InvalidDecision(f"A bid {outcome} has no evaluation: record it won or lost with its scores, or"
                              " leave the scores and comments empty.")
    with db.transaction() as cur:
        old = _locked(cur, decision_id)
        if not takes_outcome(old):
            marked = "a bid leadership rejected" if old["state"] == "bid" else f"marked {STATES[old['state']].lower()}"
            raise InvalidDecision(f"An outcome is recorded for a bid; this call is {marked}.")
        if today is not None and outcome in EVALUATED and old["outcome"] != outcome:
            _before_results(cur, old["call_id"], outcome, today)
        if columns is None:  # kept as it is, unless the bid no longer ended in an evaluation
            columns = evaluation_columns({})
            if outcome in EVALUATED:
                columns = {column: old[column] for column in columns}
        change = {"outcome": [old["outcome"], outcome]} if old["outcome"] != outcome else {}
        if (was := evaluation_of(old)) != (now := evaluation_of(columns)):
            change["evaluation"] = [was, now]
        if not change:
            return old
        row = cur.execute(
            f"UPDATE decisions SET outcome = %s, {', '.join(f'{column} = %s' for column in columns)},"
            " updated_at = now() WHERE id = %s RETURNING *",
            (outcome, *(Jsonb(value) if isinstance(value, list) else value for value in columns.values()),
             decision_id)).fetchone()
        _record(cur, decision_id, user["id"], change)
        return row


def _before_results(cur, call_id: int, outcome: str, today: date) -> None:
    """Refuses a result on or before the call's first deadline (a call without deadlines takes any day)."""
    first = first_deadline(cur.execute("SELECT deadlines FROM calls WHERE id = %s", (call_id,)).fetchone())
    if first is not None and today <= first:
        raise InvalidDecision(
            f"No bid is {outcome} before the call's deadline: its first is {first:%d %b %Y}. Record it submitted"
            " once it is sent, and won or lost when the programme tells.")


def history(db: Database, decision_id: int) -> list[dict]:
    return db.fetchall(
        "SELECT e.at, e.change, u.email FROM decision_events e LEFT JOIN users u ON u.id = e.user_id"
        " WHERE e.decision_id = %s ORDER BY e.at, e.id", (decision_id,))


def board(db: Database, profile_id: int, today) -> list[dict]:
    """Every call the profile decided on, with its decision (why, by whom, who approved it, who leads the
    application, how it ended and its evaluation), rank, next deadline, latest recent change, the partners in
    its consortium so far (how many, how many confirmed, and their names with their countries), its steps to submission
    (how many, how many done, the next open one) and its planned budget (the applicant's share, the total, and
    the applicant's co-financing at the rate it plans with), soonest first: the board, and the register
    leadership downloads."""
    rows = db.fetchall(
        f"""SELECT c.identifier, c.title, c.programme, c.grant_max, c.url, d.state, d.reason, d.note, d.approval,
                   d.outcome, {EVALUATION_COLUMNS}, d.overrides, d.assessment, d.updated_at, du.email AS decided_by,
                   au.email AS approved_by,
                   lu.email AS lead, lu.active AS lead_active,
                   m.rank, c.deadlines, {NEXT_DEADLINE} AS next_deadline, {STILL_OPEN} AS still_open, m.score,
                   c.unlisted_since,
                   team.partners, team.confirmed, team.partner_names, lc.seen_at AS changed_at, lc.changes,
                   plan.steps, plan.steps_done, plan.steps_overdue, plan.next_step, plan.next_step_due,
                   budget.own_budget, budget.planned AS planned_budget, budget.funding_rate AS planned_rate,
                   c.funding_rate, c.action_type, c.source, {COMMENTS_OF_CALL},
                   -- read only where results are awaited: the regular expression reads the call's whole text
                   CASE WHEN {AWAITING} THEN {RESULTS_SAID} END AS results_said
            FROM decisions d JOIN calls c ON c.id = d.call_id {PARTNERS_OF_DECISION} {STEPS_OF_DECISION}
            {BUDGET_OF_DECISION}
            LEFT JOIN match_results m ON m.call_id = c.id AND m.profile_id = d.profile_id
            LEFT JOIN users du ON du.id = d.decided_by LEFT JOIN users au ON au.id = d.approved_by
            LEFT JOIN users lu ON lu.id = d.lead_id {LATEST_CHANGE}
            WHERE d.profile_id = %(profile)s ORDER BY next_deadline NULLS LAST, c.identifier""",
        {"today": today, "profile": profile_id})
    types = db.scalar("SELECT organisation_types FROM profiles WHERE id = %s", (profile_id,))
    for row in rows:
        rate = row["planned_rate"] if row["planned_rate"] is not None else standard_rate(row, types)[0]
        row["own_cofinancing"] = cofinancing(row["own_budget"], rate)
    return rows


def planned(db: Database, profile_id: int) -> list[dict]:
    """The calls marked bid (not rejected by leadership) or maybe, with all their deadlines and who writes
    each: what the team's calendar holds. A rejected bid is not written, so its deadlines would only be noise."""
    return db.fetchall(
        f"""SELECT c.identifier, c.title, c.url, c.deadlines, d.state, c.unlisted_since, u.email AS lead
            FROM decisions d JOIN calls c ON c.id = d.call_id LEFT JOIN users u ON u.id = d.lead_id
            WHERE d.profile_id = %s AND {PLANNED} ORDER BY c.identifier""", (profile_id,))


def steps_to_do(db: Database, user_id: int, today, profile_id: int | None = None,
                within_days: int | None = None, undated: bool = False) -> list[dict]:
    """The open steps with a due day (and those without, when `undated`) that the user does (`STEP_DONE_BY`)
    in bids not rejected and maybes, of the profile (None: of every profile), due within `within_days` of
    `today` or overdue (None: any day), the earliest first: their own to-do list, on the Pipeline, in their
    calendar beside the deadlines, and in their digest."""
    return db.fetchall(
        f"""SELECT s.id, s.title, s.due, s.due < %(today)s AS overdue, c.identifier, c.title AS call_title,
                   {DECISION_PROFILE}
            FROM application_steps s JOIN decisions d ON d.id = s.decision_id JOIN calls c ON c.id = d.call_id
            WHERE {STEP_DONE_BY} = %(user)s AND {PLANNED} AND s.done_at IS NULL
              AND (s.due IS NOT NULL OR %(undated)s)
              AND (%(profile)s::bigint IS NULL OR d.profile_id = %(profile)s)
              AND (%(days)s::int IS NULL OR s.due <= %(today)s::date + %(days)s::int)
            ORDER BY s.due NULLS LAST, c.identifier, s.id""",
        {"user": user_id, "today": today, "profile": profile_id, "days": within_days, "undated": undated})


def steps_handed(db: Database, user_id: int, since) -> list[dict]:
    """The open steps a colleague handed the user since `since` (of every profile's bids not rejected and
    maybes) that are still theirs and were not emailed to them at once, the earliest due first: a digest tells
    them once, since such a step may not be due for weeks."""
    return db.fetchall(
        f"""SELECT s.id, s.title, s.due, c.identifier, c.title AS call_title, s.assigned_at, u.email AS handed_by,
                   {DECISION_PROFILE}
            FROM application_steps s JOIN decisions d ON d.id = s.decision_id JOIN calls c ON c.id = d.call_id
            LEFT JOIN users u ON u.id = s.assigned_by
            WHERE s.assignee_id = %(user)s AND {PLANNED} AND s.done_at IS NULL
              AND s.assigned_at > %(since)s AND s.assigned_by IS DISTINCT FROM %(user)s
              AND s.handed_emailed_at IS NULL
            ORDER BY s.due NULLS LAST, c.identifier, s.id""",
        {"user": user_id, "since": since})


def steps_by_person(db: Database, profile_id: int, today) -> list[dict]:
    """Per person (email None: nobody, for the steps of applications nobody writes), how many open steps they
    do (`STEP_DONE_BY`) in the profile's bids not rejected and maybes, and how many of those are overdue: the
    administrative load, which in a team of five tends to rest on one person."""
    return db.fetchall(
        f"""SELECT u.email, u.active, count(*) AS open, count(*) FILTER (WHERE s.due < %(today)s) AS overdue
            FROM application_steps s JOIN decisions d ON d.id = s.decision_id LEFT JOIN users u ON u.id = {STEP_DONE_BY}
            WHERE d.profile_id = %(profile)s AND {PLANNED} AND s.done_at IS NULL
            GROUP BY u.email, u.active""", {"profile": profile_id, "today": today})
