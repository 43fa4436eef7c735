"""What the team did lately on a profile's calls, newest first: decisions and their changes, consortia,
comments, steps ticked off and calls added by hand. Five people working remotely see here what happened
while they were away, where each record otherwise sits on its own call's page."""

from __future__ import annotations

from datetime import datetime

from .db import Database
from .own_calls import SOURCE as OWN_SOURCE

DAYS = 30   # how far back the Pipeline looks
LIMIT = 40  # and how much of it it lists


def recent(db: Database, profile_id: int, since: datetime, limit: int = LIMIT) -> list[dict]:
    """The events after `since`, newest first, at most `limit`: each with when (`at`), who (`email`; None for
    a change nobody signed), the call (`identifier`, `title`), its `kind` (decision, consortium, comment,
    step, added) and what changed (`detail`: the decision's changed fields, the consortium's change and
    organisation, the comment's id, text and the colleagues it mentions, the step's title)."""
    return db.fetchall(
        """SELECT * FROM (
             SELECT e.at, u.email, c.identifier, c.title, 'decision' AS kind, e.change AS detail, e.id
               FROM decision_events e JOIN decisions d ON d.id = e.decision_id JOIN calls c ON c.id = d.call_id
               LEFT JOIN users u ON u.id = e.user_id
              WHERE d.profile_id = %(profile)s AND e.at > %(since)s
             UNION ALL
             SELECT e.at, u.email, c.identifier, c.title, 'consortium',
                    jsonb_build_object('change', e.change, 'organisation', e.organisation_name, 'note', e.note), e.id
               FROM consortium_events e JOIN calls c ON c.id = e.call_id LEFT JOIN users u ON u.id = e.user_id
              WHERE e.profile_id = %(profile)s AND e.at > %(since)s
             UNION ALL
             SELECT k.at, u.email, c.identifier, c.title, 'comment',
                    jsonb_build_object('id', k.id, 'body', k.body, 'mentions',
                                       (SELECT coalesce(jsonb_agg(m.user_id), '[]') FROM comment_mentions m
                                         WHERE m.comment_id = k.id)), k.id
               FROM call_comments k JOIN calls c ON c.id = k.call_id JOIN users u ON u.id = k.user_id
              WHERE k.profile_id = %(profile)s AND k.at > %(since)s
             UNION ALL
             SELECT s.done_at, u.email, c.identifier, c.title, 'step', jsonb_build_object('title', s.title), s.id
               FROM application_steps s JOIN decisions d ON d.id = s.decision_id JOIN calls c ON c.id = d.call_id
               LEFT JOIN users u ON u.id = s.done_by
              WHERE d.profile_id = %(profile)s AND s.done_at > %(since)s
             UNION ALL
             SELECT c.first_seen, c.raw->>'added_by', c.identifier, c.title, 'added', '{}'::jsonb, c.id
               FROM calls c WHERE c.source = %(own)s AND c.first_seen > %(since)s
           ) events ORDER BY at DESC, kind, id DESC LIMIT %(limit)s""",
        {"profile": profile_id, "since": since, "limit": limit, "own": OWN_SOURCE})
