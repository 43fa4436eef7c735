-- Who created a profile: its creator may delete it again, as leadership may any (NULL: seeded or
-- created before this was kept).
ALTER TABLE profiles ADD COLUMN created_by bigint REFERENCES users (id) ON DELETE SET NULL;
