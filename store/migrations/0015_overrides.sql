-- A bid or maybe on a call the screening gates failed overrides them: the gates it failed at that moment
-- (gate and reason) are kept with the decision, for leadership to see before approving.
ALTER TABLE decisions ADD COLUMN overrides jsonb NOT NULL DEFAULT '[]'::jsonb;
