-- How much each question of the bid/no-bid assessment weighs in its mean, 0 to 5 each: a policy, as the
-- screening thresholds are, that leadership sets. {} weighs every question alike.
ALTER TABLE profiles ADD COLUMN assessment_weights jsonb NOT NULL DEFAULT '{}'::jsonb;
