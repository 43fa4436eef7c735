"""The team's discussion of a call, for a profile: whether to bid, whom to ask, what the call really wants.
SIC's five work remotely; said here, it stays with the call rather than in someone's inbox. A comment that
mentions a colleague (@ and their address before the @) is in that colleague's next digest, as is one on a
call they decided on, write or took part in discussing; a mentioned colleague is emailed at once instead,
unless they chose to wait for the digest. Its author may edit it: a colleague the edit mentions for the
first time is told then, one mentioned before is not told again. Anyone may unfollow a call's discussion, or
follow one they took no part in (`follow`); commenting again follows it again."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
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
# And how many of them colleagues wrote since the user %(user)s last read that discussion (all, if never).
UNREAD_OF_CALL = """(SELECT count(*) FROM call_comments k
                      LEFT JOIN discussion_read r ON r.user_id = %(user)s AND r.profile_id = k.profile_id
                                                 AND r.call_id = k.call_id
                     WHERE k.profile_id = %(profile)s AND k.call_id = c.id AND k.user_id <> %(user)s
                       AND (r.at IS NULL OR k.at > r.at)) AS unread"""


class InvalidComment(CallmatchError):
    pass


def handle(email: str) -> str:
    """How a colleague is mentioned: their address before the @, lower case."""
    return email.partition("@")[0].lower()


EVERYONE = "all"  # "@all, the deadline moved": the whole team at once


def mentioned(cursor, body: str) -> list[int]:
    """The active colleagues a comment mentions, by id (a handle two addresses share names both; `@all`
    names everyone), read in the transaction that stores the comment's mentions."""
    names = {name.lower() for name in MENTION.findall(body)}
    if not names:
        return []
    cursor.execute("SELECT id, email FROM users WHERE active ORDER BY id")
    return [row["id"] for row in cursor.fetchall() if EVERYONE in names or handle(row["email"]) in names]


def checked_body(body: str | None) -> str:
    # A browser sends a textarea's line breaks as CRLF but counts them as one character against maxlength.
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise InvalidComment("Write something first.")
    if len(body) > MAX_COMMENT:
        raise InvalidComment(f"A comment holds at most {MAX_COMMENT} characters (this one has {len(body)}):"
                             " link to a longer document instead.")
    return body


def _mention(cursor, comment_id: int, body: str, author_id: int) -> dict:
    """Keep the comment's mentions in step with its text. Returns how many colleagues it names for the first
    time (`told`), and how many of those take an email at once (`emailed`; the rest wait for their digest)."""
    names = [i for i in mentioned(cursor, body) if i != author_id]  # mentioning oneself is no news
    cursor.execute("DELETE FROM comment_mentions WHERE comment_id = %s AND NOT user_id = ANY(%s)", (comment_id, names))
    cursor.execute("""WITH added AS (INSERT INTO comment_mentions (comment_id, user_id) SELECT %s, unnest(%s::bigint[])
                                     ON CONFLICT DO NOTHING RETURNING user_id)
                      SELECT count(*) AS told, count(*) FILTER (WHERE u.emails_at_once) AS emailed
                        FROM added JOIN users u ON u.id = added.user_id""", (comment_id, names))
    return cursor.fetchone()


def add_comment(db: Database, profile_id: int, call_id: int, user: dict, body: str | None) -> dict:
    """The comment stored, with `told` and `emailed`: how many colleagues it mentions, and how many of
    them are to be emailed at once (see `unsent_mentions`)."""
    body = checked_body(body)
    with db.transaction() as cursor:
        cursor.execute("""INSERT INTO call_comments (profile_id, call_id, user_id, body) VALUES (%s, %s, %s, %s)
                          RETURNING *""", (profile_id, call_id, user["id"], body))
        comment = cursor.fetchone()
        # Whoever speaks up again in a discussion they unfollowed wants to hear the answer.
        cursor.execute("""DELETE FROM discussion_follows WHERE profile_id = %s AND call_id = %s AND user_id = %s
                            AND NOT following""", (profile_id, call_id, user["id"]))
        return {**comment, **_mention(cursor, comment["id"], body, user["id"])}


def edit_comment(db: Database, comment_id: int, user: dict, body: str | None) -> dict:
    """Change one's own comment (a typo, a second thought); what it said before is kept (`versions_of`).
    Returned with `told` and `emailed`, as from `add_comment`, for the colleagues the edit mentions for the
    first time. Unchanged text is no edit. Nobody edits a colleague's comment."""
    body = checked_body(body)
    with db.transaction() as cursor:
        cursor.execute("SELECT * FROM call_comments WHERE id = %s FOR UPDATE", (comment_id,))
        comment = cursor.fetchone()
        if comment is None:
            raise NotFound(f"No comment {comment_id}: it was removed.")
        if comment["user_id"] != user["id"]:
            raise InvalidComment("Only whoever wrote a comment can edit it.")
        if comment["body"] == body:
            return {**comment, "told": 0, "emailed": 0}
        cursor.execute("INSERT INTO comment_versions (comment_id, body, written_at) VALUES (%s, %s, %s)",
                       (comment_id, comment["body"], comment["edited_at"] or comment["at"]))
        cursor.execute("UPDATE call_comments SET body = %s, edited_at = now() WHERE id = %s RETURNING *",
                       (body, comment_id))
        comment = cursor.fetchone()
        return {**comment, **_mention(cursor, comment_id, body, user["id"])}


