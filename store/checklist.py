"""The steps of writing an application: what has to be done before a bid or maybe can be submitted, each
with the day it is due and who ticked it off. SIC's administrative work rests on one person; written down,
it can be shared, and a digest reminds whoever writes the application of what falls due."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from psycopg.types.json import Jsonb

from .calls import jsonable
from .db import Database
from .errors import CallmatchError, NotFound
from .text import one_line

MAX_TITLE = 200
# What a digest lists: the open steps of the reader's applications due within this many days, or overdue.
DUE_WITHIN_DAYS = 7


class InvalidStep(CallmatchError):
    pass


# The usual steps of an application by where it is submitted, each with how many days before the deadline
# it is best done: partners take weeks to confirm and to register, a budget needs every partner's figures,
# and submission systems are slow on a deadline's last day. A starting point the team edits, not a rule.
USUAL_STEPS = {
    "portal": ("a proposal on the Funding & Tenders Portal", (
        ("Consortium agreed: every partner confirmed, and who coordinates", 42),
        ("Every partner's PIC collected (each registers in the Participant Register)", 35),
        ("Part B, the technical description, drafted and shared with the partners", 21),
        ("Budget agreed with each partner for the budget table of Part A", 14),
        ("Part A, the administrative forms, completed in the Submission System", 7),
        ("Annexes and declarations the call asks for ready", 5),
        ("Proposal submitted, a day early (a new submission replaces it until the deadline)", 1),
    )),
    "europeaid": ("an application to EuropeAid", (
        ("Eligibility checked against the guidelines: where the applicant and co-applicants must be established",
         42),
        ("Every co-applicant's PIC collected", 28),
        ("Concept note or full application drafted as the guidelines ask", 14),
        ("Application submitted in PROSPECT, a day early", 1),
    )),
    "interreg": ("an Interreg application", (
        ("Partnership agreed: every partner confirmed, and who is the lead partner", 42),
        ("Work plan and budget per partner drafted and shared", 21),
        ("Each partner's signed partner declaration collected", 10),
        ("Application form completed in the programme's online system", 5),
        ("Application submitted, a day early", 1),
    )),
    "other": ("an application", (
        ("Partners confirmed", 42),
        ("Application drafted and shared with the partners", 21),
        ("Budget agreed with each partner", 14),
        ("Application submitted, a day early", 1),
    )),
}


# A first step before the application proper: a two-stage portal call's short first-stage proposal, an
# Interreg programme's project idea (or concept note, or expression of interest). Its own short list stands
# until that deadline has passed; then the full list is the usual one.
FIRST_STEP_STAGES = ("first stage", "project idea", "concept note", "expression of interest")
FIRST_STEP = {
    "portal": ("the first stage of a proposal on the Funding & Tenders Portal", (
        ("Core partners agreed, and who coordinates", 28),
        ("First-stage proposal (the short Part B) drafted and shared with the partners", 14),
        ("First-stage proposal submitted, a day early", 1),
    )),
    "interreg": ("the first step of an Interreg application", (
        ("Main partners agreed, and who is the lead partner", 28),
        ("Project idea (or concept note) drafted and shared with the partners", 14),
        ("Project idea (or concept note) submitted, a day early", 1),
    )),
}


MAX_OWN_STEPS = 20


def own_steps(text: str | None) -> list[tuple[str, int]]:
    """A profile's own usual steps as (title, days before the deadline), from its lines "30 Board approves
    the co-financing"; a line that does not read so is left out (`own_steps_problem` refuses it on saving)."""
    steps = []
    for line in (text or "").splitlines():
        days, _, title = one_line(line).partition(" ")
        if days.isdigit() and title:
            steps.append((title, int(days)))
    return steps


