"""Organisation profiles, stored: what the matching is for. SIC's is the default.

What a profile says to the scorer (its text items, its history) is worked out in matcher/scoring.py.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from decimal import Decimal

from psycopg.types.json import Jsonb

from .checklist import own_steps_problem
from .db import Database
from .decisions import InvalidDecision, checked_weights
from .errors import CallmatchError, Conflict, NotFound
from .text import MAX_EUROS, counted, one_line

# Written for this project from SIC's public description and 2023-2025 strategy.
SIC_PROFILE = {
    "name": "Social Innovation Centre (SIC)",
    "mission": (
        "A Latvian non-governmental organisation that develops social innovation and social entrepreneurship, "
        "strengthens civic engagement and participation, and works on the circular economy, innovation in "
        "education, environmental sustainability and activism. It brings public bodies, businesses, NGOs and "
        "universities together in non-hierarchical, cross-sector cooperation."
    ),
    "themes": "\n".join([
        "Support ecosystems for social enterprises and social entrepreneurs",
        "Digital and socio-technological social innovation with technology partners",
        "Civic engagement, participatory democracy and active citizenship of young people and adults",
        "Circular economy, sustainable communities and environmental activism",
        "Innovation in education, adult learning and skills for social innovation",
        "Measuring social impact: tools and methods for organisations and public authorities",
        "Research and policy on social innovation; a national competence centre for social innovation",
        "Cooperation across the Baltic Sea Region and the EU Strategy for the Baltic Sea Region",
    ]),
    "past_projects": "\n".join([
        "Drafting of Latvia's Social Enterprise Law with ministries and NGOs",
        "Baltic Sea Region platform for social enterprises, run for nine years with partners around the region",
        "Social innovation labs and capacity building for municipalities and civil society organisations",
        "Training programmes on social entrepreneurship for young people and educators",
    ]),
    "programmes": ["Horizon Europe", "Erasmus+", "Interreg", "CERV", "ESF+"],
    "countries": ["LV"],
    "organisation_types": ["ngo"],
    "min_project_size": Decimal("200000"),
    "min_lead_days": 30,
}


MAX_NAME = 120  # it is shown in the header of every page and in lists
NOT_AN_AMOUNT = "Smallest project worth bidding for must be an amount in euros, e.g. 200000 or 200 000."
# The own funds set aside to co-finance projects: numeric(14, 2), 12 digits of whole euros.
MAX_RESERVE = Decimal("999999999999")
NOT_A_RESERVE = "Own funds set aside for co-financing must be an amount in euros, e.g. 80000 or 80 000."
# Declared conflicts: a few lines, each short enough to read as a gate's reason.
MAX_CONFLICTS = 50
MAX_CONFLICT_LINE = 300
# "H" or "HO" would screen out most of Horizon Europe: a start that short is a typing slip.
MIN_CONFLICT_KEY = 3
_CONFLICT_SEPARATOR = re.compile(r":(?:\s+|$)")


class InvalidProfile(CallmatchError):
    """A profile value that cannot be stored; the message says what would do."""


def ensure_default_profile(db: Database) -> int:
    row = db.fetchone("SELECT id FROM profiles ORDER BY id LIMIT 1")
    if row:
        return row["id"]
    try:
        return save_profile(db, SIC_PROFILE)
    except InvalidProfile:  # another process (the web app, the worker) created it since the check
        return db.scalar("SELECT id FROM profiles ORDER BY id LIMIT 1")


def clean_name(name: str) -> str:
    """A profile name as one line: tabs, line breaks and runs of spaces become one space."""
    return one_line(name)


def name_problem(db: Database, name: str, profile_id: int | None = None) -> str | None:
    """Why `name` (cleaned) cannot name a profile (`profile_id`: the one being renamed), or None."""
    if not name:
        return "Give the profile a name."
    if len(name) > MAX_NAME:
        return f"A profile name has at most {MAX_NAME} characters (this one has {len(name)})."
    if any(not ch.isprintable() for ch in name):
        return "A profile name is plain text, without control characters."
    if name_taken(db, name, profile_id):
        return f"A profile named {name!r} already exists."
    return None


def _amount_problem(amount: Decimal | None, not_an_amount: str, most: Decimal, too_much: str) -> str | None:
    """Why `amount` cannot be one of a profile's amounts of money, or None (None: not set)."""
    if amount is None:
        return None
    if not amount.is_finite() or amount < 0:
        return not_an_amount
    return f"{too_much} at most {most:,} euros." if amount > most else None


