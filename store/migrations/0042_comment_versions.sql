-- What a comment said before each edit, with when that text was written: a discussion is where the team
-- agrees whom to ask and whether to bid, and an edit should not quietly change what colleagues read and
-- answered. Taking a comment back takes its earlier texts with it.
CREATE TABLE comment_versions (
    id          bigserial PRIMARY KEY,
    comment_id  bigint NOT NULL REFERENCES call_comments (id) ON DELETE CASCADE,
    body        text NOT NULL,
    written_at  timestamptz NOT NULL,               -- when this text was written (the comment, or an edit)
    replaced_at timestamptz NOT NULL DEFAULT now()  -- when an edit replaced it
);
CREATE INDEX comment_versions_comment ON comment_versions (comment_id, written_at);
