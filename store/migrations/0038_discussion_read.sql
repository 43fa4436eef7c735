-- When each colleague last read a call's discussion (opened the call's page) under a profile: the comments
-- colleagues wrote since are marked new there, and counted on the calls page ("2 new").
CREATE TABLE discussion_read (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id     bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    PRIMARY KEY (user_id, profile_id, call_id)
);