def size_problem(size: Decimal | None) -> str | None:
    """Why `size` cannot be a profile's smallest project worth bidding for, or None (None: no minimum)."""
    return _amount_problem(size, NOT_AN_AMOUNT, MAX_EUROS, "Smallest project worth bidding for is")


def reserve_problem(reserve: Decimal | None) -> str | None:
    """Why `reserve` cannot be the own funds a profile sets aside for co-financing, or None (None: not set)."""
    return _amount_problem(reserve, NOT_A_RESERVE, MAX_RESERVE, "Own funds set aside for co-financing are")


def declared_conflicts(text: str | None) -> list[tuple[str, str]]:
    """The profile's declared conflicts as (what, why). Each line names a call by its identifier, or by the
    start of it (HORIZON-CL2-2026-01 covers every topic of that call), or a programme by its name; why
    follows a colon and a space ("CERV: Anna evaluates CERV proposals"). Identifiers may hold a colon
    themselves (urbact:call-…), never one followed by a space."""
    return list(_parsed_conflicts(text or ""))


@functools.lru_cache(maxsize=32)
def _parsed_conflicts(text: str) -> tuple[tuple[str, str], ...]:
    # The conflict gate asks for every call of a ranking, always of the same profile text: read it once.
    found = []
    for line in text.splitlines():
        what, _, why = _CONFLICT_SEPARATOR.sub("\n", line.strip(), count=1).partition("\n")
        if what.strip() or why.strip():
            found.append((what.strip(), why.strip()))
    return tuple(found)


def conflicts_problem(text: str | None) -> str | None:
    """Why `text` cannot be the profile's declared conflicts, or None."""
    lines = declared_conflicts(text)
    if len(lines) > MAX_CONFLICTS:
        return f"Declare at most {MAX_CONFLICTS} conflicts (there are {len(lines)})."
    for what, why in lines:
        if len(what) + len(why) > MAX_CONFLICT_LINE:
            return f"A conflict is one line of at most {MAX_CONFLICT_LINE} characters: {what[:40]!r}… is longer."
        if len(what) < MIN_CONFLICT_KEY:
            return (f"Each conflict starts with a call's identifier (or its first {MIN_CONFLICT_KEY} characters or"
                    f" more) or a programme's name, then ': why'. {what + (': ' + why if why else '')!r} does not.")
    return None


class ChangedSince(InvalidProfile):
    """The profile was saved by someone else after the form that edits it was opened."""


def save_profile(db: Database, profile: dict, profile_id: int | None = None, seen: datetime | None = None) -> int:
    """Insert (no `profile_id`) or update a profile. Raises InvalidProfile for a value that cannot be stored,
    and ChangedSince when `seen` (the `updated_at` the editor's form was opened on) is no longer current:
    saving would silently undo a colleague's edit."""
    profile = {**profile, "name": clean_name(profile.get("name"))}
    problem = (name_problem(db, profile["name"], profile_id) or size_problem(profile.get("min_project_size"))
               or reserve_problem(profile.get("cofinancing_reserve"))
               or conflicts_problem(profile.get("conflicts")) or own_steps_problem(profile.get("own_steps")))
    if problem:
        raise InvalidProfile(problem)
    try:
        profile["assessment_weights"] = checked_weights(profile.get("assessment_weights"))
    except InvalidDecision as exc:
        raise InvalidProfile(str(exc)) from None
    try:
        return _write_profile(db, profile, profile_id, seen)
    except Conflict:
        if name_taken(db, profile["name"], profile_id):  # saved by someone else since the check
            raise InvalidProfile(f"A profile named {profile['name']!r} already exists.") from None
        raise