def own_steps_problem(text: str | None) -> str | None:
    """Why `text` cannot be a profile's own usual steps, or None."""
    lines = [one_line(line) for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_OWN_STEPS:
        return f"Write at most {MAX_OWN_STEPS} steps of your own (there are {len(lines)})."
    for line in lines:
        days, _, title = line.partition(" ")
        if not (days.isdigit() and int(days) <= 365 and title):
            return (f"Each step of your own is a line: the days before the deadline (0 to 365), then what, as in"
                    f" “30 Board approves the co-financing”. {line[:60]!r} is not.")
        if len(title) > MAX_TITLE:
            return f"A step is said in at most {MAX_TITLE} characters: {title[:40]!r}… is longer."
    return None


def usual_kind(call: dict) -> str:
    """Which of USUAL_STEPS fits the call: where it is submitted, told by its source and identifier."""
    source = call.get("source") or ""
    if source == "ft_portal":
        return "europeaid" if (call.get("identifier") or "").startswith("EuropeAid/") else "portal"
    if source.startswith("interreg") or source == "urbact":
        return "interreg"
    return "other"


def _dated(call: dict) -> list[tuple[date, str | None]]:
    """The call's deadlines as it publishes them now: (day, stage)."""
    return [(date.fromisoformat(d["date"]), d.get("stage")) for d in call.get("deadlines") or [] if d.get("date")]


def deadline_dates(call: dict) -> list[date]:
    """Every deadline the call publishes now, as dates."""
    return [day for day, _ in _dated(call)]


def first_deadline(call: dict) -> date | None:
    """The earliest deadline the call publishes (a two-stage call's first stage), past or not; None without any."""
    return min(deadline_dates(call), default=None)


def next_deadline(call: dict, today: date) -> tuple[date | None, str | None]:
    """The call's first deadline from `today` on, with its stage: the one its steps are dated against."""
    return min(((day, stage) for day, stage in _dated(call) if day >= today), key=lambda d: d[0],
               default=(None, None))


def usual_list(call: dict, today: date, own: str = "") -> tuple[str, tuple, date | None]:
    """The usual steps for the call as it stands on `today`: (what they are for, (title, days before the
    deadline) pairs, the deadline they count back from: the next one). Where submitted tells the list, and the
    profile's `own` steps join it; a next deadline that closes a first step (FIRST_STEP_STAGES) tells its
    short list instead."""
    deadline, stage = next_deadline(call, today)
    kind = usual_kind(call)
    if stage in FIRST_STEP_STAGES and kind in FIRST_STEP:
        label, steps = FIRST_STEP[kind]
    else:
        label, steps = USUAL_STEPS[kind]
        titles = {title for title, _ in steps}
        for title, days in own_steps(own):  # each title once: a usual step written again, or twice, is not repeated
            if title not in titles:
                titles.add(title)
                steps = (*steps, (title, days))
    return label, steps, deadline


def usual_steps(call: dict, today: date, own: str = "") -> tuple[list[tuple[str, date | None]], date | None]:
    """The usual steps for the call (`usual_list`), each due its days before the next deadline but never
    before `today` (a bid decided late still has them all to do; without a deadline none is due), and that
    deadline."""
    _, steps, deadline = usual_list(call, today, own)
    return [(title, max(deadline - timedelta(days=days), today) if deadline else None)
            for title, days in steps], deadline


def checked_title(title: str | None) -> str:
    title = one_line(title)
    if not title:
        raise InvalidStep("Say what the step is.")
    if len(title) > MAX_TITLE:
        raise InvalidStep(f"A step is said in at most {MAX_TITLE} characters; this one has {len(title)}.")
    return title


def checked_due(raw: str | date | None) -> date | None:
    """A due day from a form (YYYY-MM-DD, as a date field sends it; blank: none)."""
    if raw is None or isinstance(raw, date):
        return raw
    raw = raw.strip()
    if not raw:
        return None
    try:
        due = date.fromisoformat(raw)
    except ValueError:
        raise InvalidStep(f"A due day is written as YYYY-MM-DD; {raw!r} is not one.") from None
    if not 2000 <= due.year <= 2100:
        raise InvalidStep(f"{raw} is not a day an application step falls due.")
    return due


def steps_of(db: Database, decision_id: int) -> list[dict]:
    """The decision's steps, open and done, in the order they fall due (undated last), with who does each (if
    not the writer), who handed it to them (`handed_by`, None when they took it on themselves) and who ticked
    it off."""
    return db.fetchall(
        """SELECT s.*, u.email AS done_by_email, a.email AS assignee, a.active AS assignee_active,
                  CASE WHEN s.assigned_by <> s.assignee_id THEN h.email END AS handed_by
           FROM application_steps s LEFT JOIN users u ON u.id = s.done_by LEFT JOIN users a ON a.id = s.assignee_id
           LEFT JOIN users h ON h.id = s.assigned_by
           WHERE s.decision_id = %s ORDER BY s.due NULLS LAST, s.id""", (decision_id,))


def get_step(db: Database, step_id: int) -> dict:
    row = db.fetchone("SELECT * FROM application_steps WHERE id = %s", (step_id,))
    if row is None:
        raise NotFound(f"No application step {step_id}.")
    return row


def add_step(db: Database, decision_id: int, title: str, due: str | date | None, user: dict,
             deadline: date | None = None) -> dict:
    """A step of the team's own; `deadline`: the call's next deadline now, which a due day is set against."""
    title, due = checked_title(title), checked_due(due)
    _decision(db, decision_id)
    with db.transaction() as cur:
        step = cur.execute("INSERT INTO application_steps (decision_id, title, due, deadline, added_by)"
                           " VALUES (%s, %s, %s, %s, %s) RETURNING *",
                           (decision_id, title, due, deadline if due else None, user["id"])).fetchone()
        _event(cur, step, "added", user, {"due": due})
    return step


def update_step(db: Database, step_id: int, due: str | date | None, assignee_id: int | None,
                deadline: date | None = None, title: str | None = None, user: dict | None = None) -> dict:
    """A step's due day (blank: none), set against the call's next deadline now (`deadline`), who does it (a
    user id; None: whoever writes the application) and what it is (`title`; None: as it was). Only a
    colleague who can sign in takes a step on; one deactivated since keeps it until someone else is chosen.
    A step handed to someone new keeps who handed it (`user`) and when; `handed` says so when that is a
    colleague (`assignee`: their address), and `emailed` whether they take an email at once (`step_to_email`)
    rather than the digest."""
    due = checked_due(due)
    title = checked_title(title) if title is not None else None
    with db.transaction() as cur:
        old = cur.execute("SELECT * FROM application_steps WHERE id = %s FOR UPDATE", (step_id,)).fetchone()
        if old is None:
            raise NotFound(f"No application step {step_id}.")
        if assignee_id is not None and assignee_id != old["assignee_id"]:
            who = cur.execute("SELECT active FROM users WHERE id = %s", (assignee_id,)).fetchone()
            if who is None or not who["active"]:
                raise InvalidStep("Choose a colleague who can sign in to do the step.")
        # A due day left as it was keeps the deadline it was set against (the page offers to follow a moved one).
        against = old["deadline"] if due == old["due"] else (deadline if due else None)
        step = cur.execute(
            """UPDATE application_steps SET due = %(due)s, deadline = %(against)s, title = %(title)s,
                      assignee_id = %(assignee)s,
                      assigned_by = CASE WHEN %(handed)s THEN %(by)s ELSE assigned_by END,
                      assigned_at = CASE WHEN %(handed)s THEN now() ELSE assigned_at END,
                      handed_emailed_at = CASE WHEN %(handed)s THEN NULL ELSE handed_emailed_at END
               WHERE id = %(step)s RETURNING *,
                     %(handed)s AND assignee_id IS DISTINCT FROM %(by)s AS handed,
                     (SELECT u.email FROM users u WHERE u.id = assignee_id) AS assignee,
                     (SELECT u.emails_at_once FROM users u WHERE u.id = assignee_id) AS emailed""",
            {"due": due, "against": against, "title": title or old["title"], "assignee": assignee_id,
             "handed": assignee_id is not None and assignee_id != old["assignee_id"],
             "by": user["id"] if user else None, "step": step_id}).fetchone()
        if step["title"] != old["title"]:
            _event(cur, step, "renamed", user, {"from": old["title"]})
        if step["due"] != old["due"]:
            _event(cur, step, "due", user, {"from": old["due"], "to": step["due"]})
        if step["assignee_id"] != old["assignee_id"]:
            _event(cur, step, "handed", user, to=step["assignee_id"])
    return step


def left_behind(steps: list[dict], deadline: date | None, published: Collection[date]) -> dict | None:
    """When open steps were dated against a deadline the call no longer publishes (the portal moved it), and
    `deadline` (the next one now) is where they would go: how many were, and from which deadline (the
    earliest, if several); None when none was. A deadline still published but passed (a first stage) is not
    a moved one."""
    behind = [s for s in steps if not s["done_at"] and s["due"] and s["deadline"] and deadline
              and s["deadline"] not in published]
    if not behind:
        return None
    return {"steps": len(behind), "from": min(s["deadline"] for s in behind), "to": deadline}


def follow_deadline(db: Database, decision_id: int, deadline: date, published: Collection[date],
                    user: dict | None = None) -> int:
    """Moves the decision's open steps dated against a deadline no longer `published` by as many days as it
    moved to `deadline`, so the plan keeps its spacing; returns how many moved. A deadline brought forward can
    leave a step overdue: the page says so, as it is."""
    return db.execute(
        """WITH behind AS (SELECT id, due FROM application_steps
                            WHERE decision_id = %(decision)s AND done_at IS NULL AND due IS NOT NULL
                              AND deadline IS NOT NULL AND NOT deadline = ANY(%(published)s::date[]) FOR UPDATE),
                moved AS (UPDATE application_steps s
                             SET due = s.due + (%(deadline)s::date - s.deadline), deadline = %(deadline)s
                            FROM behind WHERE s.id = behind.id
                       RETURNING s.id, s.decision_id, s.title, behind.due AS was, s.due)
           INSERT INTO step_events (decision_id, step_id, title, change, detail, user_id)
           SELECT decision_id, id, title, 'moved', jsonb_build_object('from', was, 'to', due), %(user)s FROM moved""",
        {"decision": decision_id, "deadline": deadline, "published": list(published),
         "user": user["id"] if user else None})


def missing_usual(steps: list[dict], usual: Iterable[str]) -> list[str]:
    """The usual titles that none of the steps is, or was added as: pressed twice, nothing is repeated, and a
    usual step the team renamed stands for it, while one removed is offered again."""
    have = {s["title"] for s in steps} | {s["usual"] for s in steps if s["usual"]}
    return [title for title in usual if title not in have]


def add_usual_steps(db: Database, decision_id: int, call: dict, today: date, user: dict) -> int:
    """Adds the call's usual steps (`usual_steps`, with the deciding profile's own) that the decision does not
    have yet (`missing_usual`); once a first step's deadline has passed, the full list joins its short one.
    Returns how many were added."""
    _decision(db, decision_id)
    with db.transaction() as cur:
        own = cur.execute(  # the lock: one such press at once
            "SELECT p.own_steps FROM decisions d JOIN profiles p ON p.id = d.profile_id WHERE d.id = %s"
            " FOR UPDATE OF d", (decision_id,)).fetchone()["own_steps"]
        have = cur.execute("SELECT title, usual FROM application_steps WHERE decision_id = %s",
                           (decision_id,)).fetchall()
        steps, deadline = usual_steps(call, today, own)
        missing = set(missing_usual(have, [title for title, _ in steps]))
        new = [(title, due) for title, due in steps if title in missing]
        for title, due in new:
            step = cur.execute("INSERT INTO application_steps (decision_id, title, usual, due, deadline, added_by)"
                               " VALUES (%s, %s, %s, %s, %s, %s) RETURNING *",
                               (decision_id, title, title, due, deadline, user["id"])).fetchone()
            _event(cur, step, "added", user, {"due": due})
    return len(new)


def set_done(db: Database, step_id: int, done: bool, user: dict) -> dict:
    """Ticks a step off (who and when are kept) or opens it again. Pressed twice (two tabs), the first press
    stands."""
    with db.transaction() as cur:
        step = cur.execute(
            """UPDATE application_steps SET done_at = CASE WHEN %(done)s THEN now() END,
                      done_by = CASE WHEN %(done)s THEN %(user)s END
               WHERE id = %(step)s AND (done_at IS NULL) = %(done)s RETURNING *""",
            {"done": done, "user": user["id"], "step": step_id}).fetchone()
        if step is None:
            return get_step(db, step_id)
        _event(cur, step, "done" if done else "reopened", user)
    return step


def remove_step(db: Database, step_id: int, user: dict | None = None) -> dict:
    """Removes a step; its history keeps what it was (`restore_step` puts it back)."""
    with db.transaction() as cur:
        step = cur.execute("DELETE FROM application_steps WHERE id = %s RETURNING *", (step_id,)).fetchone()
        if step is None:
            raise NotFound(f"No application step {step_id}.")
        _event(cur, step, "removed", user, {key: value for key, value in step.items() if key in _KEPT})
    return step


# What a removed step's history keeps of it, to put it back as it was: ticked off, handed, due, and whether
# its handing was emailed already (put back, it is not emailed again).
_KEPT = ("usual", "due", "deadline", "assignee_id", "added_by", "added_at", "done_by", "done_at", "assigned_by",
         "assigned_at", "handed_emailed_at")


def removal(db: Database, event_id: int) -> dict:
    """The history's 'removed' event `event_id` (an event is never changed once written)."""
    event = db.fetchone("SELECT * FROM step_events WHERE id = %s AND change = 'removed'", (event_id,))
    if event is None:
        raise NotFound(f"No removed step {event_id}.")
    return event


def restore_step(db: Database, event_id: int, user: dict) -> dict:
    """Puts back the step a 'removed' event took away, as it was, under the same id (so its history goes on).
    Only a step's latest removal is put back, once."""
    removed = removal(db, event_id)
    with db.transaction() as cur:
        # The decision's row is the lock: two presses at once put the step back once.
        cur.execute("SELECT 1 FROM decisions WHERE id = %s FOR UPDATE", (removed["decision_id"],))
        if cur.execute("SELECT 1 FROM step_events WHERE step_id = %s AND id > %s",
                       (removed["step_id"], event_id)).fetchone():
            raise InvalidStep(f"“{removed['title']}” was put back already.")
        columns = ", ".join(_KEPT)
        step = cur.execute(
            f"""INSERT INTO application_steps (id, decision_id, title, {columns})
                SELECT %(step)s, %(decision)s, %(title)s, {columns}
                  FROM jsonb_populate_record(NULL::application_steps, %(kept)s)
                ON CONFLICT (id) DO NOTHING RETURNING *""",
            {"step": removed["step_id"], "decision": removed["decision_id"], "title": removed["title"],
             "kept": Jsonb(removed["detail"])}).fetchone()
        if step is None:
            raise InvalidStep(f"“{removed['title']}” was put back already.")
        _event(cur, step, "restored", user)
    return step


def _event(cur, step: dict, change: str, user: dict | None, detail: dict | None = None,
           to: int | None = None) -> None:
    cur.execute("INSERT INTO step_events (decision_id, step_id, title, change, detail, to_user_id, user_id)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (step["decision_id"], step["id"], step["title"], change, Jsonb(jsonable(detail or {})), to,
                 user["id"] if user else None))


