-- Digests pick new calls by their rank for the profile, not by a raw score: a score's scale moves
-- whenever the scorer changes (version 3 centred the semantic signal and left most scores under 0.5),
-- while "the top 50" keeps its meaning. An old threshold cannot be carried over, so everyone starts at 50.
ALTER TABLE users ADD COLUMN digest_top integer NOT NULL DEFAULT 50 CHECK (digest_top BETWEEN 1 AND 1000);
ALTER TABLE users DROP COLUMN digest_threshold;