def _write_profile(db: Database, profile: dict, profile_id: int | None, seen: datetime | None = None) -> int:
    fields = ("name", "mission", "themes", "past_projects", "programmes", "countries", "organisation_types",
              "min_project_size", "cofinancing_reserve", "min_lead_days", "organisation_id", "conflicts", "own_steps",
              "assessment_weights", "updated_by")
    if profile_id is None:
        fields += ("created_by",)  # kept from the insert on: editing never changes who created it
    values = {f: profile.get(f) for f in fields} | {
        "conflicts": profile.get("conflicts") or "", "own_steps": profile.get("own_steps") or "",
        "assessment_weights": Jsonb(profile.get("assessment_weights") or {})}
    if profile_id is None:
        return db.scalar(
            f"INSERT INTO profiles ({', '.join(fields)}) VALUES ({', '.join(f'%({f})s' for f in fields)}) RETURNING id",
            values)
    saved = db.scalar(
        f"UPDATE profiles SET {', '.join(f'{f} = %({f})s' for f in fields)}, updated_at = now()"
        " WHERE id = %(id)s AND (%(seen)s::timestamptz IS NULL OR updated_at = %(seen)s) RETURNING id",
        {**values, "id": profile_id, "seen": seen})
    if saved is None and seen is not None:
        last = db.fetchone("SELECT u.id, u.email FROM profiles p JOIN users u ON u.id = p.updated_by"
                           " WHERE p.id = %s", (profile_id,))
        if last and last["id"] == profile.get("updated_by"):
            raise ChangedSince("You saved this profile in another tab or window after this page was opened, so"
                               " these changes were not saved. The form shows them: save again to replace the"
                               " other save, or reload the page to see it.")
        raise ChangedSince(f"{last['email'] if last else 'Someone'} saved this profile after you opened it, so your"
                           " changes were not saved. The form shows yours: save again to replace theirs, or"
                           " reload the page to see theirs.")
    return profile_id


class ProfileInUse(CallmatchError):
    """A profile that cannot be deleted without losing something."""


def delete_profile(db: Database, profile_id: int) -> str:
    """Delete a profile and its ranking; returns its name. Refused for the last profile (calls need one to
    be ranked for) and for one holding the team's work, bid/no-bid decisions, consortia, discussions or texts
    for applications: that is kept."""
    with db.transaction() as cur:
        # Lock every profile: two deletions at once must not both pass the "not the last one" check.
        names = {row["id"]: row["name"] for row in cur.execute("SELECT id, name FROM profiles FOR UPDATE").fetchall()}
        if profile_id not in names:
            raise NotFound(f"No profile with id {profile_id}; `callmatch profiles` lists them.")
        name = names[profile_id]
        if len(names) == 1:
            raise ProfileInUse(f"{name!r} is the only profile; create another before deleting this one.")
        n = cur.execute(
            """SELECT (SELECT count(*) FROM decisions WHERE profile_id = %(id)s) AS decided,
                      (SELECT count(DISTINCT call_id) FROM consortium_members WHERE profile_id = %(id)s) AS members,
                      (SELECT count(DISTINCT call_id) FROM call_comments WHERE profile_id = %(id)s) AS discussed,
                      (SELECT count(*) FROM application_texts WHERE profile_id = %(id)s) AS texts""",
            {"id": profile_id}).fetchone()
        held = [text for count, text in (
            (n["decided"], counted(n["decided"], "bid/no-bid decision")),
            (n["members"], f"consortia for {counted(n['members'], 'call')}"),
            (n["discussed"], f"the team's discussion of {counted(n['discussed'], 'call')}"),
            (n["texts"], counted(n["texts"], "text for applications", "texts for applications"))) if count]
        if held:
            raise ProfileInUse(f"{name!r} holds {' and '.join(held)}; they would be lost, so the profile is kept.")
        # Searches watched from it go on being watched, from the first profile left: the one its users work on next.
        moved = {"id": profile_id, "next": min(other for other in names if other != profile_id)}
        cur.execute("""DELETE FROM watched_searches w WHERE w.profile_id = %(id)s AND EXISTS (
                           SELECT 1 FROM watched_searches kept WHERE kept.user_id = w.user_id
                           AND kept.profile_id = %(next)s AND kept.search = w.search)""", moved)
        cur.execute("UPDATE watched_searches SET profile_id = %(next)s WHERE profile_id = %(id)s", moved)
        cur.execute("DELETE FROM profiles WHERE id = %s", (profile_id,))  # its ranking goes with it
    return name


