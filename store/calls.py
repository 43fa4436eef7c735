"""Calls: status from dates, idempotent upsert, listing."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from difflib import get_close_matches
from urllib.parse import unquote

from psycopg.types.json import Jsonb

from .db import MAX_SEARCH_WORDS, Database, every_word_in, words_held
from .discussion import COMMENTS_OF_CALL, UNREAD_OF_CALL
from .text import (capitalised, counted, day, eur_against, one_line, stage_note, text_fragment, without_accents,
                   search_terms, word_start, words_around)

SOURCES = {
    # name: (kind, title, url)
    "ft_portal": ("calls", "EU Funding & Tenders Portal", "https://ec.europa.eu/info/funding-tenders/opportunities/portal"),
    "ft_topic_details": ("calls", "EU Funding & Tenders Portal: topic details",
                         "https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails/"),
    "interreg_bsr": ("calls", "Interreg Baltic Sea Region", "https://interreg-baltic.eu/gateway/calls/"),
    "interreg_central_baltic": ("calls", "Interreg Central Baltic", "https://centralbaltic.eu/for-applicants/"),
    "interreg_est_lat": ("calls", "Interreg Estonia-Latvia", "https://estlat.eu/en/for-applicants"),
    "interreg_lat_lit": ("calls", "Interreg Latvia-Lithuania", "https://latlit.eu/for-applicants/"),
    "interreg_europe": ("calls", "Interreg Europe", "https://www.interregeurope.eu/apply"),
    "urbact": ("calls", "URBACT", "https://urbact.eu/get-involved"),
    "team": ("calls", "Added by the team", None),  # store.own_calls: calls no crawler collects
    "cordis": ("partners", "CORDIS bulk data", "https://cordis.europa.eu/data/"),
    "keep_eu": ("partners", "keep.eu", "https://keep.eu/"),
    "erasmus_results": ("partners", "Erasmus+ Project Results", "https://erasmus-plus.ec.europa.eu/projects"),
}

# What a source's runs count as new, updated and dropped where that is not its kind's (calls, or
# projects for partner sources): the CORDIS import reads participations, an organisation in a project.
RUN_UNITS = {"cordis": "participations"}

# The topic-details spider completes the portal's calls, under ft_portal, and stores none of its own:
# CALL_SOURCES are the sources calls are stored under.
DETAILS_SOURCE = "ft_topic_details"
CALL_SOURCES = tuple(sorted(name for name, (kind, _, _) in SOURCES.items()
                            if kind == "calls" and name != DETAILS_SOURCE))

# A portal topic the search listed without its text (it leaves it out for many): the topic-details
# spider completes it. EuropeAid calls have no topic-details page. (For queries without parameters.)
STUB_TOPIC = "source = 'ft_portal' AND description_text = '' AND identifier NOT LIKE 'EuropeAid/%'"
# A stub whose details page answered 404 is asked for again after this many days, not every day.
DETAILS_RETRY_DAYS = 7

# Fields whose change means the call changed (content hash); bookkeeping fields are left out.
HASHED_FIELDS = (
    "programme", "call_id", "call_title", "title", "description_html", "conditions_html", "opening_date",
    "deadlines", "deadline_model", "topic_budget", "grant_min", "grant_max", "expected_grants", "funding_rate",
    "action_type", "keywords", "eligibility", "partner_search", "url",
)


def stubs_due(db: Database, day: date) -> tuple[list[dict], int]:
    """The stub topics the details spider should ask for on `day` (identifier, raw search record), and
    how many others wait because their details page was missing less than DETAILS_RETRY_DAYS ago."""
    rows = db.fetchall(f"SELECT identifier, raw, details_missing_on FROM calls WHERE {STUB_TOPIC} ORDER BY identifier")
    due = [row for row in rows
           if row["details_missing_on"] is None or (day - row["details_missing_on"]).days >= DETAILS_RETRY_DAYS]
    return due, len(rows) - len(due)


def mark_details_missing(db: Database, identifiers: list[str], day: date) -> None:
    db.execute("UPDATE calls SET details_missing_on = %s WHERE source = 'ft_portal' AND identifier = ANY(%s)",
               (day, identifiers))


def ensure_source(db: Database, name: str) -> None:
    kind, title, url = SOURCES[name]
    db.execute(
        "INSERT INTO sources (name, kind, title, url) VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
        (name, kind, title, url),
    )


def status_on(opening: date | None, deadlines: list[date], day: date) -> str:
    """Derived from the dates, never taken from a source (the portal's status is stale for hundreds of topics)."""
    if opening and opening > day:
        return "forthcoming"
    if deadlines and max(deadlines) < day:
        return "closed"
    return "open"


def refresh_statuses(db: Database, day: date) -> int:
    """Bring every stored call's status up to `day` from its dates; returns how many changed. A call the
    portal no longer lists (it lists only open and forthcoming ones) is never crawled again, so its
    status would otherwise stay as it was on its last crawl."""
    changed = []
    for row in db.fetchall("SELECT id, opening_date, deadlines, status FROM calls"):
        deadlines = [date.fromisoformat(d["date"]) for d in row["deadlines"] or []]
        status = status_on(row["opening_date"], deadlines, day)
        if status != row["status"]:
            changed.append((status, row["id"]))
    if changed:
        with db.transaction() as cur:
            cur.executemany("UPDATE calls SET status = %s WHERE id = %s", changed)
    return len(changed)


def jsonable(value):
    """A value as JSON holds it: days and times written ISO, amounts as strings, lists and dicts throughout."""
    if isinstance(value, (date,)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def content_hash(row: dict) -> str:
    # Amounts as their columns keep them: a completed stub's budget, filled in from the stored 3000000.00
    # when the portal lists it again, is the 3000000 the details gave, not a change.
    payload = json.dumps({f: _watched(f, row.get(f)) if f in _AMOUNTS else jsonable(row.get(f))
                          for f in HASHED_FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


# What a team plans an application by. A change to one of these in a call already stored is news to
# whoever writes it: the portal postpones deadlines and revises budgets. The text counts as one field.
WATCHED_FIELDS = ("title", "opening_date", "deadlines", "topic_budget", "grant_min", "grant_max", "expected_grants",
                  "funding_rate")
_AMOUNTS = ("topic_budget", "grant_min", "grant_max", "funding_rate")


def _watched(field: str, value):
    """A watched field's value as changes are compared and kept (JSON), None where it is not known."""
    if value is None or value == "" or value == []:
        return None
    if field == "deadlines":
        return sorted(({"date": jsonable(d["date"]), "stage": d["stage"]} for d in value),
                      key=lambda d: (d["date"], d["stage"]))
    if field in _AMOUNTS:  # as the numeric(…, 2) column keeps it, or a float's last digits would differ
        return str(round(Decimal(str(value)), 2))
    if field == "title":
        return one_line(value)
    return jsonable(value)


def _words(row: dict) -> str:
    return one_line(f"{row.get('description_text') or ''} {row.get('conditions_text') or ''}")


def changes_between(stored: dict, row: dict) -> dict:
    """What `row` changes in the stored call: {field: [old, new]} for each watched field whose known value
    differs, and "text": True when its known text does. A value given for the first time (a stub completed)
    is not a change."""
    changes = {}
    for field in WATCHED_FIELDS:
        old, new = _watched(field, stored.get(field)), _watched(field, row.get(field))
        if old is not None and old != new:
            changes[field] = [old, new]
    old_text, new_text = _words(stored), _words(row)
    if old_text and new_text and old_text != new_text:
        changes["text"] = True
    return changes


UPSERT = """
INSERT INTO calls (source, identifier, programme, programme_code, call_id, call_title, title,
                   description_html, description_text, conditions_html, conditions_text, opening_date,
                   deadlines, deadline_model, status, topic_budget, grant_min, grant_max, expected_grants,
                   funding_rate, action_type, keywords, eligibility, partner_search, url, raw, content_hash)
VALUES (%(source)s, %(identifier)s, %(programme)s, %(programme_code)s, %(call_id)s, %(call_title)s, %(title)s,
        %(description_html)s, %(description_text)s, %(conditions_html)s, %(conditions_text)s, %(opening_date)s,
        %(deadlines)s, %(deadline_model)s, %(status)s, %(topic_budget)s, %(grant_min)s, %(grant_max)s,
        %(expected_grants)s, %(funding_rate)s, %(action_type)s, %(keywords)s, %(eligibility)s, %(partner_search)s,
        %(url)s, %(raw)s, %(content_hash)s)
ON CONFLICT (source, identifier) DO UPDATE SET
    programme = EXCLUDED.programme, programme_code = EXCLUDED.programme_code, call_id = EXCLUDED.call_id,
    call_title = EXCLUDED.call_title, title = EXCLUDED.title,
    description_html = EXCLUDED.description_html, description_text = EXCLUDED.description_text,
    conditions_html = EXCLUDED.conditions_html, conditions_text = EXCLUDED.conditions_text,
    opening_date = EXCLUDED.opening_date, deadlines = EXCLUDED.deadlines, deadline_model = EXCLUDED.deadline_model,
    status = EXCLUDED.status, topic_budget = EXCLUDED.topic_budget, grant_min = EXCLUDED.grant_min,
    grant_max = EXCLUDED.grant_max, expected_grants = EXCLUDED.expected_grants, funding_rate = EXCLUDED.funding_rate,
    action_type = EXCLUDED.action_type, keywords = EXCLUDED.keywords, eligibility = EXCLUDED.eligibility,
    partner_search = EXCLUDED.partner_search, url = EXCLUDED.url, raw = EXCLUDED.raw,
    content_hash = EXCLUDED.content_hash, last_seen = now(), unlisted_since = NULL,
    updated_at = CASE WHEN calls.content_hash = EXCLUDED.content_hash THEN calls.updated_at ELSE now() END
RETURNING (xmax = 0) AS inserted, id
"""


def upsert_call(db: Database, row: dict, keep_stored: bool = True) -> str:
    """Insert or update one call; returns 'new', 'updated' or 'unchanged'.

    A poorer copy never overwrites a richer one: text and budget already stored are kept
    when the incoming record lacks them (stub records from the portal carry neither). `keep_stored` False
    is for a call the team edits by hand, where a field left empty is meant empty. What an update
    changes in the watched fields is kept in call_changes.
    """
    with db.transaction() as cur:
        return upsert_call_in(cur, row, keep_stored)


def upsert_call_in(cur, row: dict, keep_stored: bool = True) -> str:
    """`upsert_call` inside a transaction the caller holds (its cursor), for work that must land with it."""
    existing = cur.execute(
        "SELECT id, content_hash, description_html, description_text, conditions_html, conditions_text,"
        f" {', '.join(WATCHED_FIELDS)} FROM calls WHERE source = %s AND identifier = %s FOR UPDATE",
        (row["source"], row["identifier"]),
    ).fetchone()
    row = dict(row)
    if existing and keep_stored:
        for field in ("description_html", "description_text", "conditions_html", "conditions_text"):
            if not row.get(field) and existing[field]:
                row[field] = existing[field]
        for field in ("topic_budget", "grant_min", "grant_max", "expected_grants"):
            if row.get(field) is None and existing[field] is not None:
                row[field] = existing[field]
    row["content_hash"] = content_hash(row)
    if existing and existing["content_hash"] == row["content_hash"]:
        cur.execute("UPDATE calls SET last_seen = now(), unlisted_since = NULL, status = %s WHERE id = %s",
                    (row["status"], existing["id"]))
        return "unchanged"
    params = {**row, "deadlines": Jsonb(jsonable(row["deadlines"])), "eligibility": Jsonb(row["eligibility"]),
              "raw": Jsonb(row["raw"])}
    cur.execute(UPSERT, params)
    if existing and (changes := changes_between(existing, row)):
        cur.execute("INSERT INTO call_changes (call_id, changes) VALUES (%s, %s)", (existing["id"], Jsonb(changes)))
    return "updated" if existing else "new"


# How long a change stays marked on the calls page and the Pipeline's cards: after a month it is how the
# call is. LATEST_CHANGE joins a call c's latest change of that time before %(today)s as lc (seen_at, changes).
RECENT_CHANGE_DAYS = 30
LATEST_CHANGE = f"""LEFT JOIN LATERAL (SELECT x.seen_at, x.changes FROM call_changes x
                        WHERE x.call_id = c.id AND x.seen_at >= %(today)s::date - {RECENT_CHANGE_DAYS}
                        ORDER BY x.seen_at DESC, x.id DESC LIMIT 1) lc ON true"""


def changes_of(db: Database, call_id: int) -> list[dict]:
    """What crawls found changed in the call, the latest first: {seen_at, changes}."""
    return db.fetchall("SELECT seen_at, changes FROM call_changes WHERE call_id = %s ORDER BY seen_at DESC, id DESC",
                       (call_id,))


# How change_lines names a field, and writes a pair of its values.
_CHANGED_VALUES = {
    "opening_date": ("opening", lambda old, new: (day(old), day(new))),
    "topic_budget": ("topic budget", eur_against), "grant_min": ("smallest grant", eur_against),
    "grant_max": ("largest grant", eur_against),
    "expected_grants": ("grants expected", lambda old, new: (str(old), str(new))),
    "funding_rate": ("funding rate", lambda old, new: (f"{float(old):.0f}%", f"{float(new):.0f}%")),
}


def change_lines(changes: dict) -> list[str]:
    """A change kept in call_changes in words, one clause a field, as pages and digests write it."""
    lines = _deadline_lines(*changes["deadlines"]) if "deadlines" in changes else []
    for field, (name, pair) in _CHANGED_VALUES.items():
        if field in changes:
            old, new = changes[field]
            lines.append(f"{name} from {' to '.join(pair(old, new))}" if new is not None else f"{name} no longer given")
    if "title" in changes:
        lines.append(f"title was “{changes['title'][0]}”")
    if changes.get("text"):
        lines.append("its text was revised")
    return lines


def change_summary(changes: dict | list[dict]) -> str:
    """`change_lines` of one change, or of several in the order seen, as one sentence: "Deadline moved from
    …; topic budget from … to …"."""
    return capitalised("; ".join(line for one in (changes if isinstance(changes, list) else [changes])
                                 for line in change_lines(one)))


def _deadline_lines(old: list[dict], new: list[dict] | None) -> list[str]:
    def listed(deadlines):
        return ", ".join(day(d["date"]) + stage_note(d["stage"]) for d in deadlines)

    def which(stage):  # "single-stage" says nothing once the deadline is named in a sentence
        return "" if stage == "single-stage" else stage_note(stage)

    if not new:
        return [f"no deadline given any more, where it was {listed(old)}"]
    if len(old) != len(new):
        return [f"deadlines now {listed(new)}, in place of {listed(old)}"]
    lines = []
    for before, after in zip(old, new, strict=True):
        shift = (date.fromisoformat(after["date"]) - date.fromisoformat(before["date"])).days
        if shift:
            lines.append(f"deadline{which(after['stage'])} moved from {day(before['date'])} to"
                         f" {day(after['date'])} ({counted(abs(shift), 'day')} {'later' if shift > 0 else 'earlier'})")
        elif before["stage"] != after["stage"]:
            lines.append(f"deadline of {day(after['date'])} now{which(after['stage']) or ' single-stage'}")
    return lines


def mark_unlisted(db: Database, source: str, listed_from: datetime) -> int:
    """After a crawl that read every open and forthcoming call of `source` (started at `listed_from`)
    without losing one: mark those it did not see, as far as their dates go still open or forthcoming.
    The source no longer lists them: withdrawn, or closed early. Returns how many were newly marked."""
    return db.execute(
        "UPDATE calls SET unlisted_since = now() WHERE source = %s AND last_seen < %s AND unlisted_since IS NULL"
        " AND status IN ('open', 'forthcoming')", (source, listed_from))


def list_calls(db: Database, source: str | None = None, profile_id: int | None = None,
               search: str | None = None) -> list[dict]:
    """Stored calls with their ranking for the profile (the first one when none is named), best first; with
    `search`, those whose title, identifier or text hold every word of it, read as the calls page reads them."""
    where, params = _listed(source, search)
    params["profile"] = profile_id
    return db.fetchall(
        f"""SELECT c.id, c.identifier, c.source, c.programme, c.title, c.call_id, c.call_title, c.status,
                   c.opening_date, c.deadlines, c.topic_budget, c.grant_min, c.grant_max, c.expected_grants,
                   c.action_type, c.url, c.first_seen, c.last_seen,
                   m.score, m.rank, m.gates, m.screened_out, m.explanation
            FROM calls c
            LEFT JOIN match_results m ON m.call_id = c.id
                 AND m.profile_id = coalesce(%(profile)s, (SELECT min(id) FROM profiles))
            {where} ORDER BY m.rank NULLS LAST, c.identifier""",
        params,
    )


def count_listed(db: Database, source: str | None = None, search: str | None = None) -> int:
    """How many calls `list_calls` lists with that `source` and `search`, the rows not read."""
    where, params = _listed(source, search)
    return db.scalar(f"SELECT count(*) FROM calls c {where}", params)


def _listed(source: str | None, search: str | None) -> tuple[str, dict]:
    """The WHERE of the calls `list_calls` lists (empty for all of them) and its parameters."""
    conditions, params = [], {"source": source}
    if source:
        conditions.append("c.source = %(source)s")
    if search:
        conditions.append(every_word_in(("c.search_text",), without_accents(search), params, "text"))
    return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), params


def call_json(row: dict) -> dict:
    """The public shape of a call, as `callmatch calls --json` prints it."""
    keys = ("identifier", "source", "programme", "title", "call_id", "status", "opening_date", "deadlines",
            "topic_budget", "grant_min", "grant_max", "expected_grants", "url")
    shaped = {k: jsonable(row.get(k)) for k in keys}
    for k in ("topic_budget", "grant_min", "grant_max"):
        shaped[k] = float(row[k]) if row.get(k) is not None else None
    shaped["budget"] = shaped.pop("topic_budget")
    if row.get("score") is not None:
        shaped.update(score=round(row["score"], 4), rank=row["rank"], screened_out=row["screened_out"],
                      gates=row["gates"], explanation=row["explanation"])
    return shaped


# -- the ranked list the web app shows ------------------------------------------------------------

NEXT_DEADLINE = (
    "(SELECT min((d->>'date')::date) FROM jsonb_array_elements(c.deadlines) d WHERE (d->>'date')::date >= %(today)s)"
)
# A call still open to work on: a deadline from %(today)s on, or none dated at all (a call added by hand may
# have a rolling one). Said once for the consortia still taking partners and the Pipeline's cards in hand.
STILL_OPEN = (f"({NEXT_DEADLINE} IS NOT NULL"
              " OR NOT EXISTS (SELECT FROM jsonb_array_elements(c.deadlines) x WHERE x->>'date' IS NOT NULL))")
# A call is new on the calls page while first seen less than NEW_CALL_DAYS ago, unless its source's first crawl
# found it (the first crawl finds every call at once: none of them is news).
NEW_CALL_DAYS = 7
FIRST_CRAWL = timedelta(days=1)
NEW_CALL = f"c.first_seen >= %(today)s::date - {NEW_CALL_DAYS} AND c.first_seen > started.at + %(first_crawl)s"
STARTED = "JOIN (SELECT source, min(first_seen) AS at FROM calls GROUP BY source) started ON started.source = c.source"

# Everything the profile %(profile)s's discussion of a call `c` says, for the calls page's search.
DISCUSSION_TEXT = ("(SELECT string_agg(k.body, ' ') FROM call_comments k"
                   " WHERE k.call_id = c.id AND k.profile_id = %(profile)s)")

# The calls page's sort orders; ties go to the better fit. A grant's size is its largest published amount.
SORTS = {"score": "m.screened_out, m.score DESC NULLS LAST, c.id", "deadline": "next_deadline NULLS LAST, m.score DESC",
         "grant": "coalesce(c.grant_max, c.grant_min) DESC NULLS LAST, m.score DESC NULLS LAST, c.id",
         "new": "c.first_seen DESC, m.score DESC NULLS LAST, c.id"}


def search_calls(db: Database, profile_id: int, today: date, *, programme: str | None = None,
                 status: str | None = None, within_days: int | None = None, min_grant: float | None = None,
                 text: str | None = None, decision: str | None = None, show_screened: bool = False,
                 changed: bool = False, new: bool = False, sort: str = "score", page: int = 1,
                 per_page: int = 25, user_id: int | None = None, say_where: bool = True,
                 seen_after: datetime | None = None, leave_out: Sequence[int] = ()) -> tuple[list[dict], int]:
    """(rows of this page, total count). Every value is a parameter; the sort is from a fixed list. `text`: every
    word in the call's title, identifier, text or the profile's discussion of it, accents aside. `changed`
    keeps the calls a crawl changed in the last RECENT_CHANGE_DAYS, `new` those marked new (see NEW_CALL), as
    each row says (`new`). With `user_id`, each row counts the comments that are `unread` to that user. With
    `text` and `say_where`, each row says where it holds the words its title lacks (`found_in`: `where_found`).
    `seen_after` keeps the calls first seen after that moment (a watched search's news for a digest), and
    `leave_out` drops the calls of those ids (told already)."""
    joined, condition, params = _chosen(
        profile_id, today, programme=programme, status=status, within_days=within_days, min_grant=min_grant,
        text=text, decision=decision, show_screened=show_screened, changed=changed, new=new, seen_after=seen_after,
        leave_out=leave_out)
    params.update({"limit": per_page, "offset": (page - 1) * per_page, "user": user_id})
    # Where each call holds the words its title and identifier lack, read for this page's calls only.
    say_where = bool(text and say_where)
    found = "".join(f", {column} AS {name}" for name, column, _ in FOUND_IN) if say_where else ""
    total = db.scalar(f"SELECT count(*) {joined} {condition}", params)
    rows = db.fetchall(
        f"""SELECT c.id, c.identifier, c.programme, c.title, c.status, c.deadlines, c.topic_budget, c.grant_min,
                   c.grant_max, c.funding_rate, c.action_type, c.url, m.score, m.rank, m.gates, m.screened_out,
                   d.state AS decision, d.approval, d.outcome, {COMMENTS_OF_CALL},
                   {UNREAD_OF_CALL if user_id else "0 AS unread"}, {NEW_CALL} AS new,
                   {NEXT_DEADLINE} AS next_deadline, lc.seen_at AS changed_at, lc.changes{found}
            {joined} {LATEST_CHANGE} {condition}
            ORDER BY {SORTS.get(sort, SORTS['score'])} LIMIT %(limit)s OFFSET %(offset)s""",
        params)
    if say_where:
        for row in rows:
            row["found_in"] = where_found(text, row)
    return rows, total


def count_calls(db: Database, profile_id: int, today: date, **filters) -> int:
    """How many calls `search_calls` finds with these `filters` (its own), the rows not read: what a search one
    step wider than one that found nothing would find."""
    joined, condition, params = _chosen(profile_id, today, **filters)
    return db.scalar(f"SELECT count(*) {joined} {condition}", params)


def _chosen(profile_id: int, today: date, *, programme: str | None = None, status: str | None = None,
            within_days: int | None = None, min_grant: float | None = None, text: str | None = None,
            decision: str | None = None, show_screened: bool = False, changed: bool = False, new: bool = False,
            seen_after: datetime | None = None, leave_out: Sequence[int] = ()) -> tuple[str, str, dict]:
    """The calls `search_calls`'s filters choose, for the profile: (its FROM with the joins, its WHERE, the
    parameters)."""
    where = ["TRUE"]
    params: dict = {"profile": profile_id, "today": today, "first_crawl": FIRST_CRAWL}
    if not show_screened:
        where.append("NOT coalesce(m.screened_out, false)")
    if programme:
        where.append("c.programme = %(programme)s")
        params["programme"] = programme
    if status:
        where.append("c.status = %(status)s")
        params["status"] = status
    if within_days is not None:
        where.append(f"{NEXT_DEADLINE} <= %(today)s::date + %(within)s::int")
        params["within"] = within_days
    if min_grant is not None:
        where.append("coalesce(c.grant_max, c.topic_budget) >= %(min_grant)s")
        params["min_grant"] = min_grant
    if text:  # what the team said of a call finds it too ("the one RTU would coordinate"): in its discussion,
        # its decision's note, or the evaluators' comments on its bid ("uptake" finds the bid they faulted for it).
        # Accents aside: the call's search_text is folded as it is stored, the team's few words at each search.
        said = [f"plain_letters({column})" for column in (DISCUSSION_TEXT, "d.note", "d.evaluation_comments")]
        where.append(every_word_in(("c.search_text", *said), without_accents(text), params, "text"))
    if changed:
        where.append("EXISTS (SELECT 1 FROM call_changes x WHERE x.call_id = c.id"
                     f" AND x.seen_at >= %(today)s::date - {RECENT_CHANGE_DAYS})")
    if new:
        where.append(NEW_CALL)
    if seen_after is not None:
        where.append("c.first_seen > %(seen_after)s")
        params["seen_after"] = seen_after
    if leave_out:
        where.append("c.id <> ALL(%(leave_out)s)")
        params["leave_out"] = list(leave_out)
    if decision == "none":
        where.append("d.id IS NULL")
    elif decision:
        where.append("d.state = %(decision)s")
        params["decision"] = decision
    joined = f"""FROM calls c
                LEFT JOIN match_results m ON m.call_id = c.id AND m.profile_id = %(profile)s
                LEFT JOIN decisions d ON d.call_id = c.id AND d.profile_id = %(profile)s {STARTED}"""
    return joined, f"WHERE {' AND '.join(where)}", params


# Where the calls search reads besides a call's title and identifier, in the order a match is shown from:
# (the row's name for it, its SQL, how a page names it).
FOUND_IN = (("found_text", "c.description_text", "its text"), ("found_discussion", DISCUSSION_TEXT, "the discussion"),
            ("found_note", "d.note", "the decision's note"),
            ("found_comments", "d.evaluation_comments", "what the evaluators said"))


def where_found(text: str, row: dict) -> dict | None:
    """Why the search for `text` found a call whose title and identifier lack some of its words: where it
    holds the first of them, {"where", "parts" (`words_around`), "fragment" (`text_fragment`)}, from its
    text, its discussion, its decision's note or what the evaluators said. None when the title and identifier
    hold every word. Takes the texts searched out of `row`, which the list does not show."""
    texts = {name: row.pop(name, None) or "" for name, _, _ in FOUND_IN}
    named = without_accents(f"{row['title']} {row['identifier']}")
    missing = [term for term in search_terms(text)[:MAX_SEARCH_WORDS]
               if not re.search(word_start(without_accents(term)), named, re.IGNORECASE)]
    for name, _, where in FOUND_IN if missing else ():
        if parts := words_around(missing, texts[name]):
            return {"where": where, "parts": parts, "fragment": text_fragment(parts)}
    return None


def call_words(db: Database) -> dict[str, int]:
    """The words of the stored calls' titles, identifiers and texts, as the search reads them (`words_held`): about
    half a second for the demo's 1,456 calls, so kept while `table_version(db, "calls")` stays."""
    return words_held(db, "calls", "search_text")


def programmes(db: Database) -> list[str]:
    return [r["programme"] for r in db.fetchall(
        "SELECT DISTINCT programme FROM calls WHERE programme IS NOT NULL ORDER BY programme")]


def get_call(db: Database, identifier: str, profile_id: int | None = None) -> dict | None:
    """The call with this identifier, with the profile's score, rank, gates and explanation (None without a
    profile). An identifier with %-escapes also finds the call by the name it has once they are read: links
    and notes from before migration 0017 name Interreg calls that way."""
    for name in dict.fromkeys((identifier, unquote(identifier))):
        found = db.fetchone(
            """SELECT c.*, m.score, m.rank, m.gates, m.screened_out, m.explanation, m.signals
               FROM calls c LEFT JOIN match_results m ON m.call_id = c.id AND m.profile_id = %s
               WHERE c.identifier = %s ORDER BY c.id LIMIT 1""",
            (profile_id, name))
        if found:
            return found
    return None


def nearest_identifier(db: Database, typed: str) -> str | None:
    """The stored call's identifier most like `typed`, which names none: in another case, or with a slip of
    the keyboard ("…-DEMOCRACY-9" for "…-DEMOCRACY-09"); None when none comes near (nine letters in ten alike).
    Read on an error's path only: it reads every identifier."""
    identifiers = {row["identifier"].lower(): row["identifier"] for row in db.fetchall("SELECT identifier FROM calls")}
    near = get_close_matches(" ".join(typed.split()).lower(), identifiers, n=1, cutoff=0.9)
    return identifiers[near[0]] if near else None


def identifier_of(db: Database, call_id: int) -> str | None:
    return db.scalar("SELECT identifier FROM calls WHERE id = %s", (call_id,))


def any_stored(db: Database) -> bool:
    """Whether any call is stored at all (a new installation has none until its first crawl)."""
    return bool(db.scalar("SELECT EXISTS (SELECT 1 FROM calls)"))


def screened_count(db: Database, profile_id: int) -> int:
    """How many calls the profile's screening gates marked (they are listed only on request)."""
    return db.scalar("SELECT count(*) FROM match_results WHERE profile_id = %s AND screened_out", (profile_id,))
