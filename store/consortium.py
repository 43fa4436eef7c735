"""The consortium a profile is building for a call: organisations from the partner data."""

from __future__ import annotations

from .calls import NEXT_DEADLINE
from .db import Database
from .errors import NotFound

# The consortium a decision's profile is building for its call, joined to a query over decisions `d` and
# calls `c`: how many partners (`team.partners`), and their names with their countries in the order they
# were added (`team.partner_names`).
PARTNERS_OF_DECISION = """LEFT JOIN LATERAL (
    SELECT count(*) AS partners,
           string_agg(o.name || coalesce(' (' || o.country || ')', ''), '; ' ORDER BY cm.added_at, o.name)
               AS partner_names
    FROM consortium_members cm JOIN organisations o ON o.id = cm.organisation_id
    WHERE cm.profile_id = d.profile_id AND cm.call_id = c.id) team ON TRUE"""


def members(db: Database, profile_id: int, call_id: int) -> list[dict]:
    """The members, in the order they were added, with what a proposal's partner list and the first email
    to them need (PIC, city, website) and who added them."""
    return db.fetchall(
        """SELECT o.id, o.name, o.short_name, o.pic, o.country, o.city, o.sector, o.website, m.added_at,
                  u.email AS added_by,
                  (SELECT count(DISTINCT project_id) FROM participations WHERE organisation_id = o.id) AS projects
           FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id
           LEFT JOIN users u ON u.id = m.added_by
           WHERE m.profile_id = %s AND m.call_id = %s ORDER BY m.added_at, o.name""", (profile_id, call_id))


def add_members(db: Database, profile_id: int, call_id: int, organisation_ids: list[int], user_id: int | None) -> None:
    """Add organisations (one already in is left as it is); all or none, and none if one is unknown."""
    with db.transaction() as cur:
        known = cur.execute("SELECT count(*) AS n FROM organisations WHERE id = ANY(%s)",
                            (organisation_ids,)).fetchone()["n"]
        if known != len(set(organisation_ids)):
            raise NotFound("No such organisation.")
        for organisation_id in organisation_ids:
            cur.execute("INSERT INTO consortium_members (profile_id, call_id, organisation_id, added_by)"
                        " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                        (profile_id, call_id, organisation_id, user_id))


def remove_members(db: Database, profile_id: int, call_id: int, organisation_ids: list[int]) -> None:
    db.execute("DELETE FROM consortium_members WHERE profile_id = %s AND call_id = %s AND organisation_id = ANY(%s)",
               (profile_id, call_id, organisation_ids))


def being_built(db: Database, profile_id: int, today) -> list[dict]:
    """The consortia the team is building: the calls marked bid or maybe, and any other call with members
    already (unless marked no bid), each with its members' ids; the soonest next deadline (after `today`)
    first."""
    return db.fetchall(
        f"""SELECT c.id AS call_id, c.identifier, c.title, d.state, {NEXT_DEADLINE} AS next_deadline,
                   coalesce(array_agg(m.organisation_id ORDER BY m.added_at)
                            FILTER (WHERE m.organisation_id IS NOT NULL), '{{}}') AS member_ids
            FROM calls c
            LEFT JOIN decisions d ON d.call_id = c.id AND d.profile_id = %(profile)s
            LEFT JOIN consortium_members m ON m.call_id = c.id AND m.profile_id = %(profile)s
            WHERE (d.state IN ('bid', 'maybe') OR m.organisation_id IS NOT NULL) AND d.state IS DISTINCT FROM 'no_bid'
            GROUP BY c.id, d.state ORDER BY next_deadline NULLS LAST, c.identifier""",
        {"profile": profile_id, "today": today})