def step_history(db: Database, decision_id: int) -> list[dict]:
    """What happened to the decision's steps, the oldest first: each change with who made it (`email`), to whom
    a step was handed (`to`; None: back to whoever writes it), and whether a removed step can be put back
    (`restorable`: its latest removal, and not put back since)."""
    return db.fetchall(
        """SELECT e.*, u.email, a.email AS to,
                  e.change = 'removed' AND NOT EXISTS (SELECT 1 FROM step_events later
                                                        WHERE later.step_id = e.step_id AND later.id > e.id)
                  AS restorable
             FROM step_events e LEFT JOIN users u ON u.id = e.user_id LEFT JOIN users a ON a.id = e.to_user_id
            WHERE e.decision_id = %s ORDER BY e.at, e.id""", (decision_id,))


def _decision(db: Database, decision_id: int) -> None:
    if db.scalar("SELECT id FROM decisions WHERE id = %s", (decision_id,)) is None:
        raise NotFound(f"No decision {decision_id}.")


# Who does a step `s` of a decision `d`: whoever it was handed to, else whoever writes the application.
STEP_DONE_BY = "coalesce(s.assignee_id, d.lead_id)"

# How far an application's steps have got, on a decision `d`: how many there are, how many are done, how many
# open ones are overdue (before %(today)s), and the first open one with its due day. For the pipeline and the
# register.
STEPS_OF_DECISION = """LEFT JOIN LATERAL (
    SELECT count(*) AS steps, count(s.done_at) AS steps_done,
           count(*) FILTER (WHERE s.done_at IS NULL AND s.due < %(today)s) AS steps_overdue,
           (array_agg(s.title ORDER BY s.due NULLS LAST, s.id) FILTER (WHERE s.done_at IS NULL))[1] AS next_step,
           min(s.due) FILTER (WHERE s.done_at IS NULL) AS next_step_due
    FROM application_steps s WHERE s.decision_id = d.id) plan ON TRUE"""


def step_to_email(db: Database, step_id: int) -> AbstractContextManager[dict | None]:
    """A step handed to a colleague, to email them at once: their address, the step, its call, profile and who
    handed it; None when it needs none any more (sent, done, handed on or back, the colleague's choice changed)
    or another job is sending it. Marked emailed when the block ends without an error: a failed send stays
    unsent, for the job's retry and else for the digest."""
    return db.claimed(
        """SELECT s.id, s.title, s.due, s.assigned_at, u.email, h.email AS handed_by, c.identifier,
                  c.title AS call_title, d.profile_id, p.name AS profile
             FROM application_steps s JOIN users u ON u.id = s.assignee_id JOIN users h ON h.id = s.assigned_by
             JOIN decisions d ON d.id = s.decision_id JOIN calls c ON c.id = d.call_id
             JOIN profiles p ON p.id = d.profile_id
            WHERE s.id = %(step)s AND s.handed_emailed_at IS NULL AND s.done_at IS NULL
              AND s.assigned_by <> s.assignee_id AND u.active AND u.emails_at_once
              FOR UPDATE OF s SKIP LOCKED""", {"step": step_id},
        "UPDATE application_steps SET handed_emailed_at = now() WHERE id = %(step)s")
