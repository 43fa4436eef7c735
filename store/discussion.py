"""The team's discussion of a call, for a profile: whether to bid, whom to ask, what the call really wants.
SIC's five work remotely; said here, it stays with the call rather than in someone's inbox. A comment that
mentions a colleague (@ and their address before the @) is in that colleague's next digest, as is one on a
call they decided on, write or took part in discussing."""

from __future__ import annotations

import re
from datetime import datetime

from .db import Database
from .errors import CallmatchError, NotFound
from .text import cut, one_line

MAX_COMMENT = 4000  # the column's check: a comment, not a document (link to one)
EXCERPT = 300       # what a digest quotes of a comment

# "@anna" or "@anna.berzina" after a space, a bracket or the start, not inside an address ("anna@sic.lv").
MENTION = re.compile(r"(?<![\w@.])@(?P<handle>[\w.%+-]*\w)")


# How many comments the discussion of call `c` holds for the profile a query names %(profile)s: the calls
# list, the Pipeline's board and its bids waiting for approval count them so.
COMMENTS_OF_CALL = ("(SELECT count(*) FROM call_comments k WHERE k.profile_id = %(profile)s AND k.call_id = c.id)"
                    " AS comments")


class InvalidComment(CallmatchError):
    pass


def handle(email: str) -> str:
    """How a colleague is mentioned: their address before the @, lower case."""
    return email.partition("@")[0].lower()


def mentioned(db: Database, body: str) -> list[int]:
    """The active colleagues a comment mentions, by id (a handle two addresses share names both)."""
    names = {name.lower() for name in MENTION.findall(body)}
    if not names:
        return []
    return [row["id"] for row in db.fetchall("SELECT id, email FROM users WHERE active ORDER BY id")
            if handle(row["email"]) in names]


def checked_body(body: str | None) -> str:
    # A browser sends a textarea's line breaks as CRLF but counts them as one character against maxlength.
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise InvalidComment("Write something first.")
    if len(body) > MAX_COMMENT:
        raise InvalidComment(f"A comment holds at most {MAX_COMMENT} characters (this one has {len(body)}):"
                             " link to a longer document instead.")
    return body


def add_comment(db: Database, profile_id: int, call_id: int, user: dict, body: str | None) -> dict:
    body = checked_body(body)
    return db.fetchone(
        """INSERT INTO call_comments (profile_id, call_id, user_id, body, mentions) VALUES (%s, %s, %s, %s, %s)
           RETURNING *""",
        (profile_id, call_id, user["id"], body, [i for i in mentioned(db, body) if i != user["id"]]))


def comments_of(db: Database, profile_id: int, call_id: int) -> list[dict]:
    """The call's discussion for the profile, the oldest first, each with its author's address."""
    return db.fetchall(
        """SELECT k.id, k.user_id, k.body, k.at, u.email, u.active FROM call_comments k JOIN users u ON u.id = k.user_id
           WHERE k.profile_id = %s AND k.call_id = %s ORDER BY k.at, k.id""", (profile_id, call_id))


def remove_comment(db: Database, comment_id: int, user: dict) -> dict:
    """Take back one's own comment (the call it was on is returned). Nobody removes a colleague's."""
    row = db.fetchone("DELETE FROM call_comments WHERE id = %s AND user_id = %s RETURNING call_id, profile_id",
                      (comment_id, user["id"]))
    if row is None:
        if db.scalar("SELECT EXISTS (SELECT 1 FROM call_comments WHERE id = %s)", (comment_id,)):
            raise InvalidComment("Only whoever wrote a comment can remove it.")
        raise NotFound(f"No comment {comment_id}: it was removed already.")
    return row


def new_for(db: Database, user_id: int, profile_id: int, since: datetime, until: datetime) -> list[dict]:
    """What colleagues wrote in (`since`, `until`] in the profile's discussions that concern the user, by call
    (the soonest commented first) and then in order: comments that mention them, and every comment on a call
    they decided on, write, or commented on before. Each says why it is theirs (`why`) and quotes the comment."""
    rows = db.fetchall(
        """SELECT k.id, k.at, k.body, c.identifier, c.title, u.email AS author,
                  CASE WHEN %(user)s = ANY(k.mentions) THEN 'mentions you'
                       WHEN d.lead_id = %(user)s THEN 'you write it'
                       WHEN d.decided_by = %(user)s THEN 'you decided on it'
                       ELSE 'you took part' END AS why
           FROM call_comments k JOIN calls c ON c.id = k.call_id JOIN users u ON u.id = k.user_id
           LEFT JOIN decisions d ON d.profile_id = k.profile_id AND d.call_id = k.call_id
           WHERE k.profile_id = %(profile)s AND k.user_id <> %(user)s AND k.at > %(since)s AND k.at <= %(until)s
             AND (%(user)s = ANY(k.mentions) OR %(user)s IN (d.lead_id, d.decided_by)
                  OR EXISTS (SELECT 1 FROM call_comments o WHERE o.profile_id = k.profile_id AND o.call_id = k.call_id
                             AND o.user_id = %(user)s AND (o.at, o.id) < (k.at, k.id)))
           ORDER BY min(k.at) OVER (PARTITION BY c.id), c.id, k.at, k.id""",
        {"user": user_id, "profile": profile_id, "since": since, "until": until})
    for row in rows:
        row["excerpt"] = cut(one_line(row.pop("body")), EXCERPT)
    return rows