def load_profile(db: Database, profile_id: int | None) -> dict:
    """The profile asked for (SIC's when none is), or one clear sentence when it does not exist."""
    profile = get_profile(db, ensure_default_profile(db) if profile_id is None else profile_id)
    if profile is None:
        raise NotFound(f"No profile with id {profile_id}; `callmatch profiles` lists them.")
    return profile


def require_profile(db: Database, profile_id: int | None) -> int:
    """The id of `load_profile`'s profile."""
    return load_profile(db, profile_id)["id"]


def list_profiles(db: Database) -> list[dict]:
    return db.fetchall(
        """SELECT p.id, p.name, o.name AS organisation,
                  (SELECT count(*) FROM match_results m WHERE m.profile_id = p.id) AS ranked,
                  (SELECT count(*) FROM decisions d WHERE d.profile_id = p.id) AS decisions
           FROM profiles p LEFT JOIN organisations o ON o.id = p.organisation_id ORDER BY p.id""")


def name_taken(db: Database, name: str, profile_id: int | None = None) -> bool:
    """Whether another profile than `profile_id` has this name already (case aside: two names differing only
    in case would confuse)."""
    return db.fetchone("SELECT 1 FROM profiles WHERE lower(name) = lower(%s) AND id IS DISTINCT FROM %s",
                       (name, profile_id)) is not None


def profile_names(db: Database) -> list[dict]:
    """Id and name of every profile: what choosing one needs (`list_profiles` also counts their work)."""
    return db.fetchall("SELECT id, name FROM profiles ORDER BY id")


def ranked_profile_ids(db: Database) -> list[int | None]:
    """The profiles a ranking of every profile ranks: their ids, or [None] (SIC's, created by the ranking)
    when there is none yet."""
    return [p["id"] for p in profile_names(db)] or [None]


def get_profile(db: Database, profile_id: int | None = None) -> dict | None:
    if profile_id is None:
        return db.fetchone("SELECT * FROM profiles ORDER BY id LIMIT 1")
    return db.fetchone("SELECT * FROM profiles WHERE id = %s", (profile_id,))


def organisation_history(db: Database, organisation_id: int | None) -> list[dict]:
    """The linked organisation's past projects in the partner data (CORDIS, keep.eu, Erasmus+ results)."""
    if not organisation_id:
        return []
    return db.fetchall(
        """SELECT p.id, coalesce(p.title, '') AS title, p.topic_code,
                  coalesce(nullif(p.topic_title, ''), t.title, '') AS topic_title
           FROM projects p LEFT JOIN topics t ON t.code = p.topic_code
           WHERE p.id IN (SELECT project_id FROM participations WHERE organisation_id = %s) ORDER BY p.id""",
        (organisation_id,))


def set_weights(db: Database, profile_id: int, weights: dict) -> None:
    db.execute("UPDATE profiles SET weights = %s WHERE id = %s", (Jsonb(weights), profile_id))
