-- Who last saved a profile: its thresholds are a bid/no-bid policy, and a save refused because someone
-- else saved first names them.
ALTER TABLE profiles ADD COLUMN updated_by bigint REFERENCES users (id) ON DELETE SET NULL;