def mark_read(db: Database, profile_id: int, call_id: int, user_id: int) -> datetime | None:
    """Note that the user reads the call's discussion now; returns when they read it before (None: never)."""
    return db.noted_now("discussion_read", {"user_id": user_id, "profile_id": profile_id, "call_id": call_id})


def comments_of(db: Database, profile_id: int, call_id: int) -> list[dict]:
    """The call's discussion for the profile, the oldest first, each with its author's address."""
    return db.fetchall(
        """SELECT k.id, k.user_id, k.body, k.at, k.edited_at, u.email, u.active
             FROM call_comments k JOIN users u ON u.id = k.user_id
            WHERE k.profile_id = %s AND k.call_id = %s ORDER BY k.at, k.id""", (profile_id, call_id))


def versions_of(db: Database, comment_ids: list[int]) -> dict[int, list[dict]]:
    """What each comment said before its edits, the latest first: each text (`body`) with when it was written
    (`written_at`) and replaced (`replaced_at`)."""
    versions: dict[int, list[dict]] = {}
    for row in db.fetchall("SELECT comment_id, body, written_at, replaced_at FROM comment_versions"
                           " WHERE comment_id = ANY(%s) ORDER BY written_at DESC, id DESC", (comment_ids,)):
        versions.setdefault(row.pop("comment_id"), []).append(row)
    return versions


def remove_comment(db: Database, comment_id: int, user: dict) -> dict:
    """Take back one's own comment (the call it was on is returned). Nobody removes a colleague's."""
    row = db.fetchone("DELETE FROM call_comments WHERE id = %s AND user_id = %s RETURNING call_id, profile_id",
                      (comment_id, user["id"]))
    if row is None:
        if db.scalar("SELECT EXISTS (SELECT 1 FROM call_comments WHERE id = %s)", (comment_id,)):
            raise InvalidComment("Only whoever wrote a comment can remove it.")
        raise NotFound(f"No comment {comment_id}: it was removed already.")
    return row


def _why_theirs(commented: str) -> str:
    """What makes a call's discussion the user's (%(user)s) without a choice of their own, on its decision `d`,
    in words; NULL when nothing does: they write the application, decided on it, or `commented` (an SQL
    condition)."""
    return f"""CASE WHEN d.lead_id = %(user)s THEN 'you write it'
                    WHEN d.decided_by = %(user)s THEN 'you decided on it'
                    WHEN {commented} THEN 'you commented' END"""


def new_for(db: Database, user_id: int, since: datetime, until: datetime) -> list[dict]:
    """What colleagues wrote in (`since`, `until`] that concerns the user, under any profile (each row names
    its `profile` and `profile_id`), by call (the soonest commented first) and then in order: comments that
    mention them (or that an edit made then mentions them in), and every comment on a call whose discussion
    they follow (see `following`). Each says why it is theirs (`why`) and quotes the comment as it reads
    now. One they were emailed of already is not told again."""
    # Taking part is judged as of each comment: one's own first comment follows the discussion from there on.
    commented_before = """EXISTS (SELECT 1 FROM call_comments o
                                   WHERE o.profile_id = k.profile_id AND o.call_id = k.call_id
                                     AND o.user_id = %(user)s AND (o.at, o.id) < (k.at, k.id))"""
    rows = db.fetchall(
        f"""SELECT k.id, k.at, k.body, c.identifier, c.title, u.email AS author, k.profile_id, p.name AS profile,
                   CASE WHEN m.at IS NOT NULL THEN 'mentions you' ELSE coalesce(theirs.why, 'you follow it') END AS why
            FROM call_comments k JOIN calls c ON c.id = k.call_id JOIN users u ON u.id = k.user_id
            JOIN profiles p ON p.id = k.profile_id
            LEFT JOIN decisions d ON d.profile_id = k.profile_id AND d.call_id = k.call_id
            LEFT JOIN comment_mentions m ON m.comment_id = k.id AND m.user_id = %(user)s
            LEFT JOIN discussion_follows f ON f.profile_id = k.profile_id AND f.call_id = k.call_id
                                          AND f.user_id = %(user)s
            CROSS JOIN LATERAL (SELECT {_why_theirs(commented_before)} AS why) theirs
            WHERE k.user_id <> %(user)s AND m.emailed_at IS NULL
              AND (m.at > %(since)s AND m.at <= %(until)s
                   OR k.at > %(since)s AND k.at <= %(until)s AND coalesce(f.following, theirs.why IS NOT NULL))
            ORDER BY min(k.at) OVER (PARTITION BY k.profile_id, c.id), k.profile_id, c.id, k.at, k.id""",
        {"user": user_id, "since": since, "until": until})
    for row in rows:
        row["excerpt"] = cut(one_line(row.pop("body")), EXCERPT)
    return rows


