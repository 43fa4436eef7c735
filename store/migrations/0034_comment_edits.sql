-- A comment's author may edit it. Each mention keeps the moment it was made, so that a colleague whom an
-- edit mentions for the first time is told in their next digest, and one mentioned before is not told twice.
ALTER TABLE call_comments ADD COLUMN edited_at timestamptz;

CREATE TABLE comment_mentions (
    comment_id  bigint NOT NULL REFERENCES call_comments (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (comment_id, user_id)
);
CREATE INDEX comment_mentions_user ON comment_mentions (user_id, at);

INSERT INTO comment_mentions (comment_id, user_id, at)
SELECT k.id, m.user_id, k.at FROM call_comments k CROSS JOIN LATERAL unnest(k.mentions) AS m (user_id)
ON CONFLICT DO NOTHING;

ALTER TABLE call_comments DROP COLUMN mentions;
