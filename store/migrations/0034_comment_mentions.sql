-- A comment's author may edit it. Each mention keeps the moment it was made, so that a colleague whom an
-- edit mentions for the first time is told, and one mentioned before is not told twice. A mentioned colleague
-- is emailed at once unless they chose otherwise (the default digest is weekly, and "@janis, can you ask RTU
-- by Friday?" cannot wait a week): `emailed_at` says it went, so that a retried job does not send it again
-- and the digest does not repeat it.
ALTER TABLE call_comments ADD COLUMN edited_at timestamptz;

CREATE TABLE comment_mentions (
    comment_id  bigint NOT NULL REFERENCES call_comments (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    emailed_at  timestamptz,
    PRIMARY KEY (comment_id, user_id)
);
CREATE INDEX comment_mentions_user ON comment_mentions (user_id, at);

INSERT INTO comment_mentions (comment_id, user_id, at)
SELECT k.id, m.user_id, k.at FROM call_comments k CROSS JOIN LATERAL unnest(k.mentions) AS m (user_id)
ON CONFLICT DO NOTHING;

ALTER TABLE call_comments DROP COLUMN mentions;

ALTER TABLE users ADD COLUMN mention_emails boolean NOT NULL DEFAULT true;
