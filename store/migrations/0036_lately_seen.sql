-- When each colleague last looked at the Pipeline's "Lately" for a profile: what the others did since is new
-- to them, counted in the header and marked in the list. Five people working remotely ask "what happened
-- while I was away?" every morning.
CREATE TABLE lately_seen (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    PRIMARY KEY (user_id, profile_id)
);
