"""What the team did lately on a profile's calls, newest first: decisions and their changes, consortia,
comments and their edits, steps ticked off, reopened, removed, put back or handed to a colleague, calls added
by hand, and the texts for applications added or changed.
Five people working remotely see here what happened while they were away, where each record otherwise sits on
its own call's page."""

from __future__ import annotations

from datetime import datetime

from .db import Database
from .own_calls import SOURCE as OWN_SOURCE

DAYS = 30   # how far back the Pipeline looks
LIMIT = 40  # and how much of it it lists


# Every event on the profile %(profile)s's calls after {since} (an SQL expression), with when (`at`), who
# (`email`; None for a change nobody signed), the call, its `kind` and what changed (`detail`).
_EVENTS = """
     SELECT e.at, u.email, c.identifier, c.title, 'decision' AS kind, e.change AS detail, e.id
       FROM decision_events e JOIN decisions d ON d.id = e.decision_id JOIN calls c ON c.id = d.call_id
       LEFT JOIN users u ON u.id = e.user_id
      WHERE d.profile_id = %(profile)s AND e.at > {since}
     UNION ALL
     SELECT e.at, u.email, c.identifier, c.title, 'consortium',
            jsonb_build_object('change', e.change, 'organisation', e.organisation_name, 'note', e.note), e.id
       FROM consortium_events e JOIN calls c ON c.id = e.call_id LEFT JOIN users u ON u.id = e.user_id
      WHERE e.profile_id = %(profile)s AND e.at > {since}
     UNION ALL
     SELECT k.at, u.email, c.identifier, c.title, 'comment',
            jsonb_build_object('id', k.id, 'body', k.body, 'mentions',
                               (SELECT coalesce(jsonb_agg(m.user_id), '[]') FROM comment_mentions m
                                 WHERE m.comment_id = k.id)), k.id
       FROM call_comments k JOIN calls c ON c.id = k.call_id JOIN users u ON u.id = k.user_id
      WHERE k.profile_id = %(profile)s AND k.at > {since}
     UNION ALL
     -- an edit of a comment, when it replaced the text before it, with what the edit wrote (the next version,
     -- or the comment as it stands); the mentions are the comment's event's to tell
     SELECT v.replaced_at, u.email, c.identifier, c.title, 'comment',
            jsonb_build_object('id', k.id, 'body', coalesce(n.body, k.body), 'mentions', '[]'::jsonb,
                               'edited', true), v.id
       FROM comment_versions v JOIN call_comments k ON k.id = v.comment_id JOIN calls c ON c.id = k.call_id
       JOIN users u ON u.id = k.user_id
       LEFT JOIN LATERAL (SELECT x.body FROM comment_versions x
                           WHERE x.comment_id = v.comment_id AND x.written_at = v.replaced_at
                           ORDER BY x.id LIMIT 1) n ON true
      WHERE k.profile_id = %(profile)s AND v.replaced_at > {since}
     UNION ALL
     SELECT e.at, u.email, c.identifier, c.title, 'step',
            jsonb_build_object('change', e.change, 'title', e.title, 'detail', e.detail, 'to', a.email,
                               'to_user_id', e.to_user_id, 'user_id', e.user_id), e.id
       FROM step_events e JOIN decisions d ON d.id = e.decision_id JOIN calls c ON c.id = d.call_id
       LEFT JOIN users u ON u.id = e.user_id LEFT JOIN users a ON a.id = e.to_user_id
      WHERE d.profile_id = %(profile)s AND e.at > {since}
        -- what moves an application on or back; steps added, renamed or redated are the call page's to tell
        AND (e.change IN ('done', 'reopened', 'removed', 'restored')
             OR e.change = 'handed' AND e.to_user_id <> e.user_id)
     UNION ALL
     SELECT c.first_seen, c.raw->>'added_by', c.identifier, c.title, 'added', '{{}}'::jsonb, c.id
       FROM calls c WHERE c.source = %(own)s AND c.first_seen > {since}
     UNION ALL
     -- every version of a text for applications written in the window, the current one and those replaced
     -- since: its first is the text added, a later one a change (or an earlier version put back)
     SELECT w.written_at, u.email, NULL, w.title, 'text',
            jsonb_build_object('id', w.text_id, 'first', NOT EXISTS (
                SELECT 1 FROM application_text_versions v WHERE v.text_id = w.text_id AND v.written_at < w.written_at)),
            w.text_id
       FROM (SELECT t.id AS text_id, t.title, t.written_at, t.written_by FROM application_texts t
              WHERE t.profile_id = %(profile)s
             UNION ALL
             SELECT v.text_id, v.title, v.written_at, v.written_by FROM application_text_versions v
               JOIN application_texts t ON t.id = v.text_id WHERE t.profile_id = %(profile)s) w
       LEFT JOIN users u ON u.id = w.written_by
      WHERE w.written_at > {since}"""

# Where a colleague's news starts: their last look at the list, and no further back than the list goes.
_NEWS_SINCE = ("(SELECT greatest(max(s.at), now() - make_interval(days => %(days)s)) FROM lately_seen s"
               " WHERE s.user_id = %(user)s AND s.profile_id = %(profile)s)")
MOST_NEWS = 99  # the header counts up to this ("99+")


def recent(db: Database, profile_id: int, since: datetime, limit: int | None = LIMIT) -> list[dict]:
    """The events after `since`, newest first, at most `limit` (None: all): each with when (`at`), who
    (`email`; None for a change nobody signed), the call (`identifier`, `title`; a text's title and no
    identifier), its `kind` (decision, consortium, comment, step, added, text) and what changed (`detail`: the
    decision's changed fields, the consortium's change and organisation, the comment's id, text and the
    colleagues it mentions (an edit: `edited`, what it wrote, and no mentions), a step's event as
    `checklist.step_history` gives it, a text's id and whether this was its first version)."""
    return db.fetchall(
        f"SELECT * FROM ({_EVENTS.format(since='%(since)s')}) events ORDER BY at DESC, kind, id DESC LIMIT %(limit)s",
        {"profile": profile_id, "since": since, "limit": limit, "own": OWN_SOURCE})


def news(db: Database, profile_id: int, user: dict) -> int:
    """How many things colleagues did on the profile's calls since the user last looked at the list (in the last
    `DAYS` days, their own doings aside), up to `MOST_NEWS` + 1."""
    return db.scalar(
        f"""SELECT count(*) FROM (SELECT 1 FROM ({_EVENTS.format(since=_NEWS_SINCE)}) events
                                   WHERE email IS DISTINCT FROM %(email)s LIMIT %(most)s) news""",
        {"profile": profile_id, "user": user["id"], "email": user["email"], "days": DAYS, "own": OWN_SOURCE,
         "most": MOST_NEWS + 1})


def mark_seen(db: Database, profile_id: int, user_id: int) -> datetime | None:
    """Note that the user looks at the list now; returns when they looked before (None: never)."""
    return db.noted_now("lately_seen", {"user_id": user_id, "profile_id": profile_id})
