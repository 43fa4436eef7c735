"""Searches of the calls page a user watches: the calls first seen since their last digest that a watched search
finds come in that digest, whatever their rank for the profile ("Latgale", "youth" in Erasmus+). The ranking
says what fits; a watch says what the reader asked to hear of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from psycopg.types.json import Jsonb

from .calls import search_calls
from .db import Database
from .errors import CallmatchError, NotFound
from .text import as_searched, eur

# What a watch keeps of the calls page's filters: those that say which calls are wanted. The sort, the page and
# the windows that count from today (deadline within, new, changed) are of one visit, not of a watch.
WATCHED_FILTERS = ("text", "programme", "min_grant", "show_screened")
MAX_WATCHES = 20  # a user's; the digest lists each one's new calls
NEWS_PER_WATCH = 10  # a digest lists a watch's first ten new calls and says how many more


class InvalidWatch(CallmatchError):
    pass


def watched_search(filters: dict) -> dict:
    """The part of the calls page's `filters` a watch keeps, as it is stored (empty values left out), or
    InvalidWatch when it names neither words nor a programme: every new call is what the digest's top calls are
    for."""
    search = {key: filters[key] for key in WATCHED_FILTERS if filters.get(key)}
    if "min_grant" in search:
        search["min_grant"] = float(search["min_grant"])
    if not search.get("text") and not search.get("programme"):
        raise InvalidWatch("Search for some words or choose a programme first: a watch tells of the new calls a"
                           " search finds.")
    return search


def watch_words(search: dict) -> str:
    """A watched search in words: '“social enterprise” in Interreg Baltic Sea Region, grants from €200 k,
    screened-out calls too'."""
    text = search.get("text") or ""
    parts = [as_searched(text) if text else "every call"]
    if search.get("programme"):
        parts[0] += f" in {search['programme']}"
    if search.get("min_grant"):
        parts.append(f"grants from {eur(search['min_grant'])}")
    if search.get("show_screened"):
        parts.append("screened-out calls too")
    return ", ".join(parts)


def calls_page_args(search: dict) -> dict:
    """The calls page's address arguments for a watched search, the newest calls first."""
    args = {"q": search.get("text"), "programme": search.get("programme"),
            "min_grant": f"{search['min_grant']:.0f}" if search.get("min_grant") else None,
            "screened": "1" if search.get("show_screened") else None, "sort": "new"}
    return {key: value for key, value in args.items() if value}


# A user's watch of one search (as `watched_search` keeps it) from a profile, if they watch it.
_WATCH_OF = "SELECT id, search, profile_id FROM watched_searches WHERE user_id = %s AND profile_id = %s AND search = %s"


def watch(db: Database, user_id: int, profile_id: int, filters: dict) -> dict:
    """The user watches the search the calls page's `filters` make (`watched_search`) from the profile
    `profile_id`, whose screening and ranks the digest reads it with; one watched already is left as it is.
    Returns the watch (id, search, profile_id, words). InvalidWatch past MAX_WATCHES."""
    search = watched_search(filters)
    with db.transaction() as cur:
        cur.execute("SELECT id FROM users WHERE id = %s FOR UPDATE", (user_id,))  # two tabs at once: one count
        kept = cur.execute(_WATCH_OF, (user_id, profile_id, Jsonb(search))).fetchone()
        if kept is None:
            if cur.execute("SELECT count(*) AS n FROM watched_searches WHERE user_id = %s",
                           (user_id,)).fetchone()["n"] >= MAX_WATCHES:
                raise InvalidWatch(f"You watch {MAX_WATCHES} searches already: stop watching one (Settings) first.")
            kept = cur.execute("INSERT INTO watched_searches (user_id, profile_id, search) VALUES (%s, %s, %s)"
                               " RETURNING id, search, profile_id", (user_id, profile_id, Jsonb(search))).fetchone()
    return _said(kept)


def unwatch(db: Database, user_id: int, watch_id: int) -> dict:
    """The user stops watching `watch_id`; NotFound when it is not one of theirs (stopped already)."""
    gone = db.fetchone("DELETE FROM watched_searches WHERE id = %s AND user_id = %s RETURNING id, search, profile_id",
                       (watch_id, user_id))
    if gone is None:
        raise NotFound("You no longer watch that search.")
    return _said(gone)


def watches(db: Database, user_id: int) -> list[dict]:
    """The searches the user watches, in the order they were watched, each with its `words` and the name of the
    profile it was watched from (`profile`)."""
    return [_said(row) for row in db.fetchall(
        """SELECT w.id, w.search, w.profile_id, p.name AS profile, w.created_at
           FROM watched_searches w JOIN profiles p ON p.id = w.profile_id WHERE w.user_id = %s ORDER BY w.id""",
        (user_id,))]


def _said(watched: dict) -> dict:
    """A watch with its search in `words` and the calls page's address arguments for it (`args`)."""
    return {**watched, "words": watch_words(watched["search"]), "args": calls_page_args(watched["search"])}


def watching(db: Database, user_id: int, profile_id: int, filters: dict) -> dict | None:
    """The user's watch, from the profile `profile_id`, of the search the calls page's `filters` make, if they
    watch it."""
    try:
        search = watched_search(filters)
    except InvalidWatch:
        return None
    return db.fetchone(_WATCH_OF, (user_id, profile_id, Jsonb(search)))


def news(db: Database, user_id: int, since: datetime, today: date, told: Sequence[int] = ()) -> list[dict]:
    """For each search the user watches that finds calls first seen after `since`: the watch with its `calls`
    (the newest first, at most NEWS_PER_WATCH, each saying where it holds the words: `found_in`) and `total`.
    Calls are screened and ranked for the profile the search was watched from; those of the ids `told` (the
    digest's new fitting calls) are not told twice."""
    found = []
    for watched in watches(db, user_id):
        calls, total = search_calls(db, watched["profile_id"], today, sort="new", per_page=NEWS_PER_WATCH,
                                    seen_after=since, leave_out=told, **watched["search"])
        if calls:
            found.append({**watched, "calls": calls, "total": total})
    return found
