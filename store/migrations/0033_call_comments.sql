-- The team's discussion of a call, for a profile: whether to bid, whom to ask, what the call really wants.
-- Five people working remotely talk it over here rather than in scattered emails, and it stays with the
-- call. A comment names the colleagues it mentions (@ and their address before the @) as they were when
-- written: those are told in their next digest.
CREATE TABLE call_comments (
    id          bigserial PRIMARY KEY,
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id     bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    mentions    bigint[] NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_comments_call ON call_comments (profile_id, call_id, at);
