"""What a user's digest holds, and the record that each period is sent once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta, timezone, tzinfo

from .calls import NEXT_DEADLINE
from .checklist import DUE_WITHIN_DAYS, STEPS_OF_DECISION
from .consortium import PARTNERS_OF_DECISION, answers_since, to_follow_up
from .db import Database
from .discussion import new_for as comments_for
from .applications import PLANNED
from .decisions import (OUTCOMES, answered_bids, decided_anew, decided_calls, named_to_write, outcomes_since,
                        results_due, same_series, steps_handed, steps_to_do, waiting_for_approval)
from .programmes import new_programmes
from .runs import failing_sources
from .text import counted
from .users import is_leadership
from .watches import news as watched_news

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


def due_users(db: Database, now: datetime) -> list[tuple[dict, datetime]]:
    """(user, period start) for every active, subscribed user whose period has ended; a user never sent one is due."""
    out = []
    for user in db.fetchall("SELECT * FROM users WHERE active AND digest_frequency <> 'never' ORDER BY id"):
        start = period_start(db, user)
        if start + PERIODS[user["digest_frequency"]] <= now + EARLY:
            out.append((user, start))
    return out


# A period that ends within minutes of the daily run counts as ended: a run that starts at 07:00:30 sends
# the daily digest whose period ends at 07:01 (the previous run's time), not a day later.
EARLY = timedelta(minutes=5)


def period_start(db: Database, user: dict) -> datetime:
    """Where the user's next digest starts telling from: the end of the last one sent, or, with none sent
    yet, one period before they were added (a first digest is due at once)."""
    last = db.scalar("SELECT max(period_end) FROM digests WHERE user_id = %s AND sent_at IS NOT NULL", (user["id"],))
    return last if last is not None else user["created_at"] - PERIODS.get(user["digest_frequency"], PERIODS["weekly"])


def next_run(user: dict, start: datetime, now: datetime, hour: int, zone: tzinfo = timezone.utc) -> datetime | None:
    """When the worker's daily digest run (at `hour` in `zone`, the team's clock) next sends the user's
    digest, if it has something to tell by then (one with nothing waits for the run after); None for a user
    who gets none."""
    period = PERIODS.get(user["digest_frequency"])
    if period is None:
        return None
    due = max(start + period - EARLY, now)
    run = due.astimezone(zone).replace(hour=hour, minute=0, second=0, microsecond=0)
    return run if run >= due else run + timedelta(days=1)


def content(db: Database, user: dict, since: datetime, today: date, profile_id: int | None = None,
            watched: Collection[str] = (), now: datetime | None = None, zone: str = "UTC") -> dict:
    """What the user's digest holds; `watched`: the daily crawl's sources, whose failure it reports; `now`:
    the end of its period (the clock's time unless given); `zone`: the team's, whose days count the days
    since a partner was asked and say which day the period began (results due after it)."""
    profile_id = profile_id or user.get("profile_id") or db.scalar("SELECT min(id) FROM profiles")
    now = now or utcnow()
    new_calls = db.fetchall(
        f"""SELECT c.id, c.identifier, c.source, c.title, c.programme, m.score, m.rank,
                   {NEXT_DEADLINE} AS next_deadline
            FROM calls c JOIN match_results m ON m.call_id = c.id AND m.profile_id = %(profile)s
            WHERE c.first_seen > %(since)s AND NOT m.screened_out AND m.rank <= %(top)s ORDER BY m.rank""",
        {"profile": profile_id, "since": since, "top": user["digest_top"], "today": today})
    # A call that comes back in a series the team bid in before (lost narrowly, say) is news of another kind.
    if new_calls:
        decided = decided_calls(db, profile_id)
        for call in new_calls:
            call["series"] = same_series(call, decided)
    deadlines = db.fetchall(
        f"""SELECT c.id, c.identifier, c.title, d.state, (x->>'date')::date AS deadline, x->>'stage' AS stage,
                   c.unlisted_since, team.partners, team.confirmed, lu.email AS lead, plan.steps, plan.steps_done
            FROM decisions d JOIN calls c ON c.id = d.call_id {PARTNERS_OF_DECISION} {STEPS_OF_DECISION}
            LEFT JOIN users lu ON lu.id = d.lead_id
            CROSS JOIN LATERAL jsonb_array_elements(c.deadlines) x
            WHERE d.profile_id = %(profile)s AND {PLANNED}
              AND (x->>'date')::date BETWEEN %(today)s AND %(today)s::date + %(days)s::int ORDER BY deadline""",
        {"profile": profile_id, "today": today, "days": user["digest_days_ahead"]})
    waiting = waiting_for_approval(db, profile_id, today) if is_leadership(user) else []
    # No profile yet: a fresh installation's first digest.
    profile = db.fetchone("SELECT id, name, programmes, assessment_weights FROM profiles WHERE id = %s",
                          (profile_id,)) or {"id": None, "name": None, "programmes": [], "assessment_weights": {}}
    # Whoever does a step is reminded of it this week, every period until it is ticked off; one a colleague
    # handed them is told once, where it is due if it is due this week.
    steps = steps_to_do(db, user["id"], today, within_days=DUE_WITHIN_DAYS) if user.get("id") else []
    due = {step["id"] for step in steps}
    handed = [step for step in steps_handed(db, user["id"], since) if step["id"] not in due] if user.get("id") else []
    # "No new fitting calls" means little if the crawl that would have found them failed: say so.
    return {"profile": profile["name"], "assessment_weights": profile["assessment_weights"], "new_calls": new_calls,
            # The new calls each search the reader watches finds, whatever their rank (those above aside).
            "watched": watched_news(db, user["id"], since, today, [c["id"] for c in new_calls])
            if user.get("id") else [],
            "deadlines": deadlines, "waiting": waiting,
            "changed": changed_calls(db, profile_id, since, now, today, user["digest_top"]),
            "answers": answers_since(db, profile_id, since, user.get("id")),
            "to_write": named_to_write(db, user["id"], since, today) if user.get("id") else [],
            "steps": steps, "handed": handed,
            "comments": comments_for(db, user["id"], since, now) if user.get("id") else [],
            "answered": answered_bids(db, user["id"], since, today) if user.get("id") else [],
            "decided_anew": decided_anew(db, user["id"], since, today) if user.get("id") else [],
            "outcomes": outcomes_since(db, profile_id, user.get("id"), since),
            "results_due": results_due(db, user["id"], since, today, zone) if user.get("id") else [],
            "follow_up": to_follow_up(db, user.get("id"), today, zone),
            "failing": failing_sources(db, watched),
            # A programme that was not there before: EU funding instruments change, and SIC lives on them.
            "new_programmes": new_programmes(db, profile, since, now)}


def changed_calls(db: Database, profile_id: int, since: datetime, until: datetime, today: date, top: int) -> list[dict]:
    """The calls a crawl found changed in (`since`, `until`] that the reader's team works on (marked bid or maybe)
    or that are among their `top` passing the screening, soonest deadline first, each with its changes in the
    order seen (a list) and its decision and writer if any. A moved deadline or a revised budget is news to
    whoever writes the application, and can bring back a call set aside as too close or too small."""
    return db.fetchall(
        f"""SELECT c.identifier, c.title, coalesce({PLANNED}, false) AS planned, m.rank, lu.email AS lead,
                   CASE WHEN d.approval = 'rejected' THEN 'bid rejected' ELSE replace(d.state, '_', ' ') END AS decided,
                   {NEXT_DEADLINE} AS next_deadline, array_agg(x.changes ORDER BY x.seen_at, x.id) AS changes
            FROM call_changes x JOIN calls c ON c.id = x.call_id
            LEFT JOIN decisions d ON d.call_id = c.id AND d.profile_id = %(profile)s
            LEFT JOIN match_results m ON m.call_id = c.id AND m.profile_id = %(profile)s
            LEFT JOIN users lu ON lu.id = d.lead_id
            WHERE x.seen_at > %(since)s AND x.seen_at <= %(until)s
              AND ((d.id IS NOT NULL AND {PLANNED}) OR (NOT m.screened_out AND m.rank <= %(top)s))
            GROUP BY c.id, d.id, m.rank, lu.email ORDER BY next_deadline NULLS LAST, c.identifier""",
        {"profile": profile_id, "since": since, "until": until, "today": today, "top": top})


def told(content: dict) -> list[str]:
    """What a digest tells, counted, leaving out what it has none of ("2 new fitting calls", "1 bid won"): its
    subject, which an inbox cuts short, so "0 new fitting calls, 0 deadlines coming" would hide the one step
    handed to the reader. A failed crawl is said apart."""
    answered, outcomes = content.get("answered", []), content.get("outcomes", [])
    counts = [
        (len(content["new_calls"]), "new fitting call", ""),
        (sum(watched["total"] for watched in content.get("watched", [])), "new call", " for your watched searches"),
        (len(content["deadlines"]), "deadline", " coming"),
        (len(content.get("changed", [])), "changed call", ""),
        (len(content.get("waiting", [])), "bid", " waiting for approval"),
        *((sum(bid["approval"] == answer for bid in answered), "bid", f" {answer}")
          for answer in ("approved", "rejected")),
        *((sum(bid["outcome"] == outcome and not bid.get("evaluation_only") for bid in outcomes), "bid", f" {outcome}")
          for outcome in OUTCOMES),
        (sum(bool(bid.get("evaluation_only")) for bid in outcomes), "evaluation", " recorded"),
        (len(content.get("results_due", [])), "result", " to record"),
        (len(content.get("to_write", [])), "application", " for you to write"),
        (len(content.get("decided_anew", [])), "application of yours", " decided anew"),
        (len(content.get("steps", [])), "application step", " due"),
        (len(content.get("handed", [])), "step", " handed to you"),
        (len(content.get("comments", [])), "new comment", ""),
        (len(content.get("answers", [])), "partner answer", ""),
        (len(content.get("follow_up", [])), "partner", " to follow up"),
        (len(content.get("new_programmes", [])), "new programme", ""),
    ]
    return [counted(n, noun) + after for n, noun, after in counts if n]


def has_news(content: dict) -> bool:
    """Whether a digest would tell its reader anything (`told`: a new call, one a watched search finds, a
    deadline, a changed call, planned or among their top, a bid waiting, leadership's answer on one, a bid's
    outcome or its results due, an application to write or a step of one due or handed to them, one of theirs a
    colleague decided anew, a colleague's comment for them, a partner's answer, one to follow up, a new
    programme) or a crawl failed. One with none of them is not sent (a daily "nothing new" teaches people to
    ignore the mail), and its period is not claimed, so the next digest covers it."""
    return bool(told(content) or content.get("failing"))


def claim(db: Database, user_id: int, start: datetime, end: datetime, call_ids: list[int], subject: str) -> int | None:
    """Reserve this user's period; None when it was already sent (so a second run sends nothing)."""
    row = db.fetchone(
        """INSERT INTO digests (user_id, period_start, period_end, call_ids, subject) VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (user_id, period_start) DO UPDATE SET period_end = EXCLUDED.period_end,
               call_ids = EXCLUDED.call_ids, subject = EXCLUDED.subject
           WHERE digests.sent_at IS NULL RETURNING id""",
        (user_id, start, end, call_ids, subject))
    return row["id"] if row else None


def mark_sent(db: Database, digest_id: int) -> None:
    db.execute("UPDATE digests SET sent_at = now() WHERE id = %s", (digest_id,))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
