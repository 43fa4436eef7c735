-- Whoever decided on a call, writes it or commented on it finds its discussion in their digest. A colleague
-- may choose otherwise for one call: unfollow a discussion that is no longer theirs, or follow one they have
-- not taken part in. The row is that choice; without one, taking part decides. Mentions reach them either way.
CREATE TABLE discussion_follows (
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id     bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    following   boolean NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, call_id, user_id)
);