def following(db: Database, profile_id: int, call_id: int, user_id: int) -> dict:
    """Whether the user follows the call's discussion (`following`: colleagues' comments on it reach their
    digest), whether that is their own choice (`chosen`), and what makes it theirs without one (`why`: they
    write it, decided on it or commented; None when nothing does)."""
    commented = """EXISTS (SELECT 1 FROM call_comments k WHERE k.profile_id = %(profile)s AND k.call_id = %(call)s
                                                           AND k.user_id = %(user)s)"""
    row = db.fetchone(
        f"""SELECT f.following, {_why_theirs(commented)} AS why
             FROM (SELECT) one
             LEFT JOIN decisions d ON d.profile_id = %(profile)s AND d.call_id = %(call)s
             LEFT JOIN discussion_follows f ON f.profile_id = %(profile)s AND f.call_id = %(call)s
                                           AND f.user_id = %(user)s""",
        {"profile": profile_id, "call": call_id, "user": user_id})
    chosen = row["following"] is not None
    return {"following": row["following"] if chosen else row["why"] is not None, "chosen": chosen, "why": row["why"]}


def follow(db: Database, profile_id: int, call_id: int, user_id: int, following: bool) -> None:
    """The user's own choice for one call's discussion: follow it (though they took no part) or not (though
    they did). It stands until they choose again or comment again."""
    db.execute("""INSERT INTO discussion_follows (profile_id, call_id, user_id, following) VALUES (%s, %s, %s, %s)
                  ON CONFLICT (profile_id, call_id, user_id)
                  DO UPDATE SET following = EXCLUDED.following, at = now()""",
               (profile_id, call_id, user_id, following))


def choices(db: Database, user_id: int) -> list[dict]:
    """The discussions the user chose to follow or unfollow, under any profile, the latest choice first: the
    call (`identifier`, `title`, `call_id`), the profile (`profile_id`, `profile`), `following` and when (`at`)."""
    return db.fetchall(
        """SELECT f.call_id, c.identifier, c.title, f.profile_id, p.name AS profile, f.following, f.at
             FROM discussion_follows f JOIN calls c ON c.id = f.call_id JOIN profiles p ON p.id = f.profile_id
            WHERE f.user_id = %s ORDER BY f.at DESC, c.identifier""", (user_id,))


def forget_choice(db: Database, profile_id: int, call_id: int, user_id: int) -> bool:
    """Undo the user's choice for one discussion: taking part decides again. False when there was none."""
    return db.execute("DELETE FROM discussion_follows WHERE profile_id = %s AND call_id = %s AND user_id = %s",
                      (profile_id, call_id, user_id)) > 0


# A mention still to be emailed, of comment_mentions m and its colleague u.
_UNSENT = "m.emailed_at IS NULL AND u.active AND u.emails_at_once"


def unsent_mentions(db: Database, comment_id: int) -> list[int]:
    """The colleagues the comment mentions who take an email at once and have not had it yet."""
    return [row["user_id"] for row in db.fetchall(
        f"""SELECT m.user_id FROM comment_mentions m JOIN users u ON u.id = m.user_id
             WHERE m.comment_id = %s AND {_UNSENT} ORDER BY m.user_id""", (comment_id,))]


def mention_to_email(db: Database, comment_id: int, user_id: int) -> AbstractContextManager[dict | None]:
    """One mention to email: the colleague's address, the comment as it reads now, its call, author and
    profile; None when it needs none any more (sent, taken out by an edit, the comment removed, the
    colleague's choice changed) or another job is sending it. Marked emailed when the block ends without
    an error: a failed send stays unsent, for the job's retry and else for the digest."""
    return db.claimed(
            f"""SELECT m.user_id, u.email, k.id, k.body, k.at, k.edited_at, a.email AS author, c.identifier,
                       c.title, k.profile_id, p.name AS profile
                  FROM comment_mentions m JOIN users u ON u.id = m.user_id
                  JOIN call_comments k ON k.id = m.comment_id JOIN users a ON a.id = k.user_id
                  JOIN calls c ON c.id = k.call_id JOIN profiles p ON p.id = k.profile_id
                 WHERE m.comment_id = %(comment)s AND m.user_id = %(user)s AND {_UNSENT}
                   FOR UPDATE OF m SKIP LOCKED""", {"comment": comment_id, "user": user_id},
            "UPDATE comment_mentions SET emailed_at = now() WHERE comment_id = %(comment)s AND user_id = %(user)s")
